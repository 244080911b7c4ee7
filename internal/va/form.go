package va

import (
	"net/mail"
	"strconv"
	"strings"
	"unicode/utf8"

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
// field; the params are only usable when there are none.
func (f Form) Validate() (*oy.CreateVAParams, map[string]string) {
	errs := map[string]string{}
	p := &oy.CreateVAParams{PartnerUserID: strings.TrimSpace(f.PartnerUserID), BankCode: strings.TrimSpace(f.BankCode),
		IsOpen: f.IsOpen, IsSingleUse: f.IsSingleUse, IsLifetime: f.IsLifetime,
		UsernameDisplay: strings.TrimSpace(f.UsernameDisplay), Email: strings.TrimSpace(f.Email)}
	switch {
	case p.PartnerUserID == "":
		errs["partner_user_id"] = "Enter your id for this customer (partner_user_id)."
	case utf8.RuneCountInString(p.PartnerUserID) > 255:
		errs["partner_user_id"] = "OY takes at most 255 characters here."
	}
	if p.BankCode == "" {
		errs["bank_code"] = "Choose the bank the VA number is made at."
	} else if _, ok := oy.LookupVABank(p.BankCode); !ok {
		errs["bank_code"] = "OY makes virtual accounts only at BRI, Mandiri, BNI, Permata, BCA and CIMB Niaga. Choose one of them."
	}
	amount, msg := amountField(f.Amount, f.IsOpen)
	if msg != "" {
		errs["amount"] = msg
	}
	p.Amount = amount
	minutes, msg := expirationField(f.ExpirationTime, f.IsLifetime)
	if msg != "" {
		errs["expiration_time"] = msg
	}
	p.ExpirationMinutes = minutes
	if utf8.RuneCountInString(p.UsernameDisplay) > 255 {
		errs["username_display"] = "OY takes at most 255 characters for the name shown."
	}
	if msg := emailField(p.Email); msg != "" {
		errs["email"] = msg
	}
	return p, errs
}

func amountField(raw string, open bool) (int64, string) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		if !open {
			return 0, "A closed VA accepts only its exact amount, so enter one — or tick \"Any amount\"."
		}
		return 0, ""
	}
	v, err := money.ParseInput(raw)
	switch {
	case err != nil:
		return 0, "Use whole rupiah, like 250.000 or 250000 — no decimals or commas."
	case v <= 0:
		return 0, "Enter an amount above zero, or leave it empty for an open VA."
	case v > MaxAmount:
		return 0, "That amount is beyond any single bill (at most Rp 100.000.000.000)."
	case !open && v < MinClosedAmount:
		return 0, "A closed VA must ask for at least Rp 10.000."
	}
	return v, ""
}

func expirationField(raw string, lifetime bool) (int64, string) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return 0, ""
	}
	if lifetime {
		return 0, "A lifetime VA never expires: clear the expiration, or untick \"Lifetime\"."
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	switch {
	case err != nil:
		return 0, "Enter whole minutes, like 1440 for one day."
	case n <= 0:
		return 0, "Enter at least one minute, or leave it empty for OY's 24 hours."
	case n > MaxExpirationMinutes:
		return 0, "At most ten years of minutes (5256000); for longer, tick \"Lifetime\"."
	}
	return n, ""
}

func emailField(e string) string {
	if e == "" {
		return ""
	}
	if len(e) > 50 {
		return "OY takes an email of at most 50 characters."
	}
	if a, err := mail.ParseAddress(e); err != nil || a.Address != e || !strings.Contains(e[strings.LastIndex(e, "@")+1:], ".") {
		return e + " is not an email address, like name@example.co.id."
	}
	return ""
}

// UpdateForm is the update form: the fields Update VA lets change.
type UpdateForm struct {
	Amount, ExpirationTime, UsernameDisplay, Email string
	IsOpen, IsSingleUse, IsLifetime                bool
}

// Validate checks the same rules as a create.
func (f UpdateForm) Validate() (*oy.UpdateVAParams, map[string]string) {
	errs := map[string]string{}
	open, single, lifetime := f.IsOpen, f.IsSingleUse, f.IsLifetime
	p := &oy.UpdateVAParams{IsOpen: &open, IsSingleUse: &single, IsLifetime: &lifetime}
	amount, msg := amountField(f.Amount, f.IsOpen)
	if msg != "" {
		errs["amount"] = msg
	} else if amount > 0 {
		p.Amount = &amount
	}
	minutes, msg := expirationField(f.ExpirationTime, f.IsLifetime)
	if msg != "" {
		errs["expiration_time"] = msg
	} else if minutes > 0 {
		p.ExpirationMinutes = &minutes
	}
	if d := strings.TrimSpace(f.UsernameDisplay); d != "" {
		if utf8.RuneCountInString(d) > 255 {
			errs["username_display"] = "OY takes at most 255 characters for the name shown."
		}
		p.UsernameDisplay = &d
	}
	if e := strings.TrimSpace(f.Email); e != "" {
		if msg := emailField(e); msg != "" {
			errs["email"] = msg
		}
		p.Email = &e
	}
	return p, errs
}
