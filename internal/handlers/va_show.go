package handlers

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"

	"backoffice/internal/models"
	"backoffice/internal/providers/oy"
	"backoffice/internal/providers/provider"
	"backoffice/internal/qr"
	"backoffice/internal/wib"
	vapages "backoffice/web/templates/pages/va"
)

// vaInstructions is the payment instructions text the QR code carries.
func vaInstructions(v *models.VirtualAccount) string {
	s := fmt.Sprintf("Transfer to %s virtual account %s", oy.BankName(v.BankCode), v.VANumber)
	if v.UsernameDisplay != "" {
		s += " (" + v.UsernameDisplay + ")"
	}
	if !v.IsOpen && v.Amount > 0 {
		s += ", exactly " + rupiahText(v.Amount)
	} else if v.Amount > 0 {
		s += ", amount " + rupiahText(v.Amount)
	}
	if !v.IsLifetime && v.ExpiresAt != nil {
		s += ", before " + wib.Format(*v.ExpiresAt)
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
	code, err := qr.DataURL(vaInstructions(v), 256)
	if err != nil {
		return err
	}
	now := s.now()
	p := vapages.DetailProps{V: *v, BankName: oy.BankName(v.BankCode), Now: now, Payments: pays, QR: code, ReadError: readErr}
	if canEditVA(state(c).user) {
		p.WhyNoEdit = v.WhyNoUpdate(now)
		p.CanEdit = p.WhyNoEdit == ""
	}
	return s.render(c, status, "Virtual account "+v.VANumber, vapages.Detail(p))
}
