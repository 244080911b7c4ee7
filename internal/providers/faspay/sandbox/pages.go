package sandbox

import (
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"backoffice/internal/providers/faspay"
)

var pageTmpl = template.Must(template.New("ovo").Parse(`<!doctype html>
<html lang="id"><head><meta charset="utf-8"><title>OVO (sandbox)</title>
<style>body{font-family:sans-serif;max-width:26rem;margin:2rem auto;padding:1rem;border:1px solid #4c2a86;border-radius:8px}
h1{color:#4c2a86;font-size:1.3rem}.err{color:#b00020}label{display:block;margin:.6rem 0}</style></head>
<body data-testid="ovo-sandbox-{{.Kind}}">
<h1>OVO · {{.Title}}</h1>
<p><small>Faspay sandbox. OTP and PIN are both 123456.</small></p>
{{if .Phone}}<p>Phone: <strong>{{.Phone}}</strong></p>{{end}}
{{if .Amount}}<p>Amount: <strong data-testid="amount">{{.Amount}}</strong></p>{{end}}
{{if .Error}}<p class="err" data-testid="error">{{.Error}}</p>{{end}}
{{if .Done}}<p data-testid="result">{{.Done}}</p>{{if .ReturnURL}}<p><a href="{{.ReturnURL}}">Back to the merchant</a></p>{{end}}
{{else}}<form method="post" action="{{.Action}}">
<input type="hidden" name="session" value="{{.Session}}"><input type="hidden" name="return_url" value="{{.ReturnURL}}">
{{if .AskOTP}}<label>OTP <input name="otp" inputmode="numeric" autocomplete="one-time-code"></label>{{end}}
<label>PIN <input name="pin" type="password" inputmode="numeric"></label>
<button name="action" value="confirm">Confirm</button> <button name="action" value="cancel">Cancel</button>
</form>{{end}}
</body></html>`))

type pageData struct {
	Kind, Title, Phone, Amount, Error, Done, Action, Session, ReturnURL string
	AskOTP                                                              bool
}

var pageTitles = map[string]string{
	"activation": "Link your OVO account",
	"payment":    "Confirm payment",
	"regenerate": "Renew payment token",
}

func (s *Sandbox) render(w http.ResponseWriter, status int, d pageData) {
	d.Title = pageTitles[d.Kind]
	d.Action = "./" + d.Kind
	d.AskOTP = d.Kind == "activation"
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, d)
}

// returnURL accepts only absolute http(s) URLs, falling back to Options.ReturnURL.
func (s *Sandbox) returnURL(v string) string {
	if u, err := url.Parse(v); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
		return v
	}
	return s.opts.ReturnURL
}

// lookup returns the live session, with s.mu held by the caller.
func (s *Sandbox) lookupLocked(kind, tok string) *session {
	sess, ok := s.sessions[tok]
	if !ok || sess.kind != kind || s.opts.Now().After(sess.expires) {
		return nil
	}
	return sess
}

func (s *Sandbox) showPage(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	if _, ok := pageTitles[kind]; !ok {
		http.NotFound(w, r)
		return
	}
	tok := r.URL.Query().Get("session")
	d := pageData{Kind: kind, Session: tok, ReturnURL: s.returnURL(r.URL.Query().Get("return_url"))}
	s.mu.Lock()
	sess := s.lookupLocked(kind, tok)
	if sess != nil {
		d.Phone = sess.phone
		if p := s.payments[sess.trxID]; p != nil {
			d.Amount = "Rp " + strconv.FormatInt(p.amount, 10)
		}
	}
	s.mu.Unlock()
	if sess == nil {
		d.Done = "This OVO link is no longer valid."
		s.render(w, http.StatusNotFound, d)
		return
	}
	s.render(w, http.StatusOK, d)
}

func (s *Sandbox) submitPage(w http.ResponseWriter, r *http.Request) {
	kind := r.PathValue("kind")
	if _, ok := pageTitles[kind]; !ok {
		http.NotFound(w, r)
		return
	}
	tok := r.PostFormValue("session")
	d := pageData{Kind: kind, Session: tok, ReturnURL: s.returnURL(r.PostFormValue("return_url"))}
	cancel := r.PostFormValue("action") == "cancel"
	otp, pin := strings.TrimSpace(r.PostFormValue("otp")), strings.TrimSpace(r.PostFormValue("pin"))

	s.mu.Lock()
	sess := s.lookupLocked(kind, tok)
	if sess == nil {
		s.mu.Unlock()
		d.Done = "This OVO link is no longer valid."
		s.render(w, http.StatusNotFound, d)
		return
	}
	d.Phone = sess.phone
	var p *payment
	if kind == "payment" {
		p = s.payments[sess.trxID]
		d.Amount = "Rp " + strconv.FormatInt(p.amount, 10)
	}
	switch {
	case cancel:
		delete(s.sessions, tok)
		switch kind {
		case "activation":
			s.activationCallbackLocked(sess.phone, faspay.CodeFailed, "Failed")
			d.Done = "Linking cancelled."
		case "payment":
			p.done = true
			s.notifyLocked(p, faspay.StatusCancelled, "Payment Cancelled", "")
			d.Done = "Payment cancelled."
		default:
			d.Done = "Cancelled."
		}
	case kind == "activation" && otp != OTP:
		d.Error = "Wrong OTP. Try again."
	case pin != PIN:
		d.Error = "Wrong PIN. Try again."
	default:
		delete(s.sessions, tok)
		switch kind {
		case "activation":
			s.link(sess.phone)
			s.activationCallbackLocked(sess.phone, faspay.CodeSuccess, "Success")
			d.Done = "Your OVO account is linked."
		case "payment":
			p.done = true
			status, desc := s.settleLocked(p)
			reff := ""
			if status == faspay.StatusSuccess {
				reff = "OVO" + p.trxID
				d.Done = "Payment successful."
			} else {
				d.Done = "Payment failed: " + desc + "."
			}
			s.notifyLocked(p, status, desc, reff)
		case "regenerate":
			delete(s.expired, sess.phone)
			d.Done = "Payment token renewed. Please pay again."
		}
	}
	s.mu.Unlock()
	if d.Error != "" {
		s.render(w, http.StatusUnprocessableEntity, d)
		return
	}
	if d.ReturnURL != "" {
		http.Redirect(w, r, d.ReturnURL, http.StatusSeeOther)
		return
	}
	s.render(w, http.StatusOK, d)
}
