package doku

import "strings"

// Service codes: the middle two characters of a SNAP responseCode.
const (
	ServiceTokenB2B      = "73"
	ServiceTokenB2B2C    = "74"
	ServiceBinding       = "07"
	ServiceUnbinding     = "09"
	ServiceBalance       = "11"
	ServicePayment       = "54"
	ServicePaymentStatus = "55"
	ServiceNotify        = "56"
)

// codeMessages holds the full 7-character codes DOKU's pages and the
// contract notes name, each with a sentence for a finance clerk.
var codeMessages = map[string]string{
	"2007300": "DOKU issued an access token to the dashboard.",
	"2007400": "DOKU issued a token for the customer's linked OVO account.",
	"2000700": "DOKU started linking the OVO account; the customer must confirm on the OVO page.",
	"2000900": "DOKU unlinked the OVO account.",
	"2001100": "DOKU returned the OVO balance.",
	"2005400": "DOKU accepted the OVO payment; the customer must confirm it with the OVO PIN.",
	"2005500": "DOKU returned the payment status.",
	"2005600": "The payment notification was accepted.",
	"4017300": "DOKU rejected the dashboard's signature on the token request: check the DOKU client ID and private key.",
	"4017400": "DOKU refused to issue the customer token: the OVO link code is invalid or was already used.",
	"4007300": "DOKU refused the token request as malformed.",
	"4007400": "DOKU refused the customer token request as malformed.",
	"4090700": "This OVO account is already linked to another customer of the merchant.",
}

// caseMessages are the generic SNAP cases by HTTP status and case code; they
// hold for every service code.
var caseMessages = map[string]map[string]string{
	"200": {"00": "DOKU accepted the request."},
	"202": {"00": "DOKU is still processing the request; check its status before doing anything else."},
	"400": {
		"00": "DOKU refused the request as malformed; nothing was done.",
		"01": "DOKU says a field has the wrong format; nothing was done.",
		"02": "DOKU says a required field is missing; nothing was done.",
	},
	"401": {
		"00": "DOKU refused the request as unauthorised (signature or credentials); nothing was done.",
		"01": "DOKU says the dashboard's access token is invalid or expired; nothing was done.",
		"02": "DOKU says the customer's OVO link is no longer valid; the OVO account must be linked again.",
		"03": "DOKU does not know the dashboard's access token; nothing was done.",
		"04": "DOKU does not know the customer's OVO link; the OVO account must be linked again.",
	},
	"403": {
		"00": "DOKU says the transaction has expired.",
		"01": "DOKU says this feature is not enabled for the merchant.",
		"02": "The amount is above the OVO transaction limit.",
		"03": "DOKU refused the transaction as suspected fraud.",
		"04": "The customer has made too many transactions; try again later.",
		"05": "OVO declined the transaction (do not honour).",
		"06": "This feature is not available at this time; try again later.",
		"07": "The OVO account is blocked.",
		"08": "The OVO account or card has expired.",
		"09": "The OVO account is dormant.",
		"10": "The customer must set a limit for this OVO link first.",
		"11": "The customer's OTP is blocked after too many attempts.",
		"12": "The customer's OTP has expired.",
		"13": "An OTP was sent to the customer; the customer must confirm it.",
		"14": "The customer's OVO balance is not enough for this payment.",
		"15": "OVO does not permit this transaction for the customer.",
		"16": "The transaction is suspended.",
		"17": "The limit on this OVO link has been reached.",
		"18": "The OVO account or customer is inactive.",
		"19": "The merchant is blacklisted at DOKU.",
		"20": "The merchant's limit at DOKU has been exceeded.",
		"21": "Setting a limit is not allowed for this account.",
		"22": "The limit on this OVO link is invalid.",
		"23": "The OVO account's limit has been exceeded.",
	},
	"404": {
		"00": "DOKU says the transaction is in a state that does not allow this.",
		"01": "DOKU cannot find the transaction.",
		"02": "DOKU could not route the request.",
		"03": "This wallet is not supported.",
		"04": "The transaction was cancelled.",
		"05": "The merchant is not registered for OVO account linking at DOKU.",
		"06": "The customer must request an OTP first.",
		"07": "DOKU cannot find this step of the process.",
		"08": "DOKU does not recognise the merchant.",
		"09": "No issuer was found for this account.",
		"10": "The request came in the wrong order for this process.",
		"11": "OVO does not know this account or customer (check the phone number).",
		"12": "DOKU does not know this bill.",
		"13": "DOKU refused the amount.",
		"14": "This bill has already been paid.",
		"15": "The customer's OTP is wrong.",
		"16": "DOKU does not know this partner (client ID).",
		"17": "DOKU does not know this terminal.",
		"18": "The request does not match an earlier request with the same reference.",
		"19": "The bill has expired.",
	},
	"405": {
		"00": "DOKU does not support this function.",
		"01": "DOKU does not allow this operation.",
	},
	"409": {
		"00": "DOKU reports a conflict with an earlier request.",
		"01": "This payment reference was already used; check the earlier payment's status before trying again.",
	},
	"429": {"00": "Too many requests to DOKU; try again in a moment."},
	"500": {
		"00": "DOKU had a general error; the result is unknown until the status is checked.",
		"01": "DOKU had an internal error; the result is unknown until the status is checked.",
		"02": "OVO (behind DOKU) had an error; the result is unknown until the status is checked.",
	},
	"504": {"00": "DOKU timed out; the result is unknown until the status is checked."},
}

