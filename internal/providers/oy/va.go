package oy

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"backoffice/internal/providers/provider"
)

// VAStatus is the "VA aggregator Status" of a virtual account.
type VAStatus string

const (
	VAWaitingPayment  VAStatus = "WAITING_PAYMENT"
	VAPaymentDetected VAStatus = "PAYMENT_DETECTED"
	VAExpired         VAStatus = "EXPIRED"
	VAComplete        VAStatus = "COMPLETE"
)

// Open reports whether the VA can still receive money.
func (s VAStatus) Open() bool { return s == VAWaitingPayment || s == VAPaymentDetected }

// CreateVAParams creates a VA (POST /api/generate-static-va).
type CreateVAParams struct {
	PartnerUserID     string
	BankCode          string // see VABanks
	Amount            int64  // required when IsOpen is false
	IsOpen            bool   // OY's default is true; always sent
	IsSingleUse       bool
	ExpirationMinutes int64 // 0: OY's default of 24 hours
	IsLifetime        bool  // never expires
	UsernameDisplay   string
	Email             string
}

type wireCreateVA struct {
	PartnerUserID   string `json:"partner_user_id"`
	BankCode        string `json:"bank_code"`
	Amount          int64  `json:"amount,omitempty"`
	IsOpen          bool   `json:"is_open"`
	IsSingleUse     bool   `json:"is_single_use"`
	ExpirationTime  int64  `json:"expiration_time,omitempty"`
	IsLifetime      bool   `json:"is_lifetime"`
	UsernameDisplay string `json:"username_display,omitempty"`
	Email           string `json:"email,omitempty"`
}

// VirtualAccount is one VA as OY reports it.
type VirtualAccount struct {
	ID              string
	VANumber        string
	BankCode        string
	Amount          int64
	IsOpen          bool
	IsSingleUse     bool
	ExpiresAt       time.Time // zero when it never expires
	RawExpiration   int64     // Unix ms; -1 means no expiry
	Status          VAStatus
	UsernameDisplay string
	PartnerUserID   string
	AmountDetected  int64 // sum received so far (get and list only)
}

type wireVA struct {
	ID              jsonString `json:"id"`
	Status          wireStatus `json:"status"`
	Amount          jsonAmount `json:"amount"`
	VANumber        jsonString `json:"va_number"`
	BankCode        jsonString `json:"bank_code"`
	IsOpen          jsonBool   `json:"is_open"`
	IsSingleUse     jsonBool   `json:"is_single_use"`
	ExpirationTime  jsonInt    `json:"expiration_time"`
	VAStatus        jsonString `json:"va_status"`
	UsernameDisplay jsonString `json:"username_display"`
	AmountDetected  jsonAmount `json:"amount_detected"`
	PartnerUserID   jsonString `json:"partner_user_id"`
}

func (w *wireVA) va() VirtualAccount {
	return VirtualAccount{
		ID: string(w.ID), VANumber: string(w.VANumber), BankCode: string(w.BankCode), Amount: int64(w.Amount),
		IsOpen: bool(w.IsOpen), IsSingleUse: bool(w.IsSingleUse),
		ExpiresAt: msTime(int64(w.ExpirationTime)), RawExpiration: int64(w.ExpirationTime),
		Status: VAStatus(w.VAStatus), UsernameDisplay: string(w.UsernameDisplay),
		PartnerUserID: string(w.PartnerUserID), AmountDetected: int64(w.AmountDetected),
	}
}

// callVA runs one VA request; only "000" is a success.
// A Write is sent once; reads and KeyedWrites are repeated on busy codes.
func (c *Client) callVA(ctx context.Context, op string, kind provider.Kind, method, path string, query url.Values, in, out any) error {
	return c.t.Do(ctx, provider.Call{Op: op, Kind: kind, Again: retryableRead}, func(ctx context.Context, _ int) error {
		_, err := c.callCoded(ctx, op, kind, method, path, query, in, out, DescribeVA, isSuccess)
		return err
	})
}

// CreateVA creates a VA. It is not resent: OY has no idempotency id for it,
// so an Unknown error must be checked with ListVAs before retrying.
func (c *Client) CreateVA(ctx context.Context, p *CreateVAParams) (*VirtualAccount, error) {
	const op = "create VA"
	switch {
	case strings.TrimSpace(p.PartnerUserID) == "":
		return nil, validation(op, "The customer id (partner_user_id) is missing; nothing was created.")
	case strings.TrimSpace(p.BankCode) == "":
		return nil, validation(op, "Choose the bank for the virtual account; nothing was created.")
	case !p.IsOpen && p.Amount <= 0:
		return nil, validation(op, "A closed-amount virtual account needs an amount; nothing was created.")
	}
	req := &wireCreateVA{PartnerUserID: p.PartnerUserID, BankCode: p.BankCode, Amount: p.Amount, IsOpen: p.IsOpen,
		IsSingleUse: p.IsSingleUse, ExpirationTime: p.ExpirationMinutes, IsLifetime: p.IsLifetime,
		UsernameDisplay: p.UsernameDisplay, Email: p.Email}
	var w wireVA
	if err := c.callVA(ctx, op, provider.Write, http.MethodPost, "/api/generate-static-va", nil, req, &w); err != nil {
		return nil, err
	}
	va := w.va()
	if va.PartnerUserID == "" {
		va.PartnerUserID = p.PartnerUserID
	}
	return &va, nil
}

