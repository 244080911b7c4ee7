package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"time"

	"backoffice/internal/money"
	"backoffice/internal/providers/oy"
)

// VAAdminFee is the admin_fee the sandbox reports on each VA payment.
const VAAdminFee = 1000

// MinVAAmount: a closed VA below it answers 212 (OY's minimum is not on
// the page; unconfirmed).
const MinVAAmount = 10000

// The sandbox's own triggers, by partner_user_id on Create VA (OY's page
// has no staging numbers for VAs):
const (
	// PartnerUserFailGenerate answers 214 "Failed to generate static va".
	PartnerUserFailGenerate = "oy-fail-214"
	// PartnerUserInactive answers 202 "User ID is not Active".
	PartnerUserInactive = "oy-fail-202"
	// PartnerUserIPNotRegistered answers 207 "Request IP Address is not Registered".
	PartnerUserIPNotRegistered = "oy-fail-207"
	// PartnerUserError999 answers 999 and makes nothing.
	PartnerUserError999 = "oy-999"
	// PartnerUserMadeThen999 makes the VA, then answers 999: the VA exists
	// at OY though the answer said nothing (found through the list).
	PartnerUserMadeThen999 = "oy-999-made"
)

type virtualAccount struct {
	id, number, bank, partnerUserID, display, email string
	amount, detected                                int64
	open, singleUse, lifetime                       bool
	expires                                         time.Time
	status                                          string
	txs                                             []vaTx
}

type vaTx struct {
	id      string
	created time.Time
	amount  int64
}

func (s *Sandbox) vaRoutes() {
	s.mux.HandleFunc("POST /api/generate-static-va", s.coded(s.handleCreateVA))
	s.mux.HandleFunc("GET /api/static-virtual-account/{id}", s.coded(s.handleGetVA))
	s.mux.HandleFunc("PUT /api/static-virtual-account/{id}", s.coded(s.handleUpdateVA))
	s.mux.HandleFunc("GET /api/static-virtual-account", s.coded(s.handleListVAs))
	s.mux.HandleFunc("GET /api/va-tx-history/{id}", s.coded(s.handleVAHistory))
	s.mux.HandleFunc("POST /simulate/va/{ref}/pay", s.handleSimulateVAPay)
}

func vaStatus(code, msg string) map[string]any {
	return map[string]any{"status": status(code, msg)}
}

// refresh expires a VA whose time has passed. Callers hold s.mu.
func (va *virtualAccount) refresh(t time.Time) {
	if !va.lifetime && (va.status == "WAITING_PAYMENT" || va.status == "PAYMENT_DETECTED") && t.After(va.expires) {
		va.status = "EXPIRED"
	}
}

func (va *virtualAccount) expirationMillis() int64 {
	if va.lifetime {
		return -1
	}
	return va.expires.UnixMilli()
}

// vaJSON renders a VA with the documented keys; extra selects the keys only
// some answers carry ("amount_detected", "partner_user_id", "status").
func vaJSON(va *virtualAccount, extra ...string) map[string]any {
	m := map[string]any{
		"id": va.id, "amount": json.Number(money.Decimal(va.amount, 4)), "va_number": va.number, "bank_code": va.bank,
		"is_open": va.open, "is_single_use": va.singleUse, "expiration_time": va.expirationMillis(),
		"va_status": va.status, "username_display": va.display,
	}
	for _, k := range extra {
		switch k {
		case "amount_detected":
			m[k] = json.Number(money.Decimal(va.detected, 0))
		case "partner_user_id":
			m[k] = va.partnerUserID
		case "status":
			m[k] = status("000", "Success")
		}
	}
	return m
}