// Describe returns the clerk sentence for a responseCode: the exact code if
// listed, else the generic SNAP case for its HTTP status, else a sentence by
// the status class.
func Describe(code string) string {
	if m, ok := codeMessages[code]; ok {
		return m
	}
	if len(code) == 7 {
		if m, ok := caseMessages[code[:3]][code[5:]]; ok {
			return m
		}
	}
	return describeStatus(statusPrefix(code))
}

func describeStatus(status string) string {
	switch {
	case strings.HasPrefix(status, "2"):
		return "DOKU answered with an unlisted success code."
	case status == "401" || status == "403":
		return "DOKU refused the request; nothing was done."
	case strings.HasPrefix(status, "4"):
		return "DOKU refused the request with an unlisted error; nothing was done."
	case strings.HasPrefix(status, "5"):
		return "DOKU had an error; the result is unknown until the status is checked."
	}
	return "DOKU answered with an unrecognised code; the result is unknown until the status is checked."
}

// statusPrefix is the HTTP-status part of a 7-character code, or "" when the
// code has no such part.
func statusPrefix(code string) string {
	if len(code) < 3 {
		return ""
	}
	for _, r := range code[:3] {
		if r < '0' || r > '9' {
			return ""
		}
	}
	return code[:3]
}

// caseOf returns the case part of a 7-character code.
func caseOf(code string) string {
	if len(code) != 7 {
		return ""
	}
	return code[5:]
}

// Code builds a responseCode from its parts: Code(401, ServiceTokenB2B, "00") == "4017300".
func Code(httpStatus int, service, caseCode string) string {
	return itoa3(httpStatus) + service + caseCode
}

func itoa3(n int) string {
	if n < 100 || n > 999 {
		return "500"
	}
	return string([]byte{byte('0' + n/100), byte('0' + n/10%10), byte('0' + n%10)})
}

// TransactionStatus is latestTransactionStatus in a notification (generic
// SNAP list; unconfirmed for DOKU).
type TransactionStatus string

const (
	StatusSuccess   TransactionStatus = "00"
	StatusInitiated TransactionStatus = "01"
	StatusPaying    TransactionStatus = "02"
	StatusPending   TransactionStatus = "03"
	StatusRefunded  TransactionStatus = "04"
	StatusCancelled TransactionStatus = "05"
	StatusFailed    TransactionStatus = "06"
	StatusNotFound  TransactionStatus = "07"
)

// Description is a clerk's word for the status.
func (s TransactionStatus) Description() string {
	switch s {
	case StatusSuccess:
		return "Paid"
	case StatusInitiated:
		return "Started"
	case StatusPaying:
		return "Being paid"
	case StatusPending:
		return "Pending"
	case StatusRefunded:
		return "Refunded"
	case StatusCancelled:
		return "Cancelled"
	case StatusFailed:
		return "Failed"
	case StatusNotFound:
		return "Not found"
	}
	return "Unknown status " + string(s)
}

// Final reports whether the status will not change any more.
func (s TransactionStatus) Final() bool {
	switch s {
	case StatusSuccess, StatusRefunded, StatusCancelled, StatusFailed, StatusNotFound:
		return true
	}
	return false
}
