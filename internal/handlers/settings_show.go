package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"backoffice/internal/disbursements"
	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/money"
	"backoffice/internal/store"
	"backoffice/internal/topups"
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
		// An endpoint the catalogue does not name yet keeps intake's English label.
		if key, ok := callbackLabels[ep.Provider+"/"+ep.Kind]; ok {
			label = i18n.T(ctx, key)
		}
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
	p.Database = s.databaseFacts(ctx)
	leases, err := s.store.Leases(ctx)
	if err != nil {
		return settings.Props{}, err
	}
	for _, l := range leases {
		name := l.Name
		if key, ok := loopLabels[l.Name]; ok {
			name = i18n.T(ctx, key)
		}
		p.Background = append(p.Background, settings.Loop{Name: name, Holder: l.Holder, Since: i18n.Time(ctx, l.Taken),
			Until: i18n.Time(ctx, l.Expires), Lapsed: l.Lapsed})
	}
	return p, nil
}

// loopLabels names the background loops (their lease names, internal/app)
// in the reader's language on the settings page.
var loopLabels = map[string]string{
	"sessions-purge":      "settings_page.loop_sessions_purge",
	"callback-worker":     "settings_page.loop_callback_worker",
	"disbursement-poller": "settings_page.loop_disbursement_poller",
	"batches":             "settings_page.loop_batches",
	"topup-poller":        "settings_page.loop_topup_poller",
	"checkout-poller":     "settings_page.loop_checkout_poller",
	"recurring-invoices":  "settings_page.loop_recurring_invoices",
	"va-sync":             "settings_page.loop_va_sync",
}

// callbackLabels names intake's callback endpoints (provider/kind) in the
// reader's language on the settings page.
var callbackLabels = map[string]string{
	"oy/disbursement":             "settings_page.callback_oy_disbursement",
	"oy/va":                       "settings_page.callback_oy_va",
	"oy/checkout":                 "settings_page.callback_oy_checkout",
	"faspay/ovo-linkage":          "settings_page.callback_faspay_ovo_linkage",
	"faspay/payment-notification": "settings_page.callback_faspay_payment_notification",
	"doku/token":                  "settings_page.callback_doku_token",
	"doku/debit-notify":           "settings_page.callback_doku_debit_notify",
	"ayopop/topup":                "settings_page.callback_ayopop_topup",
}

func (s *Server) showSettings(c echo.Context) error {
	p, err := s.settingsProps(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, i18n.T(c.Request().Context(), "settings_page.title"), settings.Page(p))
}

