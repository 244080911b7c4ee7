package handlers

import (
	"net/http"

	"github.com/a-h/templ"
	"github.com/labstack/echo/v4"

	"backoffice/internal/checkout"
	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/qr"
	"backoffice/web/templates/pages/invoices"
)

// showInvoicePrint is the invoice as a standalone page that the browser
// prints (or saves as PDF) as an invoice: merchant, customer, items,
// total, due date, the link and its QR code, in the viewer's language.
func (s *Server) showInvoicePrint(c echo.Context) error {
	co, err := s.loadCheckout(c, models.KindInvoice)
	if err != nil {
		return err
	}
	lines := checkout.Lines(co)
	p := invoices.PrintProps{C: *co, Lines: lines, Total: linesTotal(lines), Merchant: s.cfg.Faspay.MerchantName,
		IssuedWIB: i18n.Time(c.Request().Context(), co.CreatedAt), DueWIB: i18n.Time(c.Request().Context(), co.Expiration)}
	if co.URL != "" {
		p.QR, _ = qr.DataURL(co.URL, 256)
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return renderBare(c, http.StatusOK, invoices.Print(p))
}

func renderBare(c echo.Context, status int, page templ.Component) error {
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMETextHTMLCharsetUTF8)
	c.Response().WriteHeader(status)
	return page.Render(c.Request().Context(), c.Response())
}
