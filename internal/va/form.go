package va

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"

	"backoffice/internal/i18n"
	"backoffice/internal/money"
	"backoffice/internal/providers/oy"
)

// MinClosedAmount is the smallest amount a closed VA takes: OY answers 212
// below it. The page gives no figure; this is the sandbox's (unconfirmed).
const MinClosedAmount = 10_000

// MaxAmount bounds what one VA may ask for. OY documents no maximum; a
// figure past this is a typing mistake, not a bill.
const MaxAmount = 100_000_000_000

// MaxExpirationMinutes is ten years: OY's expiration_time is a Long of
// minutes with no documented bound; past this, choose is_lifetime.
const MaxExpirationMinutes = 10 * 365 * 24 * 60

// Form is the create form as typed, named as OY's Create VA parameters.
type Form struct {
	PartnerUserID, BankCode, Amount, ExpirationTime, UsernameDisplay, Email string
	IsOpen, IsSingleUse, IsLifetime                                         bool
}

// Validate checks every documented rule and returns a sentence per bad
// field (shown in the reader's language); the params are only usable when
// there are none.
func (f Form) Validate() (*oy.CreateVAParams, map[string]i18n.Message) {
	errs := map[string]i18n.Message{}
	p := &oy.CreateVAParams{PartnerUserID: strings.TrimSpace(f.PartnerUserID), BankCode: strings.TrimSpace(f.BankCode),
		IsOpen: f.IsOpen, IsSingleUse: f.IsSingleUse, IsLifetime: f.IsLifetime,
		UsernameDisplay: strings.TrimSpace(f.UsernameDisplay), Email: strings.TrimSpace(f.Email)}
	switch {
	case p.PartnerUserID == "":
		errs["partner_user_id"] = i18n.M("vas.err_customer_empty")
	case utf8.RuneCountInString(p.PartnerUserID) > 255:
		errs["partner_user_id"] = i18n.M("vas.err_customer_long")
	}
	if p.BankCode == "" {
		errs["bank_code"] = i18n.M("vas.err_bank_empty")
	} else if _, ok := oy.LookupVABank(p.BankCode); !ok {
		errs["bank_code"] = i18n.M("vas.err_bank_unknown")
	}
	amount, msg := amountField(f.Amount, f.IsOpen)
	if !msg.IsZero() {
		errs["amount"] = msg
	}
	p.Amount = amount
	minutes, msg := expirationField(f.ExpirationTime, f.IsLifetime)
	if !msg.IsZero() {
		errs["expiration_time"] = msg
	}
	p.ExpirationMinutes = minutes
	if utf8.RuneCountInString(p.UsernameDisplay) > 255 {
		errs["username_display"] = i18n.M("vas.err_display_long")
	}
	if msg := emailField(p.Email); !msg.IsZero() {
		errs["email"] = msg
	}
	return p, errs
}

func amountField(raw string, open bool) (int64, i18n.Message) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		if !open {
			return 0, i18n.M("vas.err_amount_needed")
		}
		return 0, i18n.Message{}
	}
	v, err := money.ParseInput(raw)
	switch {
	case err != nil:
		return 0, i18n.M("vas.err_amount_format")
	case v <= 0:
		return 0, i18n.M("vas.err_amount_zero")
	case v > MaxAmount:
		return 0, i18n.M("vas.err_amount_max")
	case !open && v < MinClosedAmount:
		return 0, i18n.M("vas.err_amount_min")
	}
	return v, i18n.Message{}
}

func expirationField(raw string, lifetime bool) (int64, i18n.Message) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return 0, i18n.Message{}
	}
	if lifetime {
		return 0, i18n.M("vas.err_exp_lifetime")
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	switch {
	case err != nil:
		return 0, i18n.M("vas.err_exp_format")
	case n <= 0:
		return 0, i18n.M("vas.err_exp_zero")
	case n > MaxExpirationMinutes:
		return 0, i18n.M("vas.err_exp_max")
	}
	return n, i18n.Message{}
}

func emailField(e string) i18n.Message {
	if e == "" {
		return i18n.Message{}
	}
	if len(e) > 50 {
		return i18n.M("vas.err_email_long")
	}
	if a, err := mail.ParseAddress(e); err != nil || a.Address != e || !strings.Contains(e[strings.LastIndex(e, "@")+1:], ".") {
		return i18n.M("vas.err_email", "Email", e)
	}
	return i18n.Message{}
}

// UpdateForm is the update form: the fields Update VA lets change.
type UpdateForm struct {
	Amount, ExpirationTime, UsernameDisplay, Email string
	IsOpen, IsSingleUse, IsLifetime                bool
}

// Validate checks the same rules as a create.
func (f UpdateForm) Validate() (*oy.UpdateVAParams, map[string]i18n.Message) {
	errs := map[string]i18n.Message{}
	open, single, lifetime := f.IsOpen, f.IsSingleUse, f.IsLifetime
	p := &oy.UpdateVAParams{IsOpen: &open, IsSingleUse: &single, IsLifetime: &lifetime}
	amount, msg := amountField(f.Amount, f.IsOpen)
	if !msg.IsZero() {
		errs["amount"] = msg
	} else if amount > 0 {
		p.Amount = &amount
	}
	minutes, msg := expirationField(f.ExpirationTime, f.IsLifetime)
	if !msg.IsZero() {
		errs["expiration_time"] = msg
	} else if minutes > 0 {
		p.ExpirationMinutes = &minutes
	}
	if d := strings.TrimSpace(f.UsernameDisplay); d != "" {
		if utf8.RuneCountInString(d) > 255 {
			errs["username_display"] = i18n.M("vas.err_display_long")
		}
		p.UsernameDisplay = &d
	}
	if e := strings.TrimSpace(f.Email); e != "" {
		if msg := emailField(e); !msg.IsZero() {
			errs["email"] = msg
		}
		p.Email = &e
	}
	return p, errs
}
