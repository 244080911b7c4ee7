package oy

import (
	"context"
	"net/http"
	"strings"
	"time"

	"backoffice/internal/providers/provider"
)

// MinRemitAmount is OY's documented minimum disbursement.
const MinRemitAmount = 10000

// InquiryParams asks OY for the holder of a bank account (POST /api/inquiry).
type InquiryParams struct {
	RecipientBank    string `json:"recipient_bank"`
	RecipientAccount string `json:"recipient_account"`
}

// Inquiry is the account holder OY found.
type Inquiry struct {
	Code             string
	ProviderMessage  string
	RecipientBank    string
	RecipientAccount string
	RecipientName    string
	Timestamp        time.Time // WIB
	RawTimestamp     string
}

type wireInquiry struct {
	Status           wireStatus `json:"status"`
	RecipientBank    jsonString `json:"recipient_bank"`
	RecipientAccount jsonString `json:"recipient_account"`
	RecipientName    jsonString `json:"recipient_name"`
	Timestamp        jsonString `json:"timestamp"`
}

// Inquiry looks up the account holder's name. OY requires it before a remit.
// Only "000" is a success; every other code is an *Error.
func (c *Client) Inquiry(ctx context.Context, p *InquiryParams) (*Inquiry, error) {
	const op = "inquiry"
	if err := checkAccount(op, p.RecipientBank, p.RecipientAccount); err != nil {
		return nil, err
	}
	var w wireInquiry
	call := provider.Call{Op: op, Kind: provider.Read, Again: retryableRead, Budget: c.interactive}
	err := c.t.Do(ctx, call, func(ctx context.Context, _ int) error {
		w = wireInquiry{}
		_, err := c.callCoded(ctx, op, provider.Read, http.MethodPost, "/api/inquiry", nil, p, &w, Describe, isSuccess)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Inquiry{
		Code: string(w.Status.Code), ProviderMessage: string(w.Status.Message),
		RecipientBank: string(w.RecipientBank), RecipientAccount: string(w.RecipientAccount),
		RecipientName: string(w.RecipientName),
		Timestamp:     parseLocal(string(w.Timestamp), LayoutDisbursement), RawTimestamp: string(w.Timestamp),
	}, nil
}

// RemitParams starts a disbursement (POST /api/remit). PartnerTrxID is the
// idempotency id: generate it once per disbursement and keep it.
type RemitParams struct {
	RecipientBank    string
	RecipientAccount string
	Amount           int64 // whole rupiah, at least MinRemitAmount
	Note             string
	PartnerTrxID     string
	Emails           []string // up to five addresses for OY's notification
}

type wireRemitRequest struct {
	RecipientBank    string `json:"recipient_bank"`
	RecipientAccount string `json:"recipient_account"`
	Amount           int64  `json:"amount"`
	Note             string `json:"note,omitempty"`
	PartnerTrxID     string `json:"partner_trx_id"`
	Email            string `json:"email,omitempty"`
}

// Disbursement is the state of one remit as OY reports it (remit answer,
// remit-status answer or callback).
type Disbursement struct {
	Code             string // see Describe; "101" right after a remit
	ProviderMessage  string
	Amount           int64
	RecipientName    string
	RecipientBank    string
	RecipientAccount string
	TrxID            string // OY's id
	PartnerTrxID     string // ours
	Timestamp        time.Time
	CreatedAt        time.Time
	UpdatedAt        time.Time
	RawTimestamp     string
	RawCreated       string
	RawUpdated       string
}

// Final reports whether the disbursement will not change any more.
func (d *Disbursement) Final() bool { return IsFinal(d.Code) }

// Succeeded reports whether the money reached the recipient.
func (d *Disbursement) Succeeded() bool { return Succeeded(d.Code) }

// Failed reports whether the disbursement ended without moving money.
func (d *Disbursement) Failed() bool { return Failed(d.Code) }

// Clerk is the sentence for the disbursement's current code.
func (d *Disbursement) Clerk() string { return ClerkMessage(d.Code) }

type wireDisbursement struct {
	Status           wireStatus `json:"status"`
	Amount           jsonAmount `json:"amount"`
	RecipientName    jsonString `json:"recipient_name"`
	RecipientBank    jsonString `json:"recipient_bank"`
	RecipientAccount jsonString `json:"recipient_account"`
	TrxID            jsonString `json:"trx_id"`
	PartnerTrxID     jsonString `json:"partner_trx_id"`
	Timestamp        jsonString `json:"timestamp"`
	CreatedDate      jsonString `json:"created_date"`
	LastUpdatedDate  jsonString `json:"last_updated_date"`
}

func (w *wireDisbursement) disbursement() *Disbursement {
	return &Disbursement{
		Code: string(w.Status.Code), ProviderMessage: string(w.Status.Message),
		Amount: int64(w.Amount), RecipientName: string(w.RecipientName),
		RecipientBank: string(w.RecipientBank), RecipientAccount: string(w.RecipientAccount),
		TrxID: string(w.TrxID), PartnerTrxID: string(w.PartnerTrxID),
		Timestamp:    parseLocal(string(w.Timestamp), LayoutDisbursement),
		CreatedAt:    parseLocal(string(w.CreatedDate), LayoutDisbursement),
		UpdatedAt:    parseLocal(string(w.LastUpdatedDate), LayoutDisbursement),
		RawTimestamp: string(w.Timestamp), RawCreated: string(w.CreatedDate), RawUpdated: string(w.LastUpdatedDate),
	}
}

// remitAccepted are the remit answers that mean OY holds the disbursement.
func remitAccepted(code string) bool {
	switch code {
	case "000", "101", "102", "301":
		return true
	}
	return false
}

// Remit asks OY to send money. The result's Code is usually "101": the
// final state arrives by callback or RemitStatus.
//
// Only transport failures, 5xx, 504 and 999 are resent, always with the same
// PartnerTrxID, as OY's docs allow. If a resend is answered 203 (duplicate)
// or 257 (same id in process), an earlier attempt reached OY, and Remit
// returns that disbursement's status instead. An Unknown error (provider.IsUnknown)
// means: call RemitStatus with the same PartnerTrxID; never send again with
// a new id.
func (c *Client) Remit(ctx context.Context, p *RemitParams) (*Disbursement, error) {
	const op = "remit"
	if err := checkAccount(op, p.RecipientBank, p.RecipientAccount); err != nil {
		return nil, err
	}
	switch {
	case strings.TrimSpace(p.PartnerTrxID) == "":
		return nil, validation(op, "The disbursement has no reference (partner_trx_id); nothing was sent.")
	case p.Amount < MinRemitAmount:
		return nil, validation(op, "The amount must be at least Rp 10.000; nothing was sent.")
	case len(p.Emails) > 5:
		return nil, validation(op, "OY accepts at most five notification e-mail addresses; nothing was sent.")
	}
	req := &wireRemitRequest{
		RecipientBank: p.RecipientBank, RecipientAccount: p.RecipientAccount, Amount: p.Amount,
		Note: p.Note, PartnerTrxID: p.PartnerTrxID, Email: strings.Join(p.Emails, " "),
	}
	var result *Disbursement
	call := provider.Call{Op: op, Kind: provider.KeyedWrite, Again: resendableRemit}
	err := c.t.Do(ctx, call, func(ctx context.Context, attempt int) error {
		var w wireDisbursement
		code, err := c.callCoded(ctx, op, provider.KeyedWrite, http.MethodPost, "/api/remit", nil, req, &w, Describe, remitAccepted)
		if err == nil {
			result = w.disbursement()
			if result.PartnerTrxID == "" {
				result.PartnerTrxID = p.PartnerTrxID
			}
			if result.PartnerTrxID != p.PartnerTrxID || (result.Amount != 0 && result.Amount != p.Amount) {
				result = nil
				return &provider.Error{Provider: "oy", Op: op, Code: code, ProviderMessage: string(w.Status.Message), Outcome: provider.Unknown,
					Message: "OY's answer describes a different disbursement than the one sent; check its status before doing anything else."}
			}
			return nil
		}
		msg := providerMessage(err)
		if attempt > 1 && (code == "203" || code == "257") {
			// An earlier attempt of ours got through: report its state.
			d, serr := c.RemitStatus(ctx, &RemitStatusParams{PartnerTrxID: p.PartnerTrxID})
			if serr == nil && !sameDisbursement(d, p) {
				// The reference belongs to another disbursement: ours was refused.
				return &provider.Error{Provider: "oy", Op: op, Code: code, ProviderMessage: msg, Outcome: provider.Rejected,
					Message: "Another disbursement already uses this reference (to " + d.RecipientAccount + "); nothing new was sent."}
			}
			if serr == nil {
				result = d
				return nil
			}
			return &provider.Error{Provider: "oy", Op: op, Code: code, ProviderMessage: msg, Outcome: provider.Unknown, Err: serr,
				Message: "An earlier attempt of this disbursement reached OY but its status could not be read; check its status before doing anything else."}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return result, nil
}

// providerMessage is OY's wording carried by err.
func providerMessage(err error) string {
	if e, ok := provider.AsError(err); ok {
		return e.ProviderMessage
	}
	return ""
}

// sameDisbursement reports whether OY's record matches what we sent.
func sameDisbursement(d *Disbursement, p *RemitParams) bool {
	return (d.Amount == 0 || d.Amount == p.Amount) &&
		(d.RecipientAccount == "" || d.RecipientAccount == p.RecipientAccount) &&
		(d.RecipientBank == "" || d.RecipientBank == p.RecipientBank)
}

// resendableRemit: 504, 999 and answers that never clearly arrived.
func resendableRemit(err error) bool {
	switch provider.CodeOf(err) {
	case "504", "999":
		return true
	case "":
		return provider.Retryable(err)
	}
	return false
}

// RemitStatusParams asks for a disbursement's state (POST /api/remit-status).
type RemitStatusParams struct {
	PartnerTrxID string `json:"partner_trx_id"`
	SendCallback bool   `json:"send_callback"` // OY sends the callback again
}

// RemitStatus returns the disbursement's state. The disbursement's own
// outcome (000, 101, 102, 300, 301, 209, …) is in the result; an *Error means
// the question itself failed: 204 (OY has no such reference), credentials,
// 999/504 (try again), or a garbled answer.
func (c *Client) RemitStatus(ctx context.Context, p *RemitStatusParams) (*Disbursement, error) {
	const op = "remit status"
	if strings.TrimSpace(p.PartnerTrxID) == "" {
		return nil, validation(op, "A disbursement reference (partner_trx_id) is needed to ask OY for its status.")
	}
	var result *Disbursement
	err := c.t.Do(ctx, provider.Call{Op: op, Kind: provider.Read, Again: retryableRead}, func(ctx context.Context, _ int) error {
		var w wireDisbursement
		code, err := c.callCoded(ctx, op, provider.Read, http.MethodPost, "/api/remit-status", nil, p, &w, Describe,
			func(code string) bool { return !statusQueryFailed(code) })
		if err != nil {
			return err
		}
		result = w.disbursement()
		if result.PartnerTrxID == "" {
			result.PartnerTrxID = p.PartnerTrxID
		}
		if result.PartnerTrxID != p.PartnerTrxID {
			result = nil
			return &provider.Error{Provider: "oy", Op: op, Code: code, ProviderMessage: string(w.Status.Message), Outcome: provider.Unknown,
				Message: "OY answered about a different disbursement; try again or check in OY's dashboard."}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return result, nil
}

// statusQueryFailed: codes that describe the status request, not the
// disbursement.
func statusQueryFailed(code string) bool {
	switch code {
	case "201", "202", "204", "207", "208", "429", "504", "990", "999":
		return true
	}
	return false
}

// Balance is the partner deposit (GET /api/balance).
type Balance struct {
	Balance      int64
	Overdraft    int64 // remaining overdraft
	Overbooking  int64
	Pending      int64 // sum of pending disbursements
	Available    int64 // Balance + available overdraft - Pending
	Timestamp    time.Time
	RawTimestamp string
}

type wireBalance struct {
	Status             wireStatus `json:"status"`
	Balance            jsonAmount `json:"balance"`
	OverdraftBalance   jsonAmount `json:"overdraftBalance"`
	OverbookingBalance jsonAmount `json:"overbookingBalance"`
	PendingBalance     jsonAmount `json:"pendingBalance"`
	AvailableBalance   jsonAmount `json:"availableBalance"`
	Timestamp          jsonString `json:"timestamp"`
}

// Balance reads the partner balance.
func (c *Client) Balance(ctx context.Context) (*Balance, error) {
	const op = "balance"
	var w wireBalance
	err := c.t.Do(ctx, provider.Call{Op: op, Kind: provider.Read, Again: retryableRead}, func(ctx context.Context, _ int) error {
		w = wireBalance{}
		_, err := c.callCoded(ctx, op, provider.Read, http.MethodGet, "/api/balance", nil, nil, &w, Describe, isSuccess)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Balance{
		Balance: int64(w.Balance), Overdraft: int64(w.OverdraftBalance), Overbooking: int64(w.OverbookingBalance),
		Pending: int64(w.PendingBalance), Available: int64(w.AvailableBalance),
		Timestamp: parseLocal(string(w.Timestamp), LayoutDisbursement), RawTimestamp: string(w.Timestamp),
	}, nil
}

func checkAccount(op, bank, account string) error {
	if strings.TrimSpace(bank) == "" {
		return validation(op, "Choose the recipient's bank; nothing was sent.")
	}
	if account == "" || strings.Trim(account, "0123456789") != "" {
		return validation(op, "The account number must contain digits only; nothing was sent.")
	}
	return nil
}
