package sandbox

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"backoffice/internal/money"
	"backoffice/internal/providers/oy"
)

type paymentLink struct {
	id, partnerTxID, description, notes, senderName string
	email, phone, step, disabled, enabled           string
	amount                                          int64
	open, includeFee, invoice                       bool
	expires, created, updated                       time.Time
	status                                          string // OY's lower-case word
	txRef, payerName, payerPhone, payerNote         string
	senderBank, method, vaNumber                    string
	paid                                            int64
	fullName, partnerUserID, attachment             string
	vaLifetime                                      bool
	items                                           []map[string]any
	recurStart, recurEnd                            string
	recurFreq                                       int64
}

func (s *Sandbox) checkoutRoutes() {
	s.mux.HandleFunc("POST /api/payment-checkout/create-v2", func(w http.ResponseWriter, r *http.Request) { s.handleCreateLink(w, r, false) })
	s.mux.HandleFunc("POST /api/payment-checkout/create-invoice", func(w http.ResponseWriter, r *http.Request) { s.handleCreateLink(w, r, true) })
	s.mux.HandleFunc("GET /api/payment-checkout/status", s.handlePaymentStatus)
	s.mux.HandleFunc("GET /api/payment-checkout/{id}", s.handleGetLink)
	s.mux.HandleFunc("DELETE /api/payment-checkout/{id}", s.handleDeleteLink)
	s.mux.HandleFunc("POST /simulate/checkout/{ref}/pay", s.handleSimulateCheckoutPay)
	s.mux.HandleFunc("POST /simulate/checkout/{ref}/expire", s.handleSimulateCheckoutExpire)
	s.mux.HandleFunc("GET /pay/{id}", s.handlePayPage)
	s.mux.HandleFunc("GET /invoice/{id}", s.handlePayPage)
}

// checkoutAuth answers the documented failure messages ("Can not get API
// Key is not valid", …) in the given shape.
func (s *Sandbox) checkoutAuth(w http.ResponseWriter, r *http.Request, verb, flag string) bool {
	code, _, ok := s.authorized(r)
	if ok {
		return true
	}
	reason := "username is not found"
	if code == "208" {
		reason = "API Key is not valid"
	}
	writeJSON(w, http.StatusOK, map[string]any{flag: false, "message": "Can not " + verb + " " + reason})
	return false
}

func onlyRunes(s string, ok func(r rune) bool) bool {
	for _, r := range s {
		if !ok(r) {
			return false
		}
	}
	return true
}

func isLetter(r rune) bool { return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r == ' ' }
func isAlnum(r rune) bool  { return isLetter(r) || (r >= '0' && r <= '9') }

var paymentMethods = []string{"VA", "CREDIT_CARD", "DEBIT_CARD"}

