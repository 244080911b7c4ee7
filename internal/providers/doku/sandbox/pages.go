package sandbox

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"backoffice/internal/money"
	"backoffice/internal/providers/doku"
)

// Sandbox OTP and PIN of every OVO account.
const (
	SandboxOTP     = "123456"
	SandboxPIN     = "123456"
	DeclinePIN     = "000000" // fails the payment (status 06)
	FailingAmount  = 99_999   // fails the payment after the PIN (status 06)
	maxWrongInputs = 3
)

var pageTmpl = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>OVO (DOKU sandbox)</title>
<style>body{font-family:sans-serif;max-width:28rem;margin:2rem auto;color:#222}
h1{color:#4c2a86;font-size:1.4rem}.err{color:#b00020}.note{color:#666;font-size:.85rem}
label{display:block;margin:.6rem 0}input{font-size:1.1rem;width:100%}button{margin:.8rem .4rem 0 0;font-size:1rem}</style>
</head><body data-testid="doku-sandbox-ovo">
<h1>OVO · DOKU sandbox</h1>
{{if .Done}}<p data-testid="result">{{.Done}}</p>{{else}}
<p>{{.Intro}}</p>
{{if .Error}}<p class="err" data-testid="error">{{.Error}}</p>{{end}}
<form method="post">
{{if .AskOTP}}<label>OTP sent to {{.Phone}} <input name="otp" inputmode="numeric" autocomplete="one-time-code"></label>{{end}}
<label>OVO PIN <input name="pin" type="password" inputmode="numeric"></label>
<button name="action" value="confirm">{{.Confirm}}</button>
<button name="action" value="cancel">Cancel</button>
</form>
<p class="note">Sandbox: OTP {{.OTP}}, PIN {{.PIN}}. PIN {{.DeclinePIN}} declines a payment; Rp 99.999 always fails.</p>
{{end}}
</body></html>`))

type pageData struct {
	Intro, Error, Done, Phone, Confirm string
	AskOTP                             bool
	OTP, PIN, DeclinePIN               string
}

func (s *Sandbox) render(w http.ResponseWriter, status int, d pageData) {
	d.OTP, d.PIN, d.DeclinePIN = SandboxOTP, SandboxPIN, DeclinePIN
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, d)
}

// finish sends the browser to target (with query values added) or, when the
// merchant gave no URL, shows msg.
func (s *Sandbox) finish(w http.ResponseWriter, r *http.Request, target string, q url.Values, msg string) {
	if target == "" {
		s.render(w, http.StatusOK, pageData{Done: msg})
		return
	}
	u, err := url.Parse(target)
	if err != nil {
		s.render(w, http.StatusOK, pageData{Done: msg})
		return
	}
	if len(q) > 0 {
		vals := u.Query()
		for k, v := range q {
			vals[k] = v
		}
		u.RawQuery = vals.Encode()
	}
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}

func maskPhone(p string) string {
	if len(p) <= 4 {
		return p
	}
	return strings.Repeat("•", len(p)-4) + p[len(p)-4:]
}

func (s *Sandbox) bindPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	b, ok := s.bindings[r.PathValue("ref")]
	var d pageData
	if ok {
		d = pageData{Intro: "Link your OVO account " + maskPhone(b.phone) + " to the merchant.", Phone: maskPhone(b.phone), AskOTP: true, Confirm: "Link account"}
		if b.done {
			d.Done = "This linking request is already finished."
		}
	}
	s.mu.Unlock()
	if !ok {
		s.render(w, http.StatusNotFound, pageData{Done: "Unknown linking request."})
		return
	}
	s.render(w, http.StatusOK, d)
}

func (s *Sandbox) bindSubmit(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	b, ok := s.bindings[r.PathValue("ref")]
	if !ok || b.done {
		s.mu.Unlock()
		s.render(w, http.StatusNotFound, pageData{Done: "Unknown or finished linking request."})
		return
	}
	if r.PostForm.Get("action") == "cancel" {
		b.done = true
		s.mu.Unlock()
		s.finish(w, r, b.failedURL, url.Values{"custIdMerchant": {b.custIDMerchant}}, "Linking cancelled.")
		return
	}
	if r.PostForm.Get("otp") != SandboxOTP || r.PostForm.Get("pin") != SandboxPIN {
		b.tries++
		if b.tries >= maxWrongInputs {
			b.done = true
			s.mu.Unlock()
			s.finish(w, r, b.failedURL, url.Values{"custIdMerchant": {b.custIDMerchant}}, "Linking failed: wrong OTP or PIN entered three times.")
			return
		}
		phone := maskPhone(b.phone)
		s.mu.Unlock()
		s.render(w, http.StatusUnprocessableEntity, pageData{Intro: "Link your OVO account " + phone + " to the merchant.", Phone: phone, AskOTP: true, Confirm: "Link account", Error: "Wrong OTP or PIN."})
		return
	}
	b.done = true
	acc := s.accountLocked(b.phone)
	acc.custIDMerchant = b.custIDMerchant
	code := randomHex(16)
	s.authCodes[code] = b.phone
	s.mu.Unlock()
	s.finish(w, r, b.successURL, url.Values{"authCode": {code}, "custIdMerchant": {b.custIDMerchant}}, "OVO account linked. authCode: "+code)
}

func (s *Sandbox) payPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	p, ok := s.payments[r.PathValue("ref")]
	var d pageData
	if ok {
		d = pageData{Intro: "Pay " + money.Format(p.amount) + " for " + p.partnerReferenceNo + " from OVO " + maskPhone(p.phone) + ".", Confirm: "Pay"}
		if p.status != doku.StatusInitiated {
			d.Done = "This payment is finished: " + p.statusDesc + "."
		}
	}
	s.mu.Unlock()
	if !ok {
		s.render(w, http.StatusNotFound, pageData{Done: "Unknown payment."})
		return
	}
	s.render(w, http.StatusOK, d)
}

func (s *Sandbox) paySubmit(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	p, ok := s.payments[r.PathValue("ref")]
	if !ok || p.status != doku.StatusInitiated {
		s.mu.Unlock()
		s.render(w, http.StatusNotFound, pageData{Done: "Unknown or finished payment."})
		return
	}
	pin := r.PostForm.Get("pin")
	acc := s.accountLocked(p.phone)
	switch {
	case r.PostForm.Get("action") == "cancel":
		p.status, p.statusDesc = doku.StatusCancelled, "Cancelled by customer"
	case pin == DeclinePIN:
		p.status, p.statusDesc = doku.StatusFailed, "Declined by OVO"
	case pin != SandboxPIN:
		p.tries++
		if p.tries < maxWrongInputs {
			intro := "Pay " + money.Format(p.amount) + " for " + p.partnerReferenceNo + "."
			s.mu.Unlock()
			s.render(w, http.StatusUnprocessableEntity, pageData{Intro: intro, Confirm: "Pay", Error: "Wrong PIN."})
			return
		}
		p.status, p.statusDesc = doku.StatusFailed, "Wrong PIN entered three times"
	case p.amount == FailingAmount:
		p.status, p.statusDesc = doku.StatusFailed, "Payment failed at OVO"
	case acc.balance < p.amount:
		p.status, p.statusDesc = doku.StatusFailed, "Insufficient balance"
	default:
		acc.balance -= p.amount
		p.status, p.statusDesc = doku.StatusSuccess, "Success"
	}
	p.notifyExternalID = randomDigits(20)
	snap := *p
	s.mu.Unlock()
	s.scheduleNotify(snap)
	if snap.status == doku.StatusSuccess {
		s.finish(w, r, snap.successURL, nil, "Payment successful.")
		return
	}
	s.finish(w, r, snap.failedURL, nil, "Payment not made: "+snap.statusDesc+".")
}

func (s *Sandbox) simulateBalance(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	phone := normalisePhone(r.PostForm.Get("phoneNo"))
	v, err := money.ParseDecimal(r.PostForm.Get("value"))
	if !validPhone(phone) || err != nil || v < 0 {
		http.Error(w, "phoneNo (62…) and value (whole rupiah) are required", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.accountLocked(phone).balance = v
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"phoneNo": phone, "balance": amountOf(v)})
}

func (s *Sandbox) simulateNotify(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	p, ok := s.byPartnerRef[r.PostForm.Get("partnerReferenceNo")]
	var snap payment
	if ok {
		snap = *p
	}
	s.mu.Unlock()
	switch {
	case !ok:
		http.Error(w, "unknown partnerReferenceNo", http.StatusNotFound)
	case !snap.status.Final():
		http.Error(w, "payment not finished yet", http.StatusConflict)
	default:
		s.scheduleNotify(snap)
		w.WriteHeader(http.StatusAccepted)
	}
}
