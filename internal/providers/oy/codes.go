package oy

import (
	"fmt"

	"backoffice/internal/i18n"
	"backoffice/internal/providers/provider"
)

// CodeInfo describes one OY status code.
type CodeInfo struct {
	Code    string
	Name    string // OY's constant where the docs give one, e.g. BANK_ACCOUNT_NOT_FOUND
	Meaning string // OY's wording from the response-code table
	Final   bool   // false: the state can still change (money may still move)
	Success bool
	Clerk   string // sentence for the finance clerk
	// Resend: the same request may be sent again with the SAME partner_trx_id.
	Resend bool
}

// Outcome is what a failed request with this code means for the money.
func (ci CodeInfo) Outcome() provider.Outcome {
	switch {
	case ci.Code == "101" || ci.Code == "102" || ci.Code == "301" || ci.Code == "257":
		return provider.Pending
	case ci.Final:
		return provider.Rejected
	default:
		return provider.Unknown
	}
}

// disbursementCodes is the "Fund Disbursement Response Codes" table of the
// OY page plus the codes CONTRACT-NOTES.md adds from OY's newer docs.
var disbursementCodes = map[string]CodeInfo{
	"000": {Name: "SUCCESS", Meaning: "Disbursement Request has been completed (success)", Final: true, Success: true,
		Clerk: "The money has reached the recipient's account."},
	"101": {Name: "PROCESSED", Meaning: "Request is Processed",
		Clerk: "OY has accepted the disbursement and is sending it; wait for the final status."},
	"102": {Name: "IN_PROGRESS", Meaning: "Request is In Progress",
		Clerk: "The bank is still processing this disbursement; wait for the final status."},
	"201": {Name: "USER_IS_NOT_FOUND", Meaning: "Request is Rejected (User ID is not Found)", Final: true,
		Clerk: "OY does not recognise our username; check the OY credentials in Settings."},
	"202": {Name: "USER_IS_NOT_ACTIVE", Meaning: "Request is Rejected (User ID is not Active)", Final: true,
		Clerk: "Our OY account is not active; contact OY before trying again."},
	"203": {Name: "DUPLICATE_PARTNER_TX_ID", Meaning: "Request is Rejected (Duplicate Partner Tx ID)", Final: true,
		Clerk: "A disbursement with this reference was already sent to OY; check its status instead of sending it again."},
	"204": {Name: "TX_ID_NOT_FOUND", Meaning: "Request is Rejected (Partner Tx ID is Not Found)", Final: true,
		Clerk: "OY has no disbursement with this reference."},
	"205": {Name: "BANK_CODE_NOT_FOUND", Meaning: "Request is Rejected (Beneficiary Bank Code is Not Supported)", Final: true,
		Clerk: "OY does not support this bank for disbursements; choose another bank code."},
	"206": {Name: "BALANCE_NOT_ENOUGH", Meaning: "Request is Rejected (Partner Deposit Balance is Not Enough)", Final: true,
		Clerk: "Our OY balance is too low for this disbursement; top up the OY deposit first."},
	"207": {Name: "IP_NOT_REGISTERED", Meaning: "Request is Rejected (Request IP Address is not Registered)", Final: true,
		Clerk: "OY refused the request because this server's IP address is not registered with OY."},
	"208": {Name: "API_KEY_NOT_VALID", Meaning: "Request is Rejected (API Key is not Valid)", Final: true,
		Clerk: "OY refused our API key; check the OY credentials in Settings."},
	"209": {Name: "BANK_ACCOUNT_NOT_FOUND", Meaning: "Request is Rejected (Bank Account is not found)", Final: true,
		Clerk: "The bank says this account number does not exist."},
	"210": {Name: "AMOUNT_NOT_VALID", Meaning: "Request is Rejected (Amount is not valid)", Final: true,
		Clerk: "OY refused the amount; a disbursement must be whole rupiah and at least Rp 10.000."},
	"211": {Meaning: "Request is Rejected (Bank Account is not allowed)", Final: true,
		Clerk: "The bank does not allow transfers to this account."},
	"212": {Meaning: "Request is Rejected (Amount is lower than allowed)", Final: true,
		Clerk: "The amount is below the minimum OY allows."},
	"213": {Meaning: "Request is Rejected (reason not documented)", Final: true,
		Clerk: "OY rejected the request (code 213); nothing was sent. Contact OY if it happens again."},
	"214": {Meaning: "Request is Rejected", Final: true,
		Clerk: "OY rejected the request (code 214); nothing was sent."},
	"215": {Meaning: "Request is Rejected (Max amount per transaction exceed for disburse)", Final: true,
		Clerk: "The amount is above OY's limit for one transfer; split it into smaller disbursements."},
	"216": {Meaning: "Request is Rejected (Id is empty)", Final: true,
		Clerk: "OY rejected the request because an id was missing."},
	"217": {Meaning: "Request is Rejected (still active)", Final: true,
		Clerk: "OY rejected the request because an earlier one is still active."},
	"225": {Meaning: "Request is Rejected (Over limit)", Final: true,
		Clerk: "The amount is over our OY transfer limit; try a smaller amount or ask OY to raise the limit."},
	"257": {Meaning: "Request is Rejected (Same ID is still in process)",
		Clerk: "OY is still processing an earlier request with this reference; check its status, do not send it again."},
	"264": {Meaning: "Request is Rejected (Bank routing is not available)", Final: true,
		Clerk: "OY cannot route money to this bank right now; nothing was sent, try again later."},
	"300": {Name: "FAILED", Meaning: "Disbursement is FAILED", Final: true,
		Clerk: "The disbursement failed; the money stays in our OY balance."},
	"301": {Name: "SUSPECT", Meaning: "Pending (When there is a unclear answer from Banks Network)",
		Clerk: "The bank network gave an unclear answer; OY is checking. Do not send it again; wait for the final status."},
	"429": {Meaning: "Request is Rejected (Too many requests)", Final: true,
		Clerk: "OY is limiting our requests; wait a minute and try again."},
	"504": {Meaning: "Unknown (Gateway timeout)", Resend: true,
		Clerk: "OY did not get a timely answer; the disbursement may or may not have gone through. Check its status; resend only with the same reference."},
	"990": {Name: "INVALID_PARAMETER", Meaning: "Request is Rejected (Request Parameter is not Valid)", Final: true,
		Clerk: "OY refused the request because a field is missing or invalid."},
	"999": {Name: "INTERNAL_SERVER_ERROR", Meaning: "Internal Server Error", Resend: true,
		Clerk: "OY had an internal error; the disbursement may or may not have gone through. Check its status before doing anything else."},
}