// updateSettings saves the thresholds an admin sets.
func (s *Server) updateSettings(c echo.Context) error {
	p, err := s.settingsProps(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	oldLow, _ := money.ParseInput(p.LowBalance)
	oldDual, _ := money.ParseInput(p.DualApproval)
	p.LowBalance, p.DualApproval = strings.TrimSpace(c.FormValue("low_balance")), strings.TrimSpace(c.FormValue("dual_approval_above"))
	low, err := money.ParseInput(p.LowBalance)
	if err != nil {
		p.Errors["low_balance"] = i18n.T(ctx, "settings_page.bad_low_balance")
	}
	dual, err := money.ParseInput(p.DualApproval)
	if err != nil {
		p.Errors["dual_approval_above"] = i18n.T(ctx, "settings_page.bad_dual_approval")
	}
	topupChanges := parseTopupSettings(c, &p)
	if len(p.Errors) > 0 {
		return s.render(c, http.StatusUnprocessableEntity, i18n.T(ctx, "settings_page.title"), settings.Page(p))
	}
	// A threshold that decides how many people must agree to move money
	// changes under four eyes; a warning level takes effect at once.
	var fourEyes []thresholdChange
	if dual != oldDual {
		fourEyes = append(fourEyes, thresholdChange{kind: models.ChangeDualApproval, key: disbursements.SettingDualApproval,
			def: strconv.Itoa(disbursements.DefaultDualApprovals), field: "dual_approval_above", what: "Two approvals above", old: oldDual, new: dual})
	}
	var immediate []topupSettingChange
	for _, ch := range topupChanges {
		if ch.key == topups.SettingApprovalAbove {
			fourEyes = append(fourEyes, thresholdChange{kind: models.ChangeTopupApproval, key: ch.key, def: strconv.FormatInt(topups.DefaultApprovalAbove, 10),
				field: "topup_approval_above", what: "Top-ups need a second approval above", old: ch.old, new: ch.new})
		} else {
			immediate = append(immediate, ch)
		}
	}
	if refused, err := s.requestThresholdChanges(c, &p, fourEyes); err != nil || refused {
		return err
	}
	if err := s.saveTopupSettings(c, immediate); err != nil {
		return err
	}
	if low != oldLow {
		if err := s.store.PutSetting(ctx, disbursements.SettingLowBalance, strconv.FormatInt(low, 10), s.auditEntry(c, "settings.update", "setting",
			disbursements.SettingLowBalance, fmt.Sprintf("low-balance threshold %s → %s", rupiahText(oldLow), rupiahText(low)))); err != nil {
			return err
		}
	}
	var waiting string
	switch {
	case len(fourEyes) > 1:
		waiting = i18n.T(ctx, "settings_page.waiting_both")
	case len(fourEyes) == 1 && fourEyes[0].kind == models.ChangeDualApproval:
		waiting = i18n.T(ctx, "settings_page.waiting_dual")
	case len(fourEyes) == 1:
		waiting = i18n.T(ctx, "settings_page.waiting_topup")
	}
	var saved string
	switch {
	case low != oldLow && len(immediate) > 0:
		saved = i18n.T(ctx, "settings_page.saved_both")
	case low != oldLow:
		saved = i18n.T(ctx, "settings_page.saved_low_balance")
	case len(immediate) > 0:
		saved = i18n.T(ctx, "settings_page.saved_ayopop")
	}
	if msg := strings.TrimSpace(saved + " " + waiting); msg != "" {
		return s.redirect(c, "/settings", "ok", msg)
	}
	return s.redirect(c, "/settings", "info", i18n.T(ctx, "settings_page.nothing_changed"))
}

// thresholdChange is one money threshold an admin asks to change.
type thresholdChange struct {
	kind                  models.ChangeKind
	key, def, field, what string
	old, new              int64
}

// requestThresholdChanges files one change request per threshold, for a
// different admin to approve. When one of them already waits, nothing is
// filed and the form is shown again with a sentence beside that field.
func (s *Server) requestThresholdChanges(c echo.Context, p *settings.Props, changes []thresholdChange) (refused bool, err error) {
	ctx := c.Request().Context()
	pending, err := s.store.PendingChanges(ctx, "setting:")
	if err != nil {
		return false, err
	}
	for _, t := range changes {
		for _, r := range pending {
			if r.Subject == "setting:"+t.key {
				p.Errors[t.field] = i18n.T(ctx, "settings_page.already_waiting")
			}
		}
	}
	if len(p.Errors) > 0 {
		p.Pending = pending
		return true, s.render(c, http.StatusUnprocessableEntity, i18n.T(ctx, "settings_page.title"), settings.Page(*p))
	}
	for _, t := range changes {
		before, err := s.store.Setting(ctx, t.key, t.def)
		if err != nil {
			return false, err
		}
		err = s.requestChange(c, &models.ChangeRequest{Kind: t.kind, Subject: "setting:" + t.key, SettingKey: t.key,
			SettingValue: strconv.FormatInt(t.new, 10), Before: before, Summary: fmt.Sprintf("%s %s → %s", t.what, rupiahText(t.old), rupiahText(t.new))})
		if errors.Is(err, store.ErrDuplicate) { // another admin asked a moment ago
			p.Errors[t.field] = i18n.T(ctx, "settings_page.already_waiting")
			if p.Pending, err = s.store.PendingChanges(ctx, "setting:"); err != nil {
				return false, err
			}
			return true, s.render(c, http.StatusUnprocessableEntity, i18n.T(ctx, "settings_page.title"), settings.Page(*p))
		}
		if err != nil {
			return false, err
		}
	}
	return false, nil
}

// groupDigits writes a stored whole-rupiah setting the way a clerk types it: 20.000.000.
func groupDigits(v string) string {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return v
	}
	return strings.TrimPrefix(rupiahText(n), "Rp ")
}

// databaseFacts is the settings page's database panel.
func (s *Server) databaseFacts(ctx context.Context) settings.Database {
	info := s.store.Database(ctx)
	d := settings.Database{Engine: i18n.T(ctx, "settings_page.database_sqlite"), Where: info.Where}
	if info.Postgres {
		d.Engine = i18n.T(ctx, "settings_page.database_postgres")
	}
	if info.Replica {
		d.ReplicaUp = info.ReplicaUp
		d.Replica = i18n.T(ctx, "settings_page.database_replica_down")
		if info.ReplicaUp {
			d.Replica = i18n.T(ctx, "settings_page.database_replica_up")
		}
		if info.ReplicaFallbacks > 0 {
			d.Fallbacks = i18n.T(ctx, "settings_page.database_fallbacks", "N", groupDigits(strconv.FormatInt(info.ReplicaFallbacks, 10)))
		}
	}
	return d
}
