package sandbox

import (
	"encoding/json"
	"hash/fnv"
	"net/http"
	"time"

	"backoffice/internal/money"
	"backoffice/internal/providers/oy"
)

type disbursement struct {
	trxID, partnerTrxID string
	bank, account, name string
	amount              int64
	code, message       string
	created, updated    time.Time
	holdsPending        bool // counted in pendingBalance
}

// remitMocks: the page's remit table; the code comes back on every call.
var remitMocks = map[string][2]string{
	AccountInternalError:   {"999", "Internal Server Error"},
	AccountDuplicate:       {"203", "Duplicate Partner Tx Id"},
	AccountBankCodeMissing: {"205", "Bank Code is not found"},
	AccountTxIDNotFound:    {"204", "Tx Id is not found"},
	AccountUserNotFound:    {"201", "User is not found"},
	AccountUserNotActive:   {"202", "User is not active"},
}

// settleMocks: the page's remit-status table, reached after SettleDelay.
var settleMocks = map[string][2]string{
	AccountInProgress: {"102", "Request is In progress"},
	AccountFailed:     {"300", "Failed"},
	AccountNotFound:   {"209", "Bank Account is not found"},
	AccountSuspect:    {"301", "Suspect"},
}

var names = []string{"John Doe", "Siti Rahayu", "Budi Santoso", "Dewi Lestari", "Agus Pratama", "Putri Maharani"}

// holderName gives every account a stable fake holder.
func holderName(account string) string {
	h := fnv.New32a()
	_, _ = h.Write([]byte(account))
	return names[h.Sum32()%uint32(len(names))]
}

func (s *Sandbox) handleInquiry(w http.ResponseWriter, r *http.Request) {
	b, err := readBody(r)
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"status": status("990", "Request Parameter is not Valid"), "timestamp": stamp(now())})
		return
	}
	bank, account := b.str("recipient_bank"), b.str("recipient_account")
	s.wait(r, account)
	answer := func(code, msg, name string) {
		writeJSON(w, http.StatusOK, map[string]any{
			"status": status(code, msg), "recipient_bank": bank, "recipient_account": account,
			"recipient_name": name, "timestamp": stamp(now()),
		})
	}
	switch _, known := oy.LookupBank(bank); {
	case account == AccountBankCodeMissing:
		answer("205", "Bank Code is not found", "")
	case account == AccountNotFound:
		answer("209", "Bank Account is not found", "")
	case !numeric(account) || bank == "":
		answer("990", "Request Parameter is not Valid", "")
	case !known:
		answer("205", "Bank Code is not found", "")
	default:
		answer("000", "Success", holderName(account))
	}
}

func (s *Sandbox) handleRemit(w http.ResponseWriter, r *http.Request) {
	b, err := readBody(r)
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"status": status("990", "Request Parameter is not Valid"), "timestamp": stamp(now())})
		return
	}
	bank, account, ptid := b.str("recipient_bank"), b.str("recipient_account"), b.str("partner_trx_id")
	amount, amountOK := b.amount("amount")
	answer := func(code, msg, trxID string) {
		s.wait(r, account)
		writeJSON(w, http.StatusOK, map[string]any{
			"status": status(code, msg), "amount": json.Number(money.Decimal(amount, 0)),
			"recipient_bank": bank, "recipient_account": account,
			"trx_id": trxID, "partner_trx_id": ptid, "timestamp": stamp(now()),
		})
	}
	if m, ok := remitMocks[account]; ok {
		if m[0] == "999" && ptid != "" {
			s.recordMock(ptid, bank, account, amount, m[0], m[1])
		}
		answer(m[0], m[1], "")
		return
	}
	_, known := oy.LookupBank(bank)
	switch {
	case ptid == "" || !numeric(account) || bank == "" || !b.has("amount"):
		answer("990", "Request Parameter is not Valid", "")
		return
	case !known:
		answer("205", "Bank Code is not found", "")
		return
	case !amountOK || amount < oy.MinRemitAmount:
		answer("210", "Amount is not valid", "")
		return
	case amount > s.opts.MaxAmountPerTx:
		answer("215", "Max amount per transaction exceed for disburse", "")
		return
	}
	s.mu.Lock()
	if _, dup := s.disbursements[ptid]; dup {
		s.mu.Unlock()
		answer("203", "Duplicate Partner Tx Id", "")
		return
	}
	if amount > s.balance-s.pending {
		s.mu.Unlock()
		answer("206", "Partner Deposit Balance is Not Enough", "")
		return
	}
	t := now()
	d := &disbursement{trxID: newID(), partnerTrxID: ptid, bank: bank, account: account, name: holderName(account),
		amount: amount, code: "101", message: "Request is Processed", created: t, updated: t, holdsPending: true}
	s.disbursements[ptid] = d
	s.pending += amount
	trxID := d.trxID
	s.mu.Unlock()
	s.later(s.opts.SettleDelay, func() { s.settle(ptid) })
	answer("101", "Request is Processed", trxID)
}