func (s *Sandbox) handleCreateLink(w http.ResponseWriter, r *http.Request, invoice bool) {
	if !s.checkoutAuth(w, r, "create", "success") {
		return
	}
	fail := func(msg string) { writeJSON(w, http.StatusOK, map[string]any{"success": false, "message": msg}) }
	b, err := readBody(r)
	if err != nil {
		fail("Invalid request body")
		return
	}
	open := b.boolean("is_open", false)
	amount, amountOK := b.amount("amount")
	if !b.has("amount") || b.str("amount") == "" {
		amount, amountOK = 0, true
	}
	step := b.str("step")
	if step == "" {
		step = oy.StepInputAmount
	}
	ptid, sender := b.str("partner_tx_id"), b.str("sender_name")
	disabled, enabled := b.str("list_disabled_payment_methods"), b.str("list_enabled_banks")
	expires := now().Add(24 * time.Hour)
	if e := b.str("expiration"); e != "" {
		t, err := time.ParseInLocation(oy.LayoutDateTime, e, oy.Jakarta)
		if err != nil {
			t, err = time.ParseInLocation(oy.LayoutDisbursement, e, oy.Jakarta)
		}
		if err != nil {
			fail("expiration is not valid")
			return
		}
		expires = t
	}
	switch {
	// The page asks for alphanumeric partner_tx_id, yet its own invoice
	// sample uses "partner tx id"; only emptiness is refused here.
	case ptid == "":
		fail("partner_tx_id is required")
		return
	case sender == "" || !onlyRunes(sender, isLetter):
		fail("sender_name only accepts alphabets and space and cannot be empty")
		return
	case !onlyRunes(b.str("description"), isAlnum) || !onlyRunes(b.str("notes"), isAlnum):
		fail("description and notes only accept alphabets, numeric and space")
		return
	case !amountOK || (!open && amount == 0) || (amount != 0 && amount < oy.MinCheckoutAmount):
		fail("amount is not valid, minimum amount is 15000")
		return
	case amount > oy.MaxCheckoutAmount:
		fail("amount is not valid, maximum amount is 100000000")
		return
	case !slices.Contains([]string{oy.StepInputAmount, oy.StepInputPersonalInfo, oy.StepSelectPaymentMethod}, step):
		fail("step is not valid")
		return
	case step != oy.StepInputAmount && amount == 0:
		fail("amount is required for step " + step)
		return
	case b.str("phone_number") != "" && !numeric(b.str("phone_number")):
		fail("phone_number only accepts numeric")
		return
	}
	for _, m := range splitList(disabled) {
		if !slices.Contains(paymentMethods, m) {
			fail("list_disabled_payment_methods is not valid")
			return
		}
	}
	if all := splitList(disabled); len(all) > 0 && !slices.ContainsFunc(paymentMethods, func(m string) bool { return !slices.Contains(all, m) }) {
		fail("at least 1 payment method must be enabled")
		return
	}
	for _, bank := range splitList(enabled) {
		if !slices.Contains(oy.CheckoutVABanks, bank) {
			fail("list_enabled_banks is not valid")
			return
		}
	}
	t := now()
	l := &paymentLink{
		id: newID(), partnerTxID: ptid, description: b.str("description"), notes: b.str("notes"), senderName: sender,
		email: b.str("email"), phone: b.str("phone_number"), step: step, disabled: disabled, enabled: enabled,
		amount: amount, open: open, includeFee: b.boolean("include_admin_fee", false), invoice: invoice,
		expires: expires, created: t, updated: t, status: "created",
	}
	if invoice {
		if a := b.str("attachment"); a != "" && !validPDF(a) {
			fail("attachment is not valid, maximum 1 PDF attachment of 2 MB")
			return
		}
		l.fullName, l.partnerUserID, l.attachment = b.str("full_name"), b.str("partner_user_id"), b.str("attachment")
		l.vaLifetime = b.boolean("is_va_lifetime", false)
		l.recurStart, l.recurEnd = b.str("recurring_start_date"), b.str("recurring_end_date")
		l.recurFreq, _ = b.amount("recurring_frequency")
		if items, ok := b["invoice_items"].([]any); ok {
			for _, it := range items {
				m, ok := it.(map[string]any)
				if !ok {
					fail("invoice_items is not valid")
					return
				}
				l.items = append(l.items, normalizeItem(m))
			}
		}
	}
	s.mu.Lock()
	if old, ok := s.links[ptid]; ok {
		old.refresh(t)
		if paidStatus(old.status) {
			s.mu.Unlock()
			fail("partner_tx_id has been paid")
			return
		}
		delete(s.linksByID, old.id)
	}
	s.links[ptid] = l
	s.linksByID[l.id] = l
	s.mu.Unlock()
	path := "/pay/"
	if invoice {
		path = "/invoice/"
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "url": s.opts.PublicURL + path + l.id,
		"message": "success", "email_status": "PROCESSED", "payment_link_id": l.id})
}

// normalizeItem keeps an invoice line as the Get answer shows it
// (date_of_purchase in Unix ms).
func normalizeItem(m map[string]any) map[string]any {
	b := body(m)
	out := map[string]any{"item": b.str("item"), "description": b.str("description")}
	q, _ := b.amount("quantity")
	p, _ := b.amount("price_per_item")
	out["quantity"], out["price_per_item"] = q, p
	if d := b.str("date_of_purchase"); d != "" {
		if t, err := time.ParseInLocation("2006-01-02", d, oy.Jakarta); err == nil {
			out["date_of_purchase"] = t.UnixMilli()
		} else if ms, err := money.ParseDecimal(d); err == nil {
			out["date_of_purchase"] = ms
		}
	}
	return out
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		out = append(out, strings.Trim(f, `"`))
	}
	return out
}

