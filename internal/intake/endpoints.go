package intake

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"backoffice/internal/providers/ayopop"
	"backoffice/internal/providers/doku"
	"backoffice/internal/providers/faspay"
	"backoffice/internal/providers/oy"
)

// Endpoints lists every callback URL of PRODUCT.md with its handling.
func Endpoints(s *Secrets) []Endpoint {
	return []Endpoint{
		{Provider: "oy", Kind: "disbursement", Method: "POST", Path: "/callbacks/oy/disbursement", Label: "OY disbursement status", Media: jsonMedia, Token: true, handle: s.oyDisbursement},
		{Provider: "oy", Kind: "va", Method: "POST", Path: "/callbacks/oy/va", Label: "OY VA payment", Media: jsonMedia, Token: true, handle: s.oyVA},
		{Provider: "oy", Kind: "checkout", Method: "POST", Path: "/callbacks/oy/checkout", Label: "OY payment link / invoice", Media: jsonMedia, Token: true, handle: s.oyCheckout},
		{Provider: "faspay", Kind: "ovo-linkage", Method: "GET", Path: "/callbacks/faspay/ovo-linkage", Label: "Faspay OVO activation", Token: true, handle: s.faspayLinkage},
		{Provider: "faspay", Kind: "payment-notification", Method: "POST", Path: "/callbacks/faspay/payment-notification", Label: "Faspay payment notification", Media: faspayMedia, handle: s.faspayPayment},
		{Provider: "doku", Kind: "token", Method: "POST", Path: "/callbacks/doku/v1.0/access-token/b2b", Label: "DOKU token request", Media: jsonMedia, handle: s.dokuToken},
		{Provider: "doku", Kind: "debit-notify", Method: "POST", Path: "/callbacks/doku/v1.0/debit/notify", Label: "DOKU payment notification", Media: jsonMedia, handle: s.dokuNotify},
		{Provider: "ayopop", Kind: "topup", Method: "POST", Path: "/callbacks/ayopop", Label: "Ayopop top-up status", Media: jsonMedia, Token: true, handle: s.ayopop},
	}
}

// The body types the providers document for their callbacks.
var (
	jsonMedia   = []string{"application/json"}
	faspayMedia = []string{"application/json", "application/xml", "text/xml"}
)

// ackJSON is the 200 answer OY and Ayopop expect.
var ackJSON = mustJSON(map[string]string{"status": "received"})

func refused(status int, reason string) Outcome {
	return Outcome{Reason: reason, ReplyStatus: status, ReplyBody: mustJSON(map[string]string{"status": "refused", "reason": reason})}
}

// tokenGate checks the source IP and the ?token= secret of the unsigned
// providers (OY, Ayopop). A failed gate never reveals which check failed.
// verify is the provider package's constant-time check of the secret.
func (s *Secrets) tokenGate(provider string, r *Request, verify func(got string) error) (Outcome, bool) {
	if !s.ipAllowed(provider, r.SourceIP) {
		return refused(http.StatusForbidden, "source IP "+r.SourceIP+" is not on the "+provider+" allow-list"), false
	}
	got := r.Query.Get("token")
	if got == "" {
		return refused(http.StatusUnauthorized, "the URL carries no ?token= secret"), false
	}
	if verify(got) != nil {
		return refused(http.StatusUnauthorized, "the ?token= secret is wrong"), false
	}
	return Outcome{}, true
}

func (s *Secrets) verifyOYToken(got string) error { return oy.VerifyToken(got, s.OYToken) }

func (s *Secrets) verifyAyopopToken(got string) error {
	return ayopop.VerifyCallbackToken(s.AyopopToken, got)
}

// referenced is any parsed callback.
type referenced interface{ References() []string }

// withRefs keeps the references of a refused but readable request, so a
// clerk searching for a transaction also finds the forged or misdirected
// callbacks about it.
func withRefs[T referenced](o Outcome, cb T, parseErr error) Outcome {
	if parseErr == nil {
		o.Refs = cb.References()
	}
	return o
}

func malformedBody(err error) Outcome {
	return refused(http.StatusBadRequest, "the body could not be read: "+err.Error())
}

func (s *Secrets) oyDisbursement(r *Request) Outcome {
	cb, err := oy.ParseDisbursementCallback(r.Body)
	if o, ok := s.tokenGate("oy", r, s.verifyOYToken); !ok {
		return withRefs(o, cb, err)
	}
	if err != nil {
		return malformedBody(err)
	}
	return Outcome{Verified: true, Reason: "secret token matched; OY signs nothing, so the final state is confirmed with remit-status before it is applied",
		DedupKey: cb.DedupKey(), Refs: cb.References(), Subject: cb.PartnerTrxID, Parsed: cb, ReplyStatus: http.StatusOK, ReplyBody: ackJSON}
}

