package handlers

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"backoffice/internal/disbursements"
	"backoffice/internal/models"
	"backoffice/internal/money"
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
	st := state(c)
	p := settings.Props{LowBalance: groupDigits(low), DualApproval: groupDigits(dual), Errors: map[string]string{}, CanEdit: st.user.Role == models.RoleAdmin, CSRF: st.csrf}
	if err := s.readTopupSettings(ctx, &p); err != nil {
		return settings.Props{}, err
	}
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
	topupChanges := parseTopupSettings(c, &p)
	if len(p.Errors) > 0 {
		return s.render(c, http.StatusUnprocessableEntity, "Settings", settings.Page(p))
	}
	ctx := c.Request().Context()
	if err := s.saveTopupSettings(c, topupChanges); err != nil {
		return err
	}
	if low != oldLow {
		if err := s.store.PutSetting(ctx, disbursements.SettingLowBalance, strconv.FormatInt(low, 10), s.auditEntry(c, "settings.update", "setting",
			disbursements.SettingLowBalance, fmt.Sprintf("low-balance threshold %s → %s", rupiahText(oldLow), rupiahText(low)))); err != nil {
			return err
		}
	}
	if dual != oldDual {
		if err := s.store.PutSetting(ctx, disbursements.SettingDualApproval, strconv.FormatInt(dual, 10), s.auditEntry(c, "settings.update", "setting",
			disbursements.SettingDualApproval, fmt.Sprintf("two approvals above %s → %s", rupiahText(oldDual), rupiahText(dual)))); err != nil {
			return err
		}
	}
	return s.redirect(c, "/settings", "ok", "Thresholds saved.")
}

// groupDigits writes a stored whole-rupiah setting the way a clerk types it: 20.000.000.
func groupDigits(v string) string {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return v
	}
	return strings.TrimPrefix(rupiahText(n), "Rp ")
}
