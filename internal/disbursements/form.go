package disbursements

import (
	"net/mail"
	"strings"
	"unicode/utf8"

	"backoffice/internal/i18n"
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

// Validate checks every field and returns a sentence per bad field, to be
// shown in the reader's language (its String is English).
func (f Form) Validate() (Parsed, map[string]i18n.Message) {
	errs := map[string]i18n.Message{}
	p := Parsed{Bank: strings.TrimSpace(f.Bank), Account: strings.TrimSpace(f.Account), Note: strings.TrimSpace(f.Note)}
	if p.Bank == "" {
		errs["recipient_bank"] = i18n.M("disb.err_bank_empty")
	} else if _, ok := oy.LookupBank(p.Bank); !ok {
		errs["recipient_bank"] = i18n.M("disb.err_bank_unknown", "Code", p.Bank)
	}
	switch {
	case p.Account == "":
		errs["recipient_account"] = i18n.M("disb.err_account_empty")
	case strings.Trim(p.Account, "0123456789") != "":
		errs["recipient_account"] = i18n.M("disb.err_account_digits")
	case len(p.Account) < 5 || len(p.Account) > 34:
		errs["recipient_account"] = i18n.M("disb.err_account_length")
	}
	amount, err := money.ParseInput(f.Amount)
	switch {
	case strings.TrimSpace(f.Amount) == "":
		errs["amount"] = i18n.M("disb.err_amount_empty")
	case err != nil:
		errs["amount"] = i18n.M("disb.err_amount_format")
	case amount < MinAmount:
		errs["amount"] = i18n.M("disb.err_amount_min")
	case amount > 100_000_000_000:
		errs["amount"] = i18n.M("disb.err_amount_max")
	default:
		p.Amount = amount
	}
	if utf8.RuneCountInString(p.Note) > 255 {
		errs["note"] = i18n.M("disb.err_note_long")
	}
	for _, e := range strings.FieldsFunc(f.Emails, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }) {
		a, err := mail.ParseAddress(e)
		if err != nil || a.Address != e {
			errs["email"] = i18n.M("disb.err_email", "Address", e)
			break
		}
		p.Emails = append(p.Emails, e)
	}
	if len(p.Emails) > MaxEmails {
		errs["email"] = i18n.M("disb.err_email_many")
	}
	return p, errs
}