func (s *Secrets) oyVA(r *Request) Outcome {
	cb, err := oy.ParseVACallback(r.Body)
	if o, ok := s.tokenGate("oy", r, s.verifyOYToken); !ok {
		return withRefs(o, cb, err)
	}
	if err != nil {
		return malformedBody(err)
	}
	return Outcome{Verified: true, Reason: "secret token matched; OY signs nothing, so the payment is confirmed with the VA API before it is applied",
		DedupKey: cb.DedupKey(), Refs: cb.References(), Parsed: cb, ReplyStatus: http.StatusOK, ReplyBody: ackJSON}
}

func (s *Secrets) oyCheckout(r *Request) Outcome {
	cb, err := oy.ParseCheckoutCallback(r.Body)
	if o, ok := s.tokenGate("oy", r, s.verifyOYToken); !ok {
		return withRefs(o, cb, err)
	}
	if err != nil {
		return malformedBody(err)
	}
	return Outcome{Verified: true, Reason: "secret token matched; OY signs nothing, so the status is confirmed with payment-checkout/status before it is applied",
		DedupKey: cb.DedupKey(), Refs: cb.References(), Parsed: cb, ReplyStatus: http.StatusOK, ReplyBody: ackJSON}
}

func (s *Secrets) ayopop(r *Request) Outcome {
	cb, err := ayopop.ParseCallback(r.Body)
	if o, ok := s.tokenGate("ayopop", r, s.verifyAyopopToken); !ok {
		return withRefs(o, cb, err)
	}
	if err != nil {
		return malformedBody(err)
	}
	return Outcome{Verified: true, Reason: "secret token matched; Ayopop signs nothing, so the state is confirmed with bill/status before it is applied",
		DedupKey: cb.DedupKey(), Refs: cb.References(), Subject: cb.RefNumber, Parsed: cb, ReplyStatus: http.StatusOK, ReplyBody: ackJSON}
}

// faspayLinkage is the GET Faspay sends after an OVO activation. Faspay
// signs nothing here, so its URL carries its own ?token= secret
// (FASPAY_CALLBACK_TOKEN) besides the optional allow-list; a request that
// neither vouches for is refused, never shown as verified.
func (s *Secrets) faspayLinkage(r *Request) Outcome {
	cb, err := faspay.ParseActivationCallback(r.Query)
	if o, ok := s.tokenGate("faspay", r, s.verifyFaspayToken); !ok {
		return withRefs(o, cb, err)
	}
	if err != nil {
		return refused(http.StatusBadRequest, "the query could not be read: "+err.Error())
	}
	return Outcome{Verified: true, Reason: "secret token matched" + s.allowNote("faspay") + "; Faspay signs nothing on activation results",
		DedupKey: cb.DedupKey(), Refs: cb.References(), Subject: cb.PhoneNumber, Parsed: cb, ReplyStatus: http.StatusOK, ReplyBody: ackJSON}
}

func (s *Secrets) verifyFaspayToken(got string) error {
	if s.FaspayToken == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.FaspayToken)) != 1 {
		return errors.New("intake: wrong faspay token")
	}
	return nil
}

// allowNote says whether an allow-list also vouched for the source.
func (s *Secrets) allowNote(provider string) string {
	if len(s.AllowIPs[provider]) > 0 {
		return " and the source IP is on the " + provider + " allow-list"
	}
	return ""
}

func (s *Secrets) faspayPayment(r *Request) Outcome {
	n, err := faspay.ParsePaymentNotification(r.Header.Get("Content-Type"), r.Body)
	if !s.ipAllowed("faspay", r.SourceIP) {
		return withRefs(refused(http.StatusForbidden, "source IP "+r.SourceIP+" is not on the faspay allow-list"), n, err)
	}
	if err != nil {
		return malformedBody(err)
	}
	if err := faspay.VerifyPaymentNotification(n, s.FaspayUserID, s.FaspayPassword); err != nil {
		return Outcome{Reason: "signature check failed: " + err.Error(), ReplyStatus: http.StatusUnauthorized, Refs: n.References(),
			ReplyBody: mustJSON(map[string]string{"response": "Payment Notification", "response_code": "01", "response_desc": "Invalid signature"})}
	}
	reply := faspay.NewNotificationReply(n, r.Received).JSON()
	return Outcome{Verified: true, Reason: "signature sha1(md5(user_id+password+bill_no+payment_status_code)) matched",
		DedupKey: n.DedupKey(), Refs: n.References(), Parsed: n, ReplyStatus: http.StatusOK, ReplyBody: reply}
}

