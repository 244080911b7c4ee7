package handlers

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"backoffice/internal/models"
	"backoffice/internal/ovo"
	"backoffice/internal/qr"
	ovopages "backoffice/web/templates/pages/ovo"
)

func (s *Server) loadOVOAccount(c echo.Context) (*models.OVOAccount, error) {
	return loadByID(c, s.store.OVOAccountByID)
}

func (s *Server) showOVOAccount(c echo.Context) error {
	a, err := s.loadOVOAccount(c)
	if err != nil {
		return err
	}
	return s.renderOVOAccount(c, http.StatusOK, a, ovopages.PayProps{}, "")
}

// renderOVOAccount draws the account page; history and top-up
// instructions are read from Faspay only when asked for (?history=1,
// ?topup=1), so opening the page makes no provider call.
func (s *Server) renderOVOAccount(c echo.Context, status int, a *models.OVOAccount, pay ovopages.PayProps, errText string) error {
	var err error
	ctx := c.Request().Context()
	role := state(c).user.Role
	p := ovopages.DetailProps{A: *a, FullPhone: role != models.RoleAuditor, CanAct: role != models.RoleAuditor, Pay: pay, CSRF: state(c).csrf, Error: errText}
	if p.Pay.PayType == "" {
		p.Pay.PayType = "0"
	}
	if p.Pay.Key == "" {
		p.Pay.Key = randomToken()
	}
	if ok, why := a.BalanceReadable(); !ok {
		p.BalanceWhy = why.In(ctx)
	}
	if a.State == models.OVOPending && a.RedirectURL != "" {
		p.QR, _ = qr.DataURL(a.RedirectURL, 200)
	}
	if p.Payments, err = s.store.OVOPayments(ctx, a.ID, 100); err != nil {
		return err
	}
	if a.Provider == models.OVOFaspay {
		now := s.now()
		hf := ovo.HistoryForm{From: c.QueryParam("from"), To: c.QueryParam("to")}
		hf.Page, _ = strconv.Atoi(c.QueryParam("page"))
		from, to, herrs := hf.Validate(now)
		p.HistoryFrom, p.HistoryTo, p.HistoryError = hf.From, hf.To, ovo.Texts(ctx, herrs)
		if p.HistoryFrom == "" && len(herrs) == 0 {
			p.HistoryFrom = from.Format("2006-01-02")
		}
		if p.HistoryTo == "" && len(herrs) == 0 {
			p.HistoryTo = to.Format("2006-01-02")
		}
		p.HistoryPage = max(hf.Page, 1)
		if c.QueryParam("history") == "1" {
			if len(herrs) > 0 {
				status = http.StatusUnprocessableEntity
			} else {
				svc, err := s.ovoService()
				if err != nil {
					return err
				}
				h, err := svc.History(ctx, a, from, to, p.HistoryPage)
				var ref *ovo.Refusal
				if errors.As(err, &ref) {
					p.HistoryError = map[string]string{"_form": ref.Text(ctx)}
				} else if err != nil {
					return err
				} else {
					p.History, p.HistoryMore = h, len(h.Transactions) == ovo.HistoryPageSize
				}
			}
		}
		if c.QueryParam("topup") == "1" {
			svc, err := s.ovoService()
			if err != nil {
				return err
			}
			t, err := svc.TopUpInstructions(ctx, a)
			var ref *ovo.Refusal
			if errors.As(err, &ref) {
				p.TopUpError = ref.Text(ctx)
			} else if err != nil {
				return err
			} else {
				p.TopUp = t
			}
		}
	}
	return s.render(c, status, a.CustomerName+" · OVO", ovopages.Detail(p))
}

// showOVOPayment sends a callback log's record link to the payment on its account page.
func (s *Server) showOVOPayment(c echo.Context) error {
	p, err := loadByID(c, s.store.OVOPaymentByID)
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/ovo-accounts/"+strconv.FormatInt(p.AccountID, 10)+"#payment-"+strconv.FormatInt(p.ID, 10))
}