// GetVA reads a VA by OY's id.
func (c *Client) GetVA(ctx context.Context, id string) (*VirtualAccount, error) {
	const op = "get VA"
	if strings.TrimSpace(id) == "" {
		return nil, validation(op, "The virtual account id is missing.")
	}
	var w wireVA
	if err := c.callVA(ctx, op, provider.Read, http.MethodGet, "/api/static-virtual-account/"+url.PathEscape(id), nil, nil, &w); err != nil {
		return nil, err
	}
	va := w.va()
	return &va, nil
}

// UpdateVAParams changes a VA (PUT /api/static-virtual-account/<id>); nil
// fields are left out of the request.
type UpdateVAParams struct {
	Amount            *int64  `json:"amount,omitempty"`
	IsOpen            *bool   `json:"is_open,omitempty"`
	IsSingleUse       *bool   `json:"is_single_use,omitempty"`
	ExpirationMinutes *int64  `json:"expiration_time,omitempty"`
	IsLifetime        *bool   `json:"is_lifetime,omitempty"`
	UsernameDisplay   *string `json:"username_display,omitempty"`
	BankCode          *string `json:"bank_code,omitempty"`
	Email             *string `json:"email,omitempty"`
}

// UpdateVA changes a VA. Setting the same values twice is harmless, so
// failures without an answer are retried.
func (c *Client) UpdateVA(ctx context.Context, id string, p *UpdateVAParams) (*VirtualAccount, error) {
	const op = "update VA"
	if strings.TrimSpace(id) == "" {
		return nil, validation(op, "The virtual account id is missing; nothing was changed.")
	}
	if p.IsOpen != nil && !*p.IsOpen && (p.Amount == nil || *p.Amount <= 0) {
		return nil, validation(op, "A closed-amount virtual account needs an amount; nothing was changed.")
	}
	var w wireVA
	if err := c.callVA(ctx, op, provider.KeyedWrite, http.MethodPut, "/api/static-virtual-account/"+url.PathEscape(id), nil, p, &w); err != nil {
		return nil, err
	}
	va := w.va()
	return &va, nil
}

// ListParams pages through a list (offset/limit; OY's default limit is 10).
type ListParams struct {
	Offset int
	Limit  int
}

func (p *ListParams) query() url.Values {
	q := url.Values{}
	if p == nil {
		return q
	}
	q.Set("offset", strconv.Itoa(max(p.Offset, 0)))
	if p.Limit > 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	return q
}

// VAList is one page of created VAs.
type VAList struct {
	Total int
	Data  []VirtualAccount
}

// ListVAs pages through the VAs created by this partner.
func (c *Client) ListVAs(ctx context.Context, p *ListParams) (*VAList, error) {
	var w struct {
		Total jsonInt  `json:"total"`
		Data  []wireVA `json:"data"`
	}
	if err := c.callVA(ctx, "list VAs", provider.Read, http.MethodGet, "/api/static-virtual-account", p.query(), nil, &w); err != nil {
		return nil, err
	}
	out := &VAList{Total: int(w.Total), Data: make([]VirtualAccount, 0, len(w.Data))}
	for i := range w.Data {
		out.Data = append(out.Data, w.Data[i].va())
	}
	return out, nil
}

// VATransaction is one incoming payment on a VA.
type VATransaction struct {
	ID           string
	Created      time.Time // WIB
	RawCreated   string
	Name         string
	Amount       int64
	CreateBy     string
	LastUpdateBy string
	LastUpdated  time.Time
	AdminFee     int64
	VANumber     string
}

// VATransactionList is one page of a VA's incoming payments.
type VATransactionList struct {
	ID           string
	Count        int // number_of_transaction
	Transactions []VATransaction
}

// VATransactions pages through the payments received on a VA (by OY's id).
func (c *Client) VATransactions(ctx context.Context, id string, p *ListParams) (*VATransactionList, error) {
	const op = "VA transactions"
	if strings.TrimSpace(id) == "" {
		return nil, validation(op, "The virtual account id is missing.")
	}
	var w struct {
		ID   jsonString `json:"id"`
		Data []struct {
			ID           jsonString `json:"id"`
			Created      jsonString `json:"created"`
			Name         jsonString `json:"name"`
			Amount       jsonAmount `json:"amount"`
			CreateBy     jsonString `json:"create_by"`
			LastUpdateBy jsonString `json:"last_update_by"`
			LastUpdated  jsonInt    `json:"last_updated"`
			AdminFee     jsonAmount `json:"admin_fee"`
			VANumber     jsonString `json:"va_number"`
		} `json:"data"`
		Count jsonInt `json:"number_of_transaction"`
	}
	if err := c.callVA(ctx, op, provider.Read, http.MethodGet, "/api/va-tx-history/"+url.PathEscape(id), p.query(), nil, &w); err != nil {
		return nil, err
	}
	out := &VATransactionList{ID: string(w.ID), Count: int(w.Count), Transactions: make([]VATransaction, 0, len(w.Data))}
	for _, d := range w.Data {
		out.Transactions = append(out.Transactions, VATransaction{
			ID: string(d.ID), Created: parseAnyTime(string(d.Created)), RawCreated: string(d.Created),
			Name: string(d.Name), Amount: int64(d.Amount), CreateBy: string(d.CreateBy), LastUpdateBy: string(d.LastUpdateBy),
			LastUpdated: msTime(int64(d.LastUpdated)), AdminFee: int64(d.AdminFee), VANumber: string(d.VANumber),
		})
	}
	return out, nil
}