func (s *Sandbox) handleCreateVA(w http.ResponseWriter, r *http.Request) {
	b, err := readBody(r)
	if err != nil {
		writeJSON(w, http.StatusOK, vaStatus("990", "Request Parameter is not Valid"))
		return
	}
	puid, bank := b.str("partner_user_id"), b.str("bank_code")
	open := b.boolean("is_open", true)
	amount, amountOK := b.amount("amount")
	if !b.has("amount") {
		amount, amountOK = 0, true
	}
	minutes, minutesOK := b.amount("expiration_time")
	if !b.has("expiration_time") || minutes <= 0 {
		minutes, minutesOK = 24*60, true
	}
	if _, ok := oy.LookupVABank(bank); ok {
		switch puid {
		case PartnerUserFailGenerate:
			writeJSON(w, http.StatusOK, vaStatus("214", "Failed to generate static va"))
			return
		case PartnerUserInactive:
			writeJSON(w, http.StatusOK, vaStatus("202", "User ID is not Active"))
			return
		case PartnerUserIPNotRegistered:
			writeJSON(w, http.StatusOK, vaStatus("207", "Request IP Address is not Registered"))
			return
		case PartnerUserError999:
			writeJSON(w, http.StatusInternalServerError, vaStatus("999", "Internal Server Error"))
			return
		}
	}
	switch _, ok := oy.LookupVABank(bank); {
	case puid == "" || bank == "" || !amountOK || !minutesOK || amount < 0 || (!open && amount == 0):
		writeJSON(w, http.StatusOK, vaStatus("990", "Request Parameter is not Valid"))
		return
	case !ok:
		writeJSON(w, http.StatusOK, vaStatus("211", "Bank code is not available for this service"))
		return
	case !open && amount < MinVAAmount:
		writeJSON(w, http.StatusOK, vaStatus("212", "Given amount are lesser than allowed value for static va"))
		return
	}
	t := now()
	s.mu.Lock()
	for _, other := range s.vas {
		other.refresh(t)
		if other.partnerUserID == puid && other.bank == bank && (other.status == "WAITING_PAYMENT" || other.status == "PAYMENT_DETECTED") {
			s.mu.Unlock()
			writeJSON(w, http.StatusOK, vaStatus("217", "VA Number is still active for this partner user id"))
			return
		}
	}
	display := b.str("username_display")
	if display == "" {
		display = s.opts.Username
	}
	va := &virtualAccount{
		id: newID(), number: fmt.Sprintf("9%s%012d", bank, len(s.vas)+1), bank: bank, partnerUserID: puid,
		display: display, email: b.str("email"), amount: amount, open: open,
		singleUse: b.boolean("is_single_use", false), lifetime: b.boolean("is_lifetime", false),
		expires: t.Add(time.Duration(minutes) * time.Minute), status: "WAITING_PAYMENT",
	}
	s.vas[va.id] = va
	s.vaByNumber[va.number] = va
	out := vaJSON(va, "status")
	s.mu.Unlock()
	if puid == PartnerUserMadeThen999 {
		writeJSON(w, http.StatusInternalServerError, vaStatus("999", "Internal Server Error"))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// lookupVA finds a VA by OY's id, as Get, Update and the transaction
// history take it (a VA number there is "not found"), and refreshes it.
// Callers hold s.mu.
func (s *Sandbox) lookupVA(id string) *virtualAccount {
	va, ok := s.vas[id]
	if !ok {
		return nil
	}
	va.refresh(now())
	return va
}

// lookupVARef finds a VA by id or number, for the simulate endpoint and
// PayVA (the sandbox's own, not OY's). Callers hold s.mu.
func (s *Sandbox) lookupVARef(ref string) *virtualAccount {
	if va := s.lookupVA(ref); va != nil {
		return va
	}
	va, ok := s.vaByNumber[ref]
	if !ok {
		return nil
	}
	va.refresh(now())
	return va
}

func (s *Sandbox) handleGetVA(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	va := s.lookupVA(r.PathValue("id"))
	var out map[string]any
	if va != nil {
		out = vaJSON(va, "status", "amount_detected", "partner_user_id")
	}
	s.mu.Unlock()
	if va == nil {
		writeJSON(w, http.StatusOK, vaStatus("204", "VA is not found"))
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Sandbox) handleUpdateVA(w http.ResponseWriter, r *http.Request) {
	b, err := readBody(r)
	if err != nil {
		writeJSON(w, http.StatusOK, vaStatus("990", "Request Parameter is not Valid"))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	va := s.lookupVA(r.PathValue("id"))
	if va == nil {
		writeJSON(w, http.StatusOK, vaStatus("204", "VA is not found"))
		return
	}
	if !va.isOpen() {
		// The page: "You cannot accept or make update to VA Number with this status."
		writeJSON(w, http.StatusOK, vaStatus("990", "VA with status "+va.status+" cannot be updated"))
		return
	}
	amount, open := va.amount, va.open
	if b.has("amount") {
		v, ok := b.amount("amount")
		if !ok || v < 0 {
			writeJSON(w, http.StatusOK, vaStatus("990", "Request Parameter is not Valid"))
			return
		}
		amount = v
	}
	open = b.boolean("is_open", open)
	if !open && amount < MinVAAmount {
		writeJSON(w, http.StatusOK, vaStatus("212", "Given amount are lesser than allowed value for static va"))
		return
	}
	if b.has("bank_code") && b.str("bank_code") != va.bank {
		// The VA number belongs to its bank; OY cannot move it.
		writeJSON(w, http.StatusOK, vaStatus("211", "Bank code is not available for this service"))
		return
	}
	va.amount, va.open = amount, open
	va.singleUse = b.boolean("is_single_use", va.singleUse)
	va.lifetime = b.boolean("is_lifetime", va.lifetime)
	if m, ok := b.amount("expiration_time"); ok && m > 0 {
		va.expires = now().Add(time.Duration(m) * time.Minute)
	}
	if d := b.str("username_display"); d != "" {
		va.display = d
	}
	if e := b.str("email"); e != "" {
		va.email = e
	}
	writeJSON(w, http.StatusOK, vaJSON(va, "status", "partner_user_id"))
}

func (va *virtualAccount) isOpen() bool {
	return va.status == "WAITING_PAYMENT" || va.status == "PAYMENT_DETECTED"
}

func page(r *http.Request, n int) (from, to int) {
	offset, err := strconv.Atoi(r.URL.Query().Get("offset"))
	if err != nil || offset < 0 {
		offset = 0
	}
	limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
	if err != nil || limit <= 0 {
		limit = 10
	}
	from = min(offset, n)
	return from, min(from+limit, n)
}

func (s *Sandbox) handleListVAs(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	all := make([]*virtualAccount, 0, len(s.vas))
	for _, va := range s.vas {
		va.refresh(now())
		all = append(all, va)
	}
	// Newest first, as a dashboard lists them.
	sort.Slice(all, func(i, j int) bool { return all[i].number > all[j].number })
	from, to := page(r, len(all))
	data := make([]map[string]any, 0, to-from)
	for _, va := range all[from:to] {
		data = append(data, vaJSON(va, "amount_detected", "partner_user_id"))
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"total": len(all), "data": data, "status": status("000", "Success")})
}

func (s *Sandbox) handleVAHistory(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	va := s.lookupVA(r.PathValue("id"))
	if va == nil {
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, vaStatus("204", "VA is not found"))
		return
	}
	from, to := page(r, len(va.txs))
	data := make([]map[string]any, 0, to-from)
	by := "Static VA by " + va.display
	for _, tx := range va.txs[from:to] {
		data = append(data, map[string]any{
			"id": tx.id, "created": tx.created.Format(oy.LayoutDateTime), "name": by,
			"amount": json.Number(money.Decimal(tx.amount, 0)), "create_by": by, "last_update_by": by,
			"last_updated": tx.created.UnixMilli(), "admin_fee": VAAdminFee, "va_number": va.number,
		})
	}
	out := map[string]any{"id": r.PathValue("id"), "status": status("000", "Success"), "data": data,
		"number_of_transaction": len(va.txs)}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
}

// Errors of the simulate endpoints and methods.
var (
	ErrNotFound   = errors.New("sandbox: not found")
	ErrNotPayable = errors.New("sandbox: cannot be paid in its current state")
	ErrBadAmount  = errors.New("sandbox: amount not accepted")
)

// PayVA simulates a customer paying amount into a VA (by id or number); 0
// pays a closed VA's own amount. It sends the VA callback.
func (s *Sandbox) PayVA(ref string, amount int64) error {
	t := now()
	s.mu.Lock()
	va := s.lookupVARef(ref)
	switch {
	case va == nil:
		s.mu.Unlock()
		return ErrNotFound
	case !va.isOpen():
		s.mu.Unlock()
		return fmt.Errorf("%w: VA is %s", ErrNotPayable, va.status)
	}
	if amount == 0 && !va.open {
		amount = va.amount
	}
	if amount <= 0 || (!va.open && amount != va.amount) || (va.open && va.amount > 0 && amount > va.amount) {
		s.mu.Unlock()
		return fmt.Errorf("%w: %d", ErrBadAmount, amount)
	}
	va.txs = append(va.txs, vaTx{id: newID(), created: t, amount: amount})
	va.detected += amount
	va.status = "PAYMENT_DETECTED"
	if va.singleUse {
		va.status = "COMPLETE"
	}
	payload := map[string]any{
		"va_number": va.number, "amount": json.Number(money.Decimal(amount, 0)), "partner_user_id": va.partnerUserID,
		"success": true, "tx_date": t.UTC().Format(oy.LayoutVACallback),
	}
	s.mu.Unlock()
	s.postCallback("va", s.opts.VACallbackURL, payload)
	return nil
}

func (s *Sandbox) handleSimulateVAPay(w http.ResponseWriter, r *http.Request) {
	var amount int64
	if b, err := readBody(r); err == nil && b.has("amount") {
		v, ok := b.amount("amount")
		if !ok {
			simError(w, ErrBadAmount)
			return
		}
		amount = v
	}
	if err := s.PayVA(r.PathValue("ref"), amount); err != nil {
		simError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

func simError(w http.ResponseWriter, err error) {
	code := http.StatusUnprocessableEntity
	switch {
	case errors.Is(err, ErrNotFound):
		code = http.StatusNotFound
	case errors.Is(err, ErrNotPayable):
		code = http.StatusConflict
	}
	writeJSON(w, code, map[string]any{"ok": false, "error": err.Error()})
}
