package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/providers/oy"
	"backoffice/web/templates/components"
	pages "backoffice/web/templates/pages/disbursements"
)

// rupiahText writes an amount for audit summaries and flashes.
func rupiahText(v int64) string { return components.FormatMoney(v) }

func (s *Server) loadDisbursement(c echo.Context) (*models.Disbursement, error) {
	return loadByID(c, s.store.DisbursementByID)
}

func (s *Server) showDisbursement(c echo.Context) error {
	d, err := s.loadDisbursement(c)
	if err != nil {
		return err
	}
	return s.renderDisbursement(c, http.StatusOK, d, "")
}

func (s *Server) renderDisbursement(c echo.Context, status int, d *models.Disbursement, decideErr string) error {
	hist, err := s.store.DisbursementHistory(c.Request().Context(), d.ID)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	u := state(c).user
	p := pages.DetailProps{D: *d, BankName: oy.BankName(d.RecipientBank), Approvals: hist.Approvals, Events: hist.Events,
		DecideError: decideErr, CSRF: state(c).csrf, CanResend: u.Role != models.RoleAuditor && callbackToResend(d),
		CanWithdraw: d.Status == models.DisbWaitingApproval && u.ID == d.MakerID && d.BatchID == nil}
	approvedBy := map[int64]bool{}
	for _, a := range hist.Approvals {
		if a.Decision == "approve" {
			approvedBy[a.UserID] = true
		}
	}
	waiting := d.Status == models.DisbWaitingApproval
	if waiting {
		if p.Approval, err = s.disb.ApprovalStateFor(ctx, d.Amount, d.MakerID, approvedBy); err != nil {
			return err
		}
	}
	switch {
	case u.Role == models.RoleAuditor:
		p.WhyNot = i18n.T(ctx, "disb.why_auditor")
	case u.ID == d.MakerID:
		p.WhyNot = i18n.T(ctx, "disb.why_maker")
	case d.BatchID != nil:
		p.WhyNot = i18n.T(ctx, "disb.why_batch", "ID", *d.BatchID)
	case approvedBy[u.ID]:
		p.WhyNot = i18n.T(ctx, "disb.why_approved")
	default:
		p.CanDecide = true
		if waiting {
			// The approver sees OY's balance as it is now, not a reading from earlier.
			p.Balance, err = s.disb.RefreshBalance(ctx, u.Email)
			p.BalanceFailed = err != nil
		}
	}
	return s.render(c, status, i18n.T(ctx, "disb.detail_title", "ID", d.ID), pages.Detail(p))
}

// callbackToResend: OY holds the transfer, so it has a callback to send
// again. A transfer OY refused (failed with no OY transaction id) never
// reached OY's books and never has a callback.
func callbackToResend(d *models.Disbursement) bool {
	return d.SentAt != nil && !(d.Status == models.DisbFailed && d.TrxID == "")
}