func (s *Secrets) dokuToken(r *Request) Outcome {
	if !s.ipAllowed("doku", r.SourceIP) {
		rep := doku.TokenErrorReply(doku.ErrBadClientID)
		return Outcome{Reason: "source IP " + r.SourceIP + " is not on the doku allow-list", ReplyStatus: http.StatusForbidden, ReplyBody: rep.Body, NoProcessing: true}
	}
	if err := doku.VerifyTokenRequest(r.Header, r.Body, s.DokuPublicKey, s.DokuClientID, r.Received); err != nil {
		rep := doku.TokenErrorReply(err)
		return Outcome{Reason: "token request refused: " + err.Error(), ReplyStatus: rep.HTTPStatus, ReplyBody: rep.Body, NoProcessing: true}
	}
	tok, err := s.DokuTokens.Issue(r.Received)
	if err != nil {
		return Outcome{Verified: true, Reason: "could not issue a token: " + err.Error(), ReplyStatus: http.StatusInternalServerError,
			ReplyBody: mustJSON(map[string]string{"responseCode": "5007300", "responseMessage": "General Error"}), NoProcessing: true}
	}
	body := doku.TokenReply(tok)
	stored := strings.Replace(string(body), tok.AccessToken, "REDACTED", 1)
	return Outcome{Verified: true, Reason: "SHA256withRSA signature over clientId|X-TIMESTAMP verified with DOKU's public key; token issued",
		ReplyStatus: http.StatusOK, ReplyBody: body, StoredReply: []byte(stored), NoProcessing: true}
}

func (s *Secrets) dokuNotify(r *Request) Outcome {
	// Parsed first only so a refused notification keeps its references.
	n, err := doku.ParseNotification(r.Header, r.Body)
	if !s.ipAllowed("doku", r.SourceIP) {
		rep := doku.NotificationErrorReply(doku.ErrInvalidToken)
		return withRefs(Outcome{Reason: "source IP " + r.SourceIP + " is not on the doku allow-list", ReplyStatus: http.StatusForbidden, ReplyBody: rep.Body}, n, err)
	}
	verifier := s.DokuNotifyVerify
	if verifier == nil {
		verifier = doku.HMACVerifier{Secret: s.DokuSecretKey}
	}
	signed, other, setting, otherSetting := r.Path, r.URI, "path", "uri"
	if s.DokuNotifySignsURI {
		signed, other, setting, otherSetting = r.URI, r.Path, "uri", "path"
	}
	how, verr := doku.VerifyNotificationMatch(r.Header, r.Method, signed, r.Body, s.DokuTokens, verifier, r.Received)
	if verr != nil {
		reason := "notification refused: " + verr.Error()
		if errors.Is(verr, doku.ErrBadSignature) && other != signed {
			if _, oerr := doku.VerifyNotificationMatch(r.Header, r.Method, other, r.Body, s.DokuTokens, verifier, r.Received); oerr == nil {
				reason += "; X-SIGNATURE does match over the " + signsWhat(otherSetting) + ", so DOKU_NOTIFY_SIGNS=" + setting +
					" is the wrong choice: set DOKU_NOTIFY_SIGNS=" + otherSetting
			}
		}
		rep := doku.NotificationErrorReply(verr)
		return withRefs(Outcome{Reason: reason, ReplyStatus: rep.HTTPStatus, ReplyBody: rep.Body}, n, err)
	}
	if err != nil {
		rep := doku.NotificationErrorReply(err)
		return Outcome{Reason: "the body could not be read: " + err.Error(), ReplyStatus: rep.HTTPStatus, ReplyBody: rep.Body}
	}
	ack := doku.NotificationAck()
	if how == "" {
		how = "the configured verifier"
	}
	return Outcome{Verified: true, Reason: "bearer token issued by us, fresh X-TIMESTAMP, X-SIGNATURE over the " + signsWhat(setting) + " verified with " + how,
		DedupKey: n.DedupKey(), Refs: n.References(), Parsed: n, ReplyStatus: ack.HTTPStatus, ReplyBody: ack.Body}
}

// signsWhat names a DOKU_NOTIFY_SIGNS choice in words.
func signsWhat(setting string) string {
	if setting == "uri" {
		return "request path and query"
	}
	return "request path"
}
