package handlers

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"backoffice/internal/i18n"
	"backoffice/internal/money"
	"backoffice/internal/topups"
	"backoffice/web/templates/pages/settings"
)

// topupSettings are the two OVO top-up thresholds, each its own row: bad
// is the catalogue key of the sentence beside a value that cannot be read;
// what names it in the audit log (English, as records are kept).
var topupSettings = []struct {
	key, field string
	def        int64
	bad, what  string
}{
	{topups.SettingApprovalAbove, "topup_approval_above", topups.DefaultApprovalAbove, "settings_page.bad_topup_approval", "top-up approval above"},
	{topups.SettingLowBalance, "ayopop_low_balance", topups.DefaultLowBalance, "settings_page.bad_ayopop_low_balance", "Ayopop low-balance warning below"},
}

// readTopupSettings fills the page's top-up thresholds as stored.
func (s *Server) readTopupSettings(ctx context.Context, p *settings.Props) error {
	for _, st := range topupSettings {
		v, err := s.store.Setting(ctx, st.key, strconv.FormatInt(st.def, 10))
		if err != nil {
			return err
		}
		if st.field == "topup_approval_above" {
			p.TopupApprovalAbove = groupDigits(v)
		} else {
			p.AyopopLowBalance = groupDigits(v)
		}
	}
	return nil
}

// topupSettingChange is one parsed top-up threshold to save.
type topupSettingChange struct {
	key, what string
	old, new  int64
}

// parseTopupSettings reads the two fields into p (kept as typed) and
// returns the changed values; errors go beside their fields.
func parseTopupSettings(c echo.Context, p *settings.Props) []topupSettingChange {
	var out []topupSettingChange
	for _, st := range topupSettings {
		if _, sent := c.Request().PostForm[st.field]; !sent {
			continue // a form without the field leaves the stored value alone
		}
		typed := strings.TrimSpace(c.FormValue(st.field))
		var old int64
		if st.field == "topup_approval_above" {
			old, _ = money.ParseInput(p.TopupApprovalAbove)
			p.TopupApprovalAbove = typed
		} else {
			old, _ = money.ParseInput(p.AyopopLowBalance)
			p.AyopopLowBalance = typed
		}
		v, err := money.ParseInput(typed)
		if err != nil {
			p.Errors[st.field] = i18n.T(c.Request().Context(), st.bad)
			continue
		}
		if v != old {
			out = append(out, topupSettingChange{key: st.key, what: st.what, old: old, new: v})
		}
	}
	return out
}

// saveTopupSettings stores each changed warning level at once, with its
// audit entry (the approval threshold goes through a change request).
func (s *Server) saveTopupSettings(c echo.Context, changes []topupSettingChange) error {
	for _, ch := range changes {
		if err := s.store.PutSetting(c.Request().Context(), ch.key, strconv.FormatInt(ch.new, 10), s.auditEntry(c, "settings.update", "setting",
			ch.key, fmt.Sprintf("%s %s → %s", ch.what, rupiahText(ch.old), rupiahText(ch.new)))); err != nil {
			return err
		}
	}
	return nil
}
