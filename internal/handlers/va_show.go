package handlers

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/providers/oy"
	"backoffice/internal/providers/provider"
	"backoffice/internal/qr"
	vapages "backoffice/web/templates/pages/va"
)

// vaInstructions is the payment instructions text the QR code carries, in
// the language of the person showing it.
func vaInstructions(ctx context.Context, v *models.VirtualAccount) string {
	s := i18n.T(ctx, "vas.qr_text", "Bank", oy.BankName(v.BankCode), "Number", v.VANumber)
	if v.UsernameDisplay != "" {
		s += " (" + v.UsernameDisplay + ")"
	}
	if !v.IsOpen && v.Amount > 0 {
		s += i18n.T(ctx, "vas.qr_exactly", "Amount", rupiahText(v.Amount))
	} else if v.Amount > 0 {
		s += i18n.T(ctx, "vas.qr_amount", "Amount", rupiahText(v.Amount))
	}
	if !v.IsLifetime && v.ExpiresAt != nil {
		s += i18n.T(ctx, "vas.qr_before", "When", i18n.Minute(ctx, *v.ExpiresAt))
	}
	return s + "."
}

// showVA refreshes the VA from Get VA Info and OY's history, then shows it.
func (s *Server) showVA(c echo.Context) error {
	if s.va == nil {
		return echo.ErrServiceUnavailable
	}
	v, err := loadByID(c, s.store.VirtualAccountByID)
	if err != nil {
		return err
	}
	readErr := ""
	if fresh, err := s.va.Refresh(c.Request().Context(), v); err != nil {
		readErr = provider.MessageOf(err)
		if readErr == "" {
			return err
		}
		v = fresh
	} else {
		v = fresh
	}
	return s.renderVA(c, http.StatusOK, v, readErr)
}

func (s *Server) renderVA(c echo.Context, status int, v *models.VirtualAccount, readErr string) error {
	pays, err := s.store.VAPayments(c.Request().Context(), v.ID)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	code, err := qr.DataURL(vaInstructions(ctx, v), 256)
	if err != nil {
		return err
	}
	now := s.now()
	p := vapages.DetailProps{V: *v, BankName: oy.BankName(v.BankCode), Now: now, Payments: pays, QR: code, ReadError: readErr}
	if canEditVA(state(c).user) {
		why := v.WhyNoUpdate(now)
		p.WhyNoEdit, p.CanEdit = why.In(ctx), why.IsZero()
	}
	return s.render(c, status, i18n.T(ctx, "vas.page_title", "Number", v.VANumber), vapages.Detail(p))
}