func (s *Sandbox) recordMock(ptid, bank, account string, amount int64, code, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.disbursements[ptid]; ok {
		return
	}
	t := now()
	s.disbursements[ptid] = &disbursement{partnerTrxID: ptid, bank: bank, account: account, amount: amount,
		code: code, message: msg, created: t, updated: t}
}

// settle moves a 101 to the state the page's remit-status table gives the
// account, books the balance, and sends the callback on a final state.
func (s *Sandbox) settle(ptid string) {
	s.mu.Lock()
	d, ok := s.disbursements[ptid]
	if !ok || d.code != "101" {
		s.mu.Unlock()
		return
	}
	code, msg := "000", "Success"
	if m, ok := settleMocks[d.account]; ok {
		code, msg = m[0], m[1]
	}
	d.code, d.message, d.updated = code, msg, now()
	final := oy.IsFinal(code)
	if final && d.holdsPending {
		s.pending -= d.amount
		d.holdsPending = false
		if code == "000" {
			s.balance -= d.amount
		}
	}
	payload := disbursementJSON(d)
	s.mu.Unlock()
	if final {
		s.postCallback("disbursement", s.opts.DisbursementCallbackURL, payload)
	}
}

// disbursementJSON is the shape of the callback and of remit-status.
func disbursementJSON(d *disbursement) map[string]any {
	return map[string]any{
		"status": status(d.code, d.message), "amount": json.Number(money.Decimal(d.amount, 0)),
		"recipient_name": d.name, "recipient_bank": d.bank, "recipient_account": d.account,
		"trx_id": d.trxID, "partner_trx_id": d.partnerTrxID, "timestamp": stamp(now()),
		"created_date": stamp(d.created), "last_updated_date": stamp(d.updated),
	}
}

func (s *Sandbox) handleRemitStatus(w http.ResponseWriter, r *http.Request) {
	b, err := readBody(r)
	if err != nil || b.str("partner_trx_id") == "" {
		writeJSON(w, http.StatusOK, map[string]any{"status": status("990", "Request Parameter is not Valid"), "timestamp": stamp(now())})
		return
	}
	ptid := b.str("partner_trx_id")
	s.mu.Lock()
	d, ok := s.disbursements[ptid]
	var payload map[string]any
	if ok {
		payload = disbursementJSON(d)
	}
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusOK, map[string]any{"status": status("204", "Tx Id is not found"),
			"partner_trx_id": ptid, "timestamp": stamp(now())})
		return
	}
	if b.boolean("send_callback", false) {
		s.postCallback("disbursement", s.opts.DisbursementCallbackURL, payload)
	}
	writeJSON(w, http.StatusOK, payload)
}

func (s *Sandbox) handleBalance(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	bal, pending := s.balance, s.pending
	s.mu.Unlock()
	dec := func(v int64) json.Number { return json.Number(money.Decimal(v, 4)) }
	writeJSON(w, http.StatusOK, map[string]any{
		"status": status("000", "Success"), "balance": dec(bal), "overdraftBalance": dec(0),
		"overbookingBalance": dec(0), "pendingBalance": dec(pending), "availableBalance": dec(bal - pending),
		"timestamp": stamp(now()),
	})
}

// Balance returns the partner balance and the pending sum.
func (s *Sandbox) Balance() (balance, pending int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.balance, s.pending
}

// DisbursementCode returns the current code of a remit, for tests.
func (s *Sandbox) DisbursementCode(partnerTrxID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.disbursements[partnerTrxID]
	if !ok {
		return "", false
	}
	return d.code, true
}
