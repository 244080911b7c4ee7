package disbursements

import (
	"context"

	"backoffice/internal/models"
)

// ApprovalStateFor works out the approval panel of something of amount
// made by makerID and approved so far by approvedBy.
func (s *Service) ApprovalStateFor(ctx context.Context, amount, makerID int64, approvedBy map[int64]bool) (models.ApprovalState, error) {
	need, err := s.ApprovalsNeeded(ctx, amount)
	if err != nil {
		return models.ApprovalState{}, err
	}
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return models.ApprovalState{}, err
	}
	st := models.ApprovalState{Needed: need, Have: len(approvedBy), Eligible: models.EligibleApprovers(users, makerID, approvedBy)}
	st.TooFew = len(st.Eligible) < st.Missing()
	return st, nil
}