// vaCodes overrides the codes whose meaning differs in the "VA Aggregator
// Response Codes" table.
var vaCodes = map[string]CodeInfo{
	// 204 for an unknown VA id is what the sandbox answers; OY's VA table
	// does not list a not-found code (unconfirmed).
	"204": {Meaning: "Request is Rejected (VA is not found)", Final: true,
		Clerk: "OY has no virtual account with this id."},
	"211": {Meaning: "Request is Rejected (Bank code is not available for this service)", Final: true,
		Clerk: "OY cannot create virtual accounts at this bank; choose another bank."},
	"212": {Meaning: "Request is Rejected (Given amount are lesser than allowed value for static va)", Final: true,
		Clerk: "The amount is below the minimum OY allows for a virtual account."},
	"214": {Meaning: "Request is Rejected (Failed to generate static va)", Final: true,
		Clerk: "OY could not create the virtual account; nothing was created, try again later."},
	"216": {Meaning: "Request is Rejected (VA Id is empty)", Final: true,
		Clerk: "The virtual account id is missing."},
	"217": {Meaning: "Request is Rejected (VA Number is still active for this partner user id)", Final: true,
		Clerk: "This customer already has an active virtual account at this bank."},
	"999": {Name: "INTERNAL_SERVER_ERROR", Meaning: "Internal Server Error",
		Clerk: "OY had an internal error; the virtual account may or may not have been changed. Check it before trying again."},
}

// Describe returns what a disbursement code means. Unknown codes are never
// final: an unknown answer must be checked, not trusted.
func Describe(code string) CodeInfo {
	if ci, ok := disbursementCodes[code]; ok {
		ci.Code = code
		return ci
	}
	return CodeInfo{Code: code, Meaning: "Unknown code",
		Clerk: "OY answered with a code this dashboard does not know (" + code + "); check the status before acting."}
}

// DescribeVA returns what a VA aggregator code means.
func DescribeVA(code string) CodeInfo {
	if ci, ok := vaCodes[code]; ok {
		ci.Code = code
		return ci
	}
	return Describe(code)
}

// IsFinal reports whether a disbursement code is final: the money will not
// move any more because of this request.
func IsFinal(code string) bool { return Describe(code).Final }

// Succeeded reports whether the code says the disbursement completed.
func Succeeded(code string) bool { return code == "000" }

// Failed reports whether the code is final and not a success.
func Failed(code string) bool { ci := Describe(code); return ci.Final && !ci.Success }

// ClerkMessage is the sentence for a disbursement code, in English: for
// logs and the timeline lines the dashboard stores.
func ClerkMessage(code string) string { return Describe(code).Clerk }

// ClerkText is the sentence for a disbursement code to be shown to a clerk
// in their language: the catalogue's "oy.code_<code>" (its English text is
// the table's Clerk), or "oy.code_unknown" naming a code OY has not
// documented.
func ClerkText(code string) i18n.Message {
	if _, ok := disbursementCodes[code]; ok {
		return i18n.M(fmt.Sprintf("oy.code_%s", code))
	}
	return i18n.M("oy.code_unknown", "Code", code)
}

// ClerkTextOf is the clerk's sentence carried by a provider error: the
// translated sentence of its OY code when the error says what the table
// says for that code, otherwise its own words as they are.
func ClerkTextOf(e *provider.Error) i18n.Message {
	if e.Code != "" && e.Message == ClerkMessage(e.Code) {
		return ClerkText(e.Code)
	}
	return i18n.M("oy.as_written", "Text", e.Message)
}

// Codes lists every documented disbursement code, for settings pages and tests.
func Codes() []string {
	out := make([]string, 0, len(disbursementCodes))
	for c := range disbursementCodes {
		out = append(out, c)
	}
	sortStrings(out)
	return out
}
