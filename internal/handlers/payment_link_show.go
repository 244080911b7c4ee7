package handlers

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"backoffice/internal/checkout"
	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/money"
	"backoffice/internal/phone"
	"backoffice/internal/providers/oy"
	"backoffice/internal/providers/provider"
	"backoffice/internal/qr"
	"backoffice/web/templates/pages/paymentlinks"
)

// loadCheckout loads the :id link or invoice of the page's kind.
func (s *Server) loadCheckout(c echo.Context, kind models.CheckoutKind) (*models.Checkout, error) {
	co, err := loadByID(c, s.store.Checkout)
	if err != nil {
		return nil, err
	}
	if co.Kind != kind {
		return nil, echo.ErrNotFound
	}
	return co, nil
}

func linesTotal(lines []models.InvoiceLine) int64 {
	var t int64
	for _, l := range lines {
		t += l.Quantity * l.PricePerItem
	}
	return t
}

// mailEscape percent-encodes for a mailto: URL (spaces as %20, not +).
func mailEscape(s string) string { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }

// shareFor is the message that hands the link to the customer, in the
// language of the person sending it.
func shareFor(ctx context.Context, co *models.Checkout) paymentlinks.Share {
	var sh paymentlinks.Share
	if co.URL == "" {
		return sh
	}
	sh.QR, _ = qr.DataURL(co.URL, 256)
	textKey, subjectKey := "links.share_text", "links.share_subject"
	if co.Kind == models.KindInvoice {
		textKey, subjectKey = "invoices.share_text", "invoices.share_subject"
	}
	text := i18n.T(ctx, textKey, "Name", co.SenderName)
	if co.Amount > 0 {
		text += " " + i18n.T(ctx, "checkout.share_for", "Amount", money.Format(co.Amount))
	}
	if co.Description != "" {
		text += " (" + co.Description + ")"
	}
	text += ": " + co.URL
	sh.Mailto = "mailto:" + url.PathEscape(co.Email) + "?subject=" + mailEscape(i18n.T(ctx, subjectKey, "Ref", co.PartnerTxID)) + "&body=" + mailEscape(text)
	sh.WhatsApp = "https://wa.me/"
	if n, err := phone.Normalise(co.PhoneNumber); err == nil {
		sh.WhatsApp += n
	}
	sh.WhatsApp += "?text=" + url.QueryEscape(text)
	return sh
}

func (s *Server) renderCheckout(c echo.Context, status int, co *models.Checkout, live *oy.CheckoutDetail, actionErr string) error {
	ctx := c.Request().Context()
	events, err := s.store.CheckoutEvents(ctx, co.ID)
	if err != nil {
		return err
	}
	u := state(c).user
	lines := checkout.Lines(co)
	p := paymentlinks.DetailProps{C: *co, Lines: lines, LinesTotal: linesTotal(lines), Events: events, Share: shareFor(ctx, co), ActionError: actionErr,
		CSRF: state(c).csrf, CanDelete: u.Role == models.RoleAdmin && co.Status.Deletable(), CanRefresh: u.Role != models.RoleAuditor}
	if co.RecurringID != nil {
		p.Recurring = "/invoices/recurring/" + strconv.FormatInt(*co.RecurringID, 10)
	}
	if live != nil {
		p.Live = &paymentlinks.LiveProps{Status: string(live.Status), PaymentLinkID: live.PaymentLinkID, SenderName: live.SenderName,
			Amount: money.Format(live.Amount), Banks: strings.Join(live.EnabledBanks, ", "), Disabled: strings.Join(live.DisabledPaymentMethods, ", ")}
		if !live.ExpirationTime.IsZero() {
			p.Live.Expiration = i18n.Time(ctx, live.ExpirationTime)
		}
	}
	title := co.PartnerTxID
	return s.render(c, status, title, paymentlinks.Detail(p))
}

func (s *Server) showCheckoutOf(kind models.CheckoutKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		co, err := s.loadCheckout(c, kind)
		if err != nil {
			return err
		}
		return s.renderCheckout(c, http.StatusOK, co, nil, "")
	}
}

// refreshCheckoutOf asks OY's Payment Status (applied like a callback) and
// shows Get's view beside the stored one.
func (s *Server) refreshCheckoutOf(kind models.CheckoutKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		co, err := s.loadCheckout(c, kind)
		if err != nil {
			return err
		}
		live, rerr := s.checkout.Refresh(c.Request().Context(), co, state(c).user.Email)
		if co, err = s.store.Checkout(c.Request().Context(), co.ID); err != nil {
			return err
		}
		if rerr != nil {
			if _, ok := provider.AsError(rerr); !ok {
				return rerr
			}
			msg := i18n.T(c.Request().Context(), "checkout.refresh_failed", "Reason", provider.MessageOf(rerr))
			return s.renderCheckout(c, http.StatusBadGateway, co, nil, msg)
		}
		return s.renderCheckout(c, http.StatusOK, co, live, "")
	}
}

// deleteCheckoutOf deletes an unpaid link at OY after the admin ticks the
// confirmation; OY's refusal reason is shown in words.
func (s *Server) deleteCheckoutOf(kind models.CheckoutKind) echo.HandlerFunc {
	return func(c echo.Context) error {
		co, err := s.loadCheckout(c, kind)
		if err != nil {
			return err
		}
		ctx := c.Request().Context()
		if c.FormValue("confirm") != "yes" {
			return s.renderCheckout(c, http.StatusUnprocessableEntity, co, nil, i18n.T(ctx, "checkout.delete_unconfirmed"))
		}
		audit := s.auditEntry(c, string(kind)+".delete", string(kind), strconv.FormatInt(co.ID, 10), "deleted "+string(kind)+" "+co.PartnerTxID+" at OY")
		err = s.checkout.Delete(ctx, co, audit)
		var de *checkout.DeleteError
		if errors.As(err, &de) {
			return s.renderCheckout(c, http.StatusUnprocessableEntity, co, nil, de.In(ctx))
		}
		if err != nil {
			return err
		}
		return s.redirect(c, paymentlinks.Path(*co), "ok", i18n.T(ctx, "checkout.flash_deleted"))
	}
}
