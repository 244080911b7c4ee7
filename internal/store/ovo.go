package store

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"backoffice/internal/models"
)

// ErrAlreadyLinked: the phone already has a pending or linked account at
// that provider.
var ErrAlreadyLinked = errors.New("store: this phone is already linked at that provider")

// CreateOVOAccount stores a new pending account with its audit entry. A
// phone that is pending or linked at the provider gives ErrAlreadyLinked
// (the partial unique index decides, so two clerks cannot race).
func (s *Store) CreateOVOAccount(ctx context.Context, a *models.OVOAccount, audit *models.AuditEntry) error {
	at := now()
	a.CreatedAt, a.UpdatedAt = at, at
	a.State = models.OVOPending
	err := s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(a).Error; err != nil {
			return err
		}
		audit.ObjectID = fmt.Sprint(a.ID)
		return insertAudit(tx, audit)
	})
	if isUniqueViolation(err) {
		return ErrAlreadyLinked
	}
	return err
}

// LiveOVOAccount is the pending or linked account of a phone at a provider.
func (s *Store) LiveOVOAccount(ctx context.Context, provider, phone string) (*models.OVOAccount, error) {
	return first[models.OVOAccount](s.db.Read.WithContext(ctx).Where("provider = ? AND phone = ? AND state IN ?", provider, phone,
		[]models.OVOAccountState{models.OVOPending, models.OVOLinked}))
}

// OVOAccountByID loads one account.
func (s *Store) OVOAccountByID(ctx context.Context, id int64) (*models.OVOAccount, error) {
	return first[models.OVOAccount](s.db.Read.WithContext(ctx).Where("id = ?", id))
}

// OVOAccountByCustID finds a DOKU account by its custIdMerchant.
func (s *Store) OVOAccountByCustID(ctx context.Context, custID string) (*models.OVOAccount, error) {
	if custID == "" {
		return nil, ErrNotFound
	}
	return first[models.OVOAccount](s.db.Read.WithContext(ctx).Where("provider = ? AND cust_id = ?", models.OVODoku, custID))
}

// LatestOVOAccount is the newest account of a phone at a provider,
// whatever its state (the Faspay activation callback names only the phone).
func (s *Store) LatestOVOAccount(ctx context.Context, provider, phone string) (*models.OVOAccount, error) {
	return first[models.OVOAccount](s.db.Read.WithContext(ctx).Where("provider = ? AND phone = ?", provider, phone).Order("id DESC"))
}

// SetOVOBinding records what the provider answered to the link request:
// the page the customer opens, and DOKU's binding reference.
func (s *Store) SetOVOBinding(ctx context.Context, id int64, redirectURL, bindingRef string) error {
	return s.db.Write.WithContext(ctx).Model(&models.OVOAccount{}).Where("id = ?", id).
		Updates(map[string]any{"redirect_url": redirectURL, "binding_ref": bindingRef, "updated_at": now()}).Error
}

// OVOAccountChange is a state change of an account (from a callback, the
// binding result, the provider's refusal or an unlink).
type OVOAccountChange struct {
	To            models.OVOAccountState
	Reason        string
	CallbackID    *int64
	CustomerToken string // DOKU: the B2B2C token from the binding
	Cash, Points  *int64 // a balance read with the change
}

// OVOAccountMove is the record change of a processed linkage callback.
type OVOAccountMove struct {
	ID     int64
	Change OVOAccountChange
}

func (m OVOAccountMove) applyIn(tx *gorm.DB) (bool, error) {
	return applyOVOAccount(tx, m.ID, m.Change)
}

func applyOVOAccount(tx *gorm.DB, id int64, ch OVOAccountChange) (bool, error) {
	var a models.OVOAccount
	if err := tx.Where("id = ?", id).Take(&a).Error; err != nil {
		return false, err
	}
	if !a.State.CanMoveTo(ch.To) {
		return false, nil
	}
	at := now()
	cols := map[string]any{"state": ch.To, "state_reason": ch.Reason, "updated_at": at}
	if ch.CallbackID != nil {
		cols["callback_id"] = *ch.CallbackID
	}
	switch ch.To {
	case models.OVOLinked:
		cols["linked_at"] = at
		if ch.CustomerToken != "" {
			cols["customer_token"] = ch.CustomerToken
		}
	case models.OVOUnlinked:
		cols["unlinked_at"] = at
		cols["customer_token"] = ""
	}
	if ch.Cash != nil {
		cols["cash"], cols["balance_at"] = *ch.Cash, at
		if ch.Points != nil {
			cols["points"] = *ch.Points
		}
	}
	res := tx.Model(&models.OVOAccount{}).Where("id = ? AND state = ?", id, a.State).Updates(cols)
	return res.RowsAffected == 1, res.Error
}

