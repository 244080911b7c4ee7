package faspay

import (
	"strings"

	"backoffice/internal/providers/provider"
)

// Response codes listed in the OVO Tokenize page.
const (
	CodeSuccess      = "00"
	CodeFailed       = "01"
	CodeTokenExpired = "02"
)

type codeInfo struct {
	message string
	outcome provider.Outcome
}

// codes maps every response_code the docs list to a clerk sentence.
var codes = map[string]codeInfo{
	CodeSuccess:      {"Faspay accepted the request.", 0},
	CodeFailed:       {"Faspay refused the request; nothing was charged.", provider.Rejected},
	CodeTokenExpired: {"The customer's OVO payment token has expired; nothing was charged. Send the customer to the renewal link, then try the payment again.", provider.Rejected},
}

// failedHints refine code 01 from its response_desc. Faspay does not publish
// these texts (unconfirmed); they match what the sandbox sends and common
// wording, and fall back to the generic 01 sentence.
var failedHints = []struct {
	keyword string
	message string
}{
	{"signature", "Faspay rejected the request signature: check the Faspay user id and password in the settings. Nothing was charged."},
	{"merchant", "Faspay does not recognise this merchant id: check the Faspay merchant settings. Nothing was charged."},
	{"not linked", "This OVO account is not linked to the merchant (or was unlinked). Link it again first. Nothing was charged."},
	{"not registered", "This phone number has no OVO account. Nothing was done."},
	{"insufficient", "The customer's OVO balance is too low for this payment. Nothing was charged."},
	{"duplicate", "This bill number was already used for another payment. Nothing new was charged; check the earlier payment."},
	{"channel", "Faspay does not accept this payment channel for the merchant. Nothing was charged."},
	{"phone", "Faspay rejected the phone number; check it is an OVO number like 0812xxxxxxx. Nothing was done."},
}

// NormalizeCode turns "0", "1", "2" (the JSON activation sample sends "0")
// into the two-digit codes the tables use.
func NormalizeCode(code string) string {
	code = strings.TrimSpace(code)
	if len(code) == 1 && code[0] >= '0' && code[0] <= '9' {
		return "0" + code
	}
	return code
}

// clerkMessage returns the sentence and outcome for a non-success code.
func clerkMessage(code, desc string) (string, provider.Outcome) {
	if code == CodeFailed {
		d := strings.ToLower(desc)
		for _, h := range failedHints {
			if strings.Contains(d, h.keyword) {
				return h.message, provider.Rejected
			}
		}
	}
	if info, ok := codes[code]; ok && code != CodeSuccess {
		return info.message, info.outcome
	}
	// An unknown code is not a documented refusal: treat it as unknown so a
	// payment is checked before anyone retries it.
	return "Faspay answered with a code this dashboard does not know; check the transaction history before trying again.", provider.Unknown
}