func paidStatus(s string) bool { return s == "complete" }

// refresh expires an unpaid link. Callers hold s.mu.
func (l *paymentLink) refresh(t time.Time) {
	if l.status == "created" && t.After(l.expires) {
		l.status = "expired"
		l.updated = t
	}
}

// paymentJSON is the status answer and the callback body.
func (l *paymentLink) paymentJSON(status string) map[string]any {
	settlement := "non-realtime"
	if l.status == "complete" {
		settlement = "realtime"
	}
	amount := l.paid
	if amount == 0 {
		amount = l.amount
	}
	return map[string]any{
		"partner_tx_id": l.partnerTxID, "tx_ref_number": l.txRef, "amount": json.Number(money.Decimal(amount, 0)),
		"sender_name": l.payerName, "sender_phone": l.payerPhone, "sender_note": l.payerNote, "status": status,
		"settlement_type": settlement, "sender_bank": l.senderBank, "payment_method": l.method, "va_number": l.vaNumber,
		"created": l.created.Format(oy.LayoutDateTime), "updated": l.updated.Format(oy.LayoutDateTime),
	}
}

func (s *Sandbox) lookupLink(ref string) *paymentLink {
	l, ok := s.linksByID[ref]
	if !ok {
		l, ok = s.links[ref]
	}
	if !ok {
		return nil
	}
	l.refresh(now())
	return l
}

func (s *Sandbox) handlePaymentStatus(w http.ResponseWriter, r *http.Request) {
	if !s.checkoutAuth(w, r, "get", "status") {
		return
	}
	ptid := r.URL.Query().Get("partner_tx_id")
	s.mu.Lock()
	l, ok := s.links[ptid]
	var out map[string]any
	if ok {
		l.refresh(now())
		out = l.paymentJSON(l.status)
	}
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusOK, map[string]any{"status": false, "message": "Can not get data is not found"})
		return
	}
	if strings.EqualFold(r.URL.Query().Get("send_callback"), "true") {
		s.postCallback("checkout", s.opts.CheckoutCallbackURL, out)
	}
	writeJSON(w, http.StatusOK, out)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func (l *paymentLink) detailJSON(username string) map[string]any {
	d := map[string]any{
		"partnerTxId": l.partnerTxID, "paymentLinkId": l.id, "amount": l.amount, "username": username,
		"senderName": l.senderName, "senderPhoneNumber": nullable(l.payerPhone), "senderNotes": nullable(l.payerNote),
		"status": strings.ToUpper(l.status), "txRefNumber": nullable(l.txRef), "description": l.description,
		"isOpen": l.open, "step": l.step, "notes": l.notes, "phoneNumber": l.phone, "email": l.email,
		"includeAdminFee": l.includeFee, "listDisabledPaymentMethods": l.disabled, "listEnabledBanks": l.enabled,
		"expirationTime": l.expires.Format(oy.LayoutDateTime), "invoiceData": nil,
	}
	if l.invoice {
		items := l.items
		if items == nil {
			items = []map[string]any{}
		}
		raw, _ := json.Marshal(items)
		var freq any
		if l.recurFreq > 0 {
			freq = l.recurFreq
		}
		d["invoiceData"] = map[string]any{
			"fullName": l.fullName, "isVaLifetime": l.vaLifetime, "isScheduled": l.recurStart != "",
			"recurringStartDate": nullable(l.recurStart), "recurringEndDate": nullable(l.recurEnd),
			"recurringFrequency": freq, "invoiceItems": string(raw),
		}
	}
	return d
}