// ChangeOVOAccount applies a state change in its own transaction, with an
// audit entry when staff made it. changed is false when the account was
// already there or further along.
func (s *Store) ChangeOVOAccount(ctx context.Context, id int64, ch OVOAccountChange, audit *models.AuditEntry) (changed bool, err error) {
	err = s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		changed, err = applyOVOAccount(tx, id, ch)
		if err != nil || !changed || audit == nil {
			return err
		}
		return insertAudit(tx, audit)
	})
	return changed, err
}

// SetOVOBalance records a balance reading.
func (s *Store) SetOVOBalance(ctx context.Context, id int64, cash int64, points *int64) error {
	at := now()
	cols := map[string]any{"cash": cash, "points": points, "balance_at": at, "updated_at": at}
	return s.db.Write.WithContext(ctx).Model(&models.OVOAccount{}).Where("id = ?", id).Updates(cols).Error
}

// OVOAccountFilter narrows the list. Zero values do not filter.
type OVOAccountFilter struct {
	Provider string
	State    models.OVOAccountState
	Phone    string // prefix of the canonical 628… number
	Name     string // free text in the customer's name
	Cursor
}

func (f OVOAccountFilter) apply(q *gorm.DB) *gorm.DB {
	if f.Provider != "" {
		q = q.Where("provider = ?", f.Provider)
	}
	if f.State != "" {
		q = q.Where("state = ?", f.State)
	}
	if f.Phone != "" {
		lo, hi := prefixRange(f.Phone)
		q = q.Where("phone >= ? AND phone < ?", lo, hi)
	}
	if f.Name != "" {
		q = q.Where("customer_name "+dialectOf(q).Like+" ? ESCAPE '\\'", "%"+escapeLike(f.Name)+"%")
	}
	return q
}

// ListOVOAccounts returns one page, newest first.
func (s *Store) ListOVOAccounts(ctx context.Context, f OVOAccountFilter, limit int) (Page[models.OVOAccount], error) {
	var rows []models.OVOAccount
	if err := f.Cursor.page(f.apply(s.listDB(ctx).Model(&models.OVOAccount{})), limit).Find(&rows).Error; err != nil {
		return Page[models.OVOAccount]{}, fmt.Errorf("store: list OVO accounts: %w", err)
	}
	return pageAt(rows, limit, f.Cursor, func(a models.OVOAccount) int64 { return a.ID }), nil
}

// EachOVOAccount streams the filtered set, newest first, for export.
func (s *Store) EachOVOAccount(ctx context.Context, f OVOAccountFilter, fn func(models.OVOAccount) error) error {
	f.Cursor = Cursor{}
	for {
		page, err := s.ListOVOAccounts(ctx, f, 1000)
		if err != nil {
			return err
		}
		for _, a := range page.Items {
			if err := fn(a); err != nil {
				return err
			}
		}
		if page.Next == 0 {
			return nil
		}
		f.Before = page.Next
	}
}

// OVOAccountTotals counts the filtered set (up to CountCap) and sums the
// last known cash balances.
func (s *Store) OVOAccountTotals(ctx context.Context, f OVOAccountFilter) (Totals, error) {
	f.Cursor = Cursor{}
	sub := f.apply(s.listDB(ctx).Model(&models.OVOAccount{}).Select("coalesce(cash, 0) AS cash")).Limit(CountCap + 1)
	var t Totals
	if err := s.listDB(ctx).Raw("SELECT count(*) AS count, coalesce(sum(cash), 0) AS sum FROM (?) AS a", sub).Scan(&t).Error; err != nil {
		return Totals{}, fmt.Errorf("store: count OVO accounts: %w", err)
	}
	if t.Count > CountCap {
		return Totals{Count: CountCap, Capped: true}, nil
	}
	return t, nil
}

