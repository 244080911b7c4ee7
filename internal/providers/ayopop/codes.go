package ayopop

import (
	"fmt"
	"time"
)

// StatusCheckDelay is how long Ayopop advises to wait before asking
// /bill/status again about a payment that is processing or unknown.
const StatusCheckDelay = 150 * time.Second

// Response codes the page documents.
const (
	CodeSuccess        = 0   // payment / status: the top-up went through
	CodeProcessing     = 299 // payment: accepted, still processing
	CodeInquirySuccess = 300 // inquiry: the account and amount are valid
)

// Codes the built-in sandbox answers with. Ayopop's page names only 0, 299
// and 300; these numbers follow the (unconfirmed) ranges in
// CONTRACT-NOTES.md so the sandbox can exercise every branch of the client.
const (
	CodeTopUpFailed         = 101 // failed range: the biller refused the top-up
	CodeInsufficientBalance = 102 // failed range: partner deposit too low
	CodeAccountNotFound     = 301 // inquiry failed: phone number has no OVO account
	CodeProductNotFound     = 302 // inquiry failed: unknown or inactive product code
	CodeAmountInvalid       = 303 // inquiry failed: amount outside the product's limits
	CodeInquiryNotFound     = 304 // inquiry failed: payment without a matching inquiry
	CodeDuplicateRefNumber  = 305 // inquiry failed: refNumber already used
	CodeBadRequest          = 306 // inquiry failed: missing or malformed parameter
	CodeInvalidKey          = 401 // KEY header missing or wrong
	CodeInvalidToken        = 402 // TOKEN missing, not HS256 or badly signed
	CodePartnerMismatch     = 403 // partnerId in the TOKEN is not the KEY's partner
	CodeTransactionNotFound = 404 // status: no transaction with this refNumber
	CodeUnsupportedVersion  = 405 // VERSION header is not 1.0
)

// Class groups response codes by what they mean for the money.
type Class int

const (
	ClassUnknown       Class = iota // outside every documented range: not final
	ClassSuccess                    // 0–99
	ClassFailed                     // 100–199 (unconfirmed as final, see FailureIsFinal)
	ClassPending                    // 200–299
	ClassInquiryOK                  // 300
	ClassInquiryFailed              // 301–399
)

func (c Class) String() string {
	switch c {
	case ClassSuccess:
		return "success"
	case ClassFailed:
		return "failed"
	case ClassPending:
		return "pending"
	case ClassInquiryOK:
		return "inquiry ok"
	case ClassInquiryFailed:
		return "inquiry failed"
	}
	return "unknown"
}

// FailureIsFinal says whether a code in the failed range (100–199) may be
// treated as "no money moved". CONTRACT-NOTES.md marks the ranges as
// unconfirmed, so until Ayopop confirms it in writing every code other than
// 0 on a payment or status call is treated as not final. Change it here only.
const FailureIsFinal = false

// Classify places a response code in its (partly unconfirmed) range.
func Classify(code int) Class {
	switch {
	case code >= 0 && code <= 99:
		return ClassSuccess
	case code >= 100 && code <= 199:
		return ClassFailed
	case code >= 200 && code <= 299:
		return ClassPending
	case code == 300:
		return ClassInquiryOK
	case code >= 301 && code <= 399:
		return ClassInquiryFailed
	}
	return ClassUnknown
}

// codeMessages are the sentences a finance clerk reads for each code.
var codeMessages = map[int]string{
	CodeSuccess:             "Ayopop says the OVO top-up was successful.",
	CodeProcessing:          "Ayopop has accepted the top-up and is still processing it.",
	CodeInquirySuccess:      "Ayopop confirmed the OVO account and the amount.",
	CodeTopUpFailed:         "Ayopop reports that OVO refused the top-up.",
	CodeInsufficientBalance: "Ayopop reports that our Ayopop deposit is too low for this top-up.",
	CodeAccountNotFound:     "OVO says this phone number has no OVO account.",
	CodeProductNotFound:     "Ayopop does not offer this product code (or it is switched off).",
	CodeAmountInvalid:       "The amount is outside what this OVO product accepts.",
	CodeInquiryNotFound:     "Ayopop has no matching inquiry for this payment: make a new inquiry first.",
	CodeDuplicateRefNumber:  "Ayopop already has a top-up with this reference number: check its status instead of paying again.",
	CodeBadRequest:          "Ayopop says a field of the request is missing or has the wrong format.",
	CodeInvalidKey:          "Ayopop refused our API key: check AYOPOP_API_KEY.",
	CodeInvalidToken:        "Ayopop refused the request signature: check AYOPOP_SECRET.",
	CodePartnerMismatch:     "Ayopop says the partner ID does not belong to this API key: check AYOPOP_PARTNER_ID.",
	CodeTransactionNotFound: "Ayopop has no top-up with this reference number.",
	CodeUnsupportedVersion:  "Ayopop does not support the API version we sent.",
}

var classMessages = map[Class]string{
	ClassSuccess:       "Ayopop reports success",
	ClassFailed:        "Ayopop reports that the transaction failed",
	ClassPending:       "Ayopop says the transaction is still pending",
	ClassInquiryOK:     "Ayopop accepted the inquiry",
	ClassInquiryFailed: "Ayopop refused the inquiry",
	ClassUnknown:       "Ayopop answered with a code we do not know",
}

// CodeMessage returns the clerk sentence for a response code, falling back
// to the sentence of its range and then to a generic one.
func CodeMessage(code int) string {
	if m, ok := codeMessages[code]; ok {
		return m
	}
	return fmt.Sprintf("%s (code %d).", classMessages[Classify(code)], code)
}

// notFinalAdvice is appended to every payment/status answer that is not final.
const notFinalAdvice = " This is not a final answer: do not pay again; ask Ayopop for the status again in 150 seconds."
