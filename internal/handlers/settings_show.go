package handlers

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"backoffice/internal/disbursements"
	"backoffice/internal/models"
	"backoffice/internal/money"
	"backoffice/internal/store"
	"backoffice/web/templates/pages/settings"
)

func (s *Server) settingsProps(c echo.Context) (settings.Props, error) {
	ctx := c.Request().Context()
	low, err := s.store.Setting(ctx, disbursements.SettingLowBalance, strconv.Itoa(disbursements.DefaultLowBalance))
	if err != nil {
		return settings.Props{}, err
	}
	dual, err := s.store.Setting(ctx, disbursements.SettingDualApproval, strconv.Itoa(disbursements.DefaultDualApprovals))
	if err != nil {
		return settings.Props{}, err
	}
	pending, err := s.store.PendingChanges(ctx, "setting:")
	if err != nil {
		return settings.Props{}, err
	}
	st := state(c)
	p := settings.Props{Pending: pending, LowBalance: groupDigits(low), DualApproval: groupDigits(dual), Errors: map[string]string{}, CanEdit: st.user.Role == models.RoleAdmin, CSRF: st.csrf}
	base, cfg := s.cfg.BaseURL, s.cfg
	mode := func(u, sandbox string) (string, string) {
		if u == "" {
			return "sandbox", base + "/sandbox/" + sandbox
		}
		return "live", u
	}
	// The URLs come from intake's endpoint list, so this page cannot drift from what is served.
	byProvider := map[string][]settings.Callback{}
	for _, ep := range s.callbacks.Endpoints {
		label := ep.Label
		if ep.Method != http.MethodPost {
			label += " (" + ep.Method + ")"
		}
		byProvider[ep.Provider] = append(byProvider[ep.Provider], settings.Callback{Label: label, URL: ep.URL(base)})
	}
	for _, pr := range []struct{ key, name, baseURL string }{
		{"oy", "OY! Indonesia", cfg.OY.BaseURL}, {"faspay", "Faspay OVO Tokenize", cfg.Faspay.BaseURL},
		{"doku", "DOKU SNAP OVO", cfg.Doku.BaseURL}, {"ayopop", "Ayopop", cfg.Ayopop.BaseURL},
	} {
		m, u := mode(pr.baseURL, pr.key)
		p.Providers = append(p.Providers, settings.Provider{Name: pr.name, Mode: m, BaseURL: u, Callbacks: byProvider[pr.key]})
	}
	return p, nil
}

func (s *Server) showSettings(c echo.Context) error {
	p, err := s.settingsProps(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "Settings", settings.Page(p))
}

// updateSettings saves the thresholds an admin sets.
func (s *Server) updateSettings(c echo.Context) error {
	p, err := s.settingsProps(c)
	if err != nil {
		return err
	}
	oldLow, _ := money.ParseInput(p.LowBalance)
	oldDual, _ := money.ParseInput(p.DualApproval)
	p.LowBalance, p.DualApproval = strings.TrimSpace(c.FormValue("low_balance")), strings.TrimSpace(c.FormValue("dual_approval_above"))
	low, err := money.ParseInput(p.LowBalance)
	if err != nil {
		p.Errors["low_balance"] = "Use whole rupiah, like 10.000.000."
	}
	dual, err := money.ParseInput(p.DualApproval)
	if err != nil {
		p.Errors["dual_approval_above"] = "Use whole rupiah, like 50.000.000, or 0."
	}
	if len(p.Errors) > 0 {
		return s.render(c, http.StatusUnprocessableEntity, "Settings", settings.Page(p))
	}
	ctx := c.Request().Context()
	if dual != oldDual {
		// The two-approval threshold decides how many people must agree to move money: four eyes.
		before, err := s.store.Setting(ctx, disbursements.SettingDualApproval, strconv.Itoa(disbursements.DefaultDualApprovals))
		if err != nil {
			return err
		}
		err = s.requestChange(c, &models.ChangeRequest{Kind: models.ChangeDualApproval, Subject: "setting:" + disbursements.SettingDualApproval,
			SettingKey: disbursements.SettingDualApproval, SettingValue: strconv.FormatInt(dual, 10), Before: before,
			Summary: fmt.Sprintf("Two approvals above %s → %s", rupiahText(oldDual), rupiahText(dual))})
		if errors.Is(err, store.ErrDuplicate) {
			p.Errors["dual_approval_above"] = "A change of this threshold is already waiting for a second admin. Approve, reject or withdraw it first."
			if p.Pending, err = s.store.PendingChanges(ctx, "setting:"); err != nil {
				return err
			}
			return s.render(c, http.StatusUnprocessableEntity, "Settings", settings.Page(p))
		}
		if err != nil {
			return err
		}
	}
	// The low-balance level only warns; it moves no money, so it takes effect at once.
	if low != oldLow {
		if err := s.store.PutSetting(ctx, disbursements.SettingLowBalance, strconv.FormatInt(low, 10), s.auditEntry(c, "settings.update", "setting",
			disbursements.SettingLowBalance, fmt.Sprintf("low-balance threshold %s → %s", rupiahText(oldLow), rupiahText(low)))); err != nil {
			return err
		}
	}
	switch {
	case dual != oldDual && low != oldLow:
		return s.redirect(c, "/settings", "ok", "Low-balance warning saved. The two-approval threshold changes when a different admin approves it.")
	case dual != oldDual:
		return s.redirect(c, "/settings", "ok", "The two-approval threshold changes when a different admin approves it.")
	case low != oldLow:
		return s.redirect(c, "/settings", "ok", "Low-balance warning saved.")
	}
	return s.redirect(c, "/settings", "info", "Nothing changed.")
}

// groupDigits writes a stored whole-rupiah setting the way a clerk types it: 20.000.000.
func groupDigits(v string) string {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return v
	}
	return strings.TrimPrefix(rupiahText(n), "Rp ")
}