// ErrPaymentFormUsed: a payment was already made with this form key.
var ErrPaymentFormUsed = errors.New("store: this payment form was already submitted")

// CreateOVOPayment stores a payment in its sending state, its reference
// made already, with the audit entry: it exists before anything is sent.
// A form key used before gives ErrPaymentFormUsed.
func (s *Store) CreateOVOPayment(ctx context.Context, p *models.OVOPayment, audit *models.AuditEntry) error {
	at := now()
	p.CreatedAt, p.UpdatedAt, p.Status = at, at, models.OVOPaySending
	err := s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(p).Error; err != nil {
			return err
		}
		audit.ObjectID = fmt.Sprint(p.ID)
		return insertAudit(tx, audit)
	})
	if isUniqueViolation(err) && p.FormKey != "" {
		return ErrPaymentFormUsed
	}
	return err
}

// OVOPaymentByFormKey finds the payment a form made.
func (s *Store) OVOPaymentByFormKey(ctx context.Context, key string) (*models.OVOPayment, error) {
	if key == "" {
		return nil, ErrNotFound
	}
	return first[models.OVOPayment](s.db.Read.WithContext(ctx).Where("form_key = ?", key))
}

// OVOPaymentChange is an observed state of a payment.
type OVOPaymentChange struct {
	To            models.OVOPaymentStatus
	Code          string
	CodeText      string
	ProviderRef   string
	RedirectURL   string
	RegenerateURL string
	CallbackID    *int64
}

// OVOPaymentMove is the record change of a processed payment notification.
type OVOPaymentMove struct {
	ID     int64
	Change OVOPaymentChange
}

func (m OVOPaymentMove) applyIn(tx *gorm.DB) (bool, error) {
	return applyOVOPayment(tx, m.ID, m.Change)
}

func applyOVOPayment(tx *gorm.DB, id int64, ch OVOPaymentChange) (bool, error) {
	var p models.OVOPayment
	if err := tx.Where("id = ?", id).Take(&p).Error; err != nil {
		return false, err
	}
	if !p.Status.CanMoveTo(ch.To) {
		return false, nil
	}
	cols := map[string]any{"status": ch.To, "code": ch.Code, "code_text": ch.CodeText, "updated_at": now()}
	for k, v := range map[string]string{"provider_ref": ch.ProviderRef, "redirect_url": ch.RedirectURL, "regenerate_url": ch.RegenerateURL} {
		if v != "" {
			cols[k] = v
		}
	}
	if ch.CallbackID != nil {
		cols["callback_id"] = *ch.CallbackID
	}
	res := tx.Model(&models.OVOPayment{}).Where("id = ? AND status = ?", id, p.Status).Updates(cols)
	return res.RowsAffected == 1, res.Error
}

// ChangeOVOPayment applies an observed state in its own transaction.
func (s *Store) ChangeOVOPayment(ctx context.Context, id int64, ch OVOPaymentChange) (bool, error) {
	var changed bool
	err := s.db.Write.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		changed, err = applyOVOPayment(tx, id, ch)
		return err
	})
	return changed, err
}

// OVOPaymentByRef finds a payment by the merchant's reference.
func (s *Store) OVOPaymentByRef(ctx context.Context, provider, ref string) (*models.OVOPayment, error) {
	return first[models.OVOPayment](s.db.Read.WithContext(ctx).Where("provider = ? AND ref = ?", provider, ref))
}

// OVOPaymentByID loads one payment.
func (s *Store) OVOPaymentByID(ctx context.Context, id int64) (*models.OVOPayment, error) {
	return first[models.OVOPayment](s.db.Read.WithContext(ctx).Where("id = ?", id))
}

// OVOPayments lists an account's payments, newest first.
func (s *Store) OVOPayments(ctx context.Context, accountID int64, limit int) ([]models.OVOPayment, error) {
	var out []models.OVOPayment
	err := s.db.Read.WithContext(ctx).Where("account_id = ?", accountID).Order("id DESC").Limit(limit).Find(&out).Error
	return out, err
}