func (s *Sandbox) handleGetLink(w http.ResponseWriter, r *http.Request) {
	if !s.checkoutAuth(w, r, "get", "status") {
		return
	}
	s.mu.Lock()
	l := s.lookupLink(r.PathValue("id"))
	var d map[string]any
	if l != nil {
		d = l.detailJSON(s.opts.Username)
	}
	s.mu.Unlock()
	if l == nil {
		writeJSON(w, http.StatusOK, map[string]any{"status": false, "message": "Can not get data is not found"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": d, "message": "return payment checkout data", "status": true})
}

func (s *Sandbox) handleDeleteLink(w http.ResponseWriter, r *http.Request) {
	if !s.checkoutAuth(w, r, "delete", "status") {
		return
	}
	s.mu.Lock()
	l := s.lookupLink(r.PathValue("id"))
	switch {
	case l == nil:
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"status": false, "message": "Can not delete data is not found"})
		return
	case l.status != "created":
		st := strings.ToUpper(l.status)
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"status": false, "message": "Can not delete, status transaction is " + st})
		return
	}
	l.status, l.updated = "closed", now()
	payload := l.paymentJSON("closed")
	s.mu.Unlock()
	s.postCallback("checkout", s.opts.CheckoutCallbackURL, payload)
	writeJSON(w, http.StatusOK, map[string]any{"status": true, "message": "success delete payment checkout data"})
}

// CheckoutPayment describes a simulated customer payment.
type CheckoutPayment struct {
	Amount        int64  // 0: the link's amount
	PaymentMethod string // "VA" (default), "CC", "DC"
	SenderBank    string // default "008"
	SenderName    string // default the link's sender_name
	SenderPhone   string
	SenderNote    string
	Fail          bool // the charge is rejected: status "failed", callback "charge_failed"
	// AfterClose pays a deleted or expired link, as when a customer's bank
	// transfer to the link's VA arrives after the link was closed.
	AfterClose bool
}

// ExpireCheckout ends an unpaid link now, as its expiration would, and
// sends the "expired" callback.
func (s *Sandbox) ExpireCheckout(ref string) error {
	s.mu.Lock()
	l := s.lookupLink(ref)
	if l == nil {
		s.mu.Unlock()
		return ErrNotFound
	}
	if l.status != "created" && l.status != "failed" {
		st := l.status
		s.mu.Unlock()
		return fmt.Errorf("%w: link is %s", ErrNotPayable, st)
	}
	l.status, l.updated, l.expires = "expired", now(), now()
	payload := l.paymentJSON("expired")
	s.mu.Unlock()
	s.postCallback("checkout", s.opts.CheckoutCallbackURL, payload)
	return nil
}

