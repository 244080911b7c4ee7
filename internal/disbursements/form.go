package disbursements

import (
	"net/mail"
	"strings"
	"unicode/utf8"

	"backoffice/internal/money"
	"backoffice/internal/providers/oy"
)

// MinAmount is OY's smallest transfer.
const MinAmount = 10_000

// MaxEmails is how many addresses OY notifies.
const MaxEmails = 5

// Form is the new-disbursement form as typed, field by field.
type Form struct {
	Bank, Account, Amount, Note, Emails string
}

// Parsed is a valid form.
type Parsed struct {
	Bank, Account string
	Amount        int64
	Note          string
	Emails        []string
}

// Validate checks every field and returns a sentence per bad field.
func (f Form) Validate() (Parsed, map[string]string) {
	errs := map[string]string{}
	p := Parsed{Bank: strings.TrimSpace(f.Bank), Account: strings.TrimSpace(f.Account), Note: strings.TrimSpace(f.Note)}
	if p.Bank == "" {
		errs["recipient_bank"] = "Choose the recipient's bank or e-wallet."
	} else if _, ok := oy.LookupBank(p.Bank); !ok {
		errs["recipient_bank"] = "OY does not list bank code " + p.Bank + ". Choose a bank from the list."
	}
	switch {
	case p.Account == "":
		errs["recipient_account"] = "Enter the account number."
	case strings.Trim(p.Account, "0123456789") != "":
		errs["recipient_account"] = "Use digits only: no spaces, dots or dashes."
	case len(p.Account) < 5 || len(p.Account) > 34:
		errs["recipient_account"] = "An account number has 5 to 34 digits."
	}
	amount, err := money.ParseInput(f.Amount)
	switch {
	case strings.TrimSpace(f.Amount) == "":
		errs["amount"] = "Enter the amount in rupiah."
	case err != nil:
		errs["amount"] = "Use whole rupiah, like 1.250.000 or 1250000 — no decimals or commas."
	case amount < MinAmount:
		errs["amount"] = "OY's smallest transfer is Rp 10.000."
	case amount > 100_000_000_000:
		errs["amount"] = "That amount is beyond any single transfer."
	default:
		p.Amount = amount
	}
	if utf8.RuneCountInString(p.Note) > 255 {
		errs["note"] = "Use at most 255 characters."
	}
	for _, e := range strings.FieldsFunc(f.Emails, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }) {
		a, err := mail.ParseAddress(e)
		if err != nil || a.Address != e {
			errs["email"] = e + " is not an email address."
			break
		}
		p.Emails = append(p.Emails, e)
	}
	if len(p.Emails) > MaxEmails {
		errs["email"] = "OY notifies at most five addresses."
	}
	return p, errs
}