func (s *Sandbox) handleSimulateCheckoutExpire(w http.ResponseWriter, r *http.Request) {
	if err := s.ExpireCheckout(r.PathValue("ref")); err != nil {
		simError(w, err)
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		http.Redirect(w, r, s.opts.PublicURL+"/pay/"+r.PathValue("ref"), http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

// validPDF reports whether a base64 attachment is a PDF of at most 2 MB.
func validPDF(b64 string) bool {
	raw, err := base64.StdEncoding.DecodeString(b64)
	return err == nil && len(raw) <= 2<<20 && bytes.HasPrefix(raw, []byte("%PDF-"))
}

// PayCheckout simulates the customer paying a link or invoice (by
// partner_tx_id or payment_link_id) and sends the checkout callback:
// "complete" on success, "charge_failed" when p.Fail.
func (s *Sandbox) PayCheckout(ref string, p CheckoutPayment) error {
	s.mu.Lock()
	l := s.lookupLink(ref)
	if l == nil {
		s.mu.Unlock()
		return ErrNotFound
	}
	if l.status != "created" && l.status != "failed" && !(p.AfterClose && (l.status == "closed" || l.status == "expired")) {
		st := l.status
		s.mu.Unlock()
		return fmt.Errorf("%w: link is %s", ErrNotPayable, st)
	}
	amount := p.Amount
	if amount == 0 {
		amount = l.amount
	}
	if amount < oy.MinCheckoutAmount || (!l.open && amount != l.amount) || (l.open && l.amount > 0 && amount > l.amount) {
		s.mu.Unlock()
		return fmt.Errorf("%w: %d", ErrBadAmount, amount)
	}
	if p.PaymentMethod == "" {
		p.PaymentMethod = "VA"
	}
	if p.SenderBank == "" {
		p.SenderBank = "008"
	}
	if p.SenderName == "" {
		p.SenderName = l.senderName
	}
	l.paid, l.method, l.senderBank = amount, p.PaymentMethod, p.SenderBank
	l.payerName, l.payerPhone, l.payerNote = p.SenderName, p.SenderPhone, p.SenderNote
	l.txRef = strings.ToUpper(newID()[:8])
	if p.PaymentMethod == "VA" {
		l.vaNumber = "8" + p.SenderBank + fmt.Sprintf("%012d", len(s.links))
	}
	l.updated = now()
	callback := "complete"
	if p.Fail {
		l.status, callback = "failed", "charge_failed"
	} else {
		l.status = "complete"
	}
	payload := l.paymentJSON(callback)
	s.mu.Unlock()
	s.postCallback("checkout", s.opts.CheckoutCallbackURL, payload)
	return nil
}

func (s *Sandbox) handleSimulateCheckoutPay(w http.ResponseWriter, r *http.Request) {
	var p CheckoutPayment
	isForm := !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json")
	if !isForm {
		b, err := readBody(r)
		if err != nil {
			simError(w, ErrBadAmount)
			return
		}
		var ok bool
		if b.has("amount") {
			if p.Amount, ok = b.amount("amount"); !ok {
				simError(w, ErrBadAmount)
				return
			}
		}
		p.PaymentMethod, p.SenderBank, p.SenderName = b.str("payment_method"), b.str("sender_bank"), b.str("sender_name")
		p.SenderPhone, p.SenderNote, p.Fail = b.str("sender_phone"), b.str("sender_note"), b.boolean("fail", false)
	} else {
		_ = r.ParseForm()
		if a := r.PostForm.Get("amount"); a != "" {
			v, err := money.ParseInput(a)
			if err != nil {
				simError(w, ErrBadAmount)
				return
			}
			p.Amount = v
		}
		p.PaymentMethod, p.SenderBank = r.PostForm.Get("payment_method"), r.PostForm.Get("sender_bank")
		p.Fail = r.PostForm.Get("fail") == "true"
	}
	if err := s.PayCheckout(r.PathValue("ref"), p); err != nil {
		simError(w, err)
		return
	}
	if isForm {
		http.Redirect(w, r, s.opts.PublicURL+"/pay/"+r.PathValue("ref"), http.StatusSeeOther)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ok": true})
}

var payPage = template.Must(template.New("pay").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>OY sandbox payment</title></head>
<body data-testid="oy-sandbox-pay">
<h1>OY! sandbox {{if .Invoice}}invoice{{else}}payment link{{end}}</h1>
<p>Reference: {{.PartnerTxID}}</p>
<p>Description: {{.Description}}</p>
<p>Amount: {{.Amount}}{{if .Open}} (open amount){{end}}</p>
<p>Status: <strong data-testid="sandbox-status">{{.Status}}</strong></p>
{{if .Payable}}
<form method="post" action="{{.Action}}">
{{if .Open}}<label>Amount <input name="amount" value="{{.AmountValue}}"></label>{{end}}
<label>Method <select name="payment_method"><option>VA</option><option>CC</option><option>DC</option></select></label>
<button type="submit" data-testid="sandbox-pay">Pay (sandbox)</button>
<button type="submit" name="fail" value="true">Pay and fail</button>
</form>
<form method="post" action="{{.ExpireAction}}"><button type="submit" data-testid="sandbox-expire">Let it expire</button></form>
{{end}}
</body></html>`))

func (s *Sandbox) handlePayPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	l := s.lookupLink(r.PathValue("id"))
	if l == nil {
		s.mu.Unlock()
		http.NotFound(w, r)
		return
	}
	data := map[string]any{
		"Invoice": l.invoice, "PartnerTxID": l.partnerTxID, "Description": l.description,
		"Amount": money.Format(l.amount), "AmountValue": l.amount, "Open": l.open, "Status": l.status,
		"Payable":      l.status == "created" || l.status == "failed",
		"Action":       s.opts.PublicURL + "/simulate/checkout/" + l.id + "/pay",
		"ExpireAction": s.opts.PublicURL + "/simulate/checkout/" + l.id + "/expire",
	}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = payPage.Execute(w, data)
}
