package ovo

import (
	"errors"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"backoffice/internal/models"
	"backoffice/internal/money"
	"backoffice/internal/phone"
	"backoffice/internal/providers/faspay"
	"backoffice/internal/wib"
)

// LinkForm is the "Link an account" form as typed.
type LinkForm struct {
	Name, Phone, Provider string
}

// LinkRequest is a valid LinkForm.
type LinkRequest struct {
	Name     string
	Phone    string // canonical 628…
	Provider string
}

// Validate checks every field and returns a sentence per bad field.
func (f LinkForm) Validate() (LinkRequest, map[string]string) {
	errs := map[string]string{}
	r := LinkRequest{Name: strings.TrimSpace(f.Name), Provider: strings.TrimSpace(f.Provider)}
	switch n := utf8.RuneCountInString(r.Name); {
	case n == 0:
		errs["cust_name"] = "Type the customer's name."
	case n > 100:
		errs["cust_name"] = "The name is too long: at most 100 characters."
	}
	p, err := phone.Normalise(f.Phone)
	if err != nil {
		errs["phone_no"] = err.Error()
	}
	r.Phone = p
	if r.Provider != models.OVOFaspay && r.Provider != models.OVODoku {
		errs["provider"] = "Choose Faspay or DOKU."
	}
	return r, errs
}

// PayForm is the payment form as typed.
type PayForm struct {
	Amount, Description, PayType, Email string
	Key                                 string // the form's one-time key
}

// PayRequest is a valid PayForm.
type PayRequest struct {
	Amount      int64
	Description string
	PayType     faspay.PayType // Faspay only
	Email       string         // Faspay only: it requires the customer's email
	Key         string         // the form's one-time key, so a resubmission charges once
}

// MaxPayment is the largest charge the form takes (OVO's own wallet limit
// is lower; the provider refuses what OVO would).
const MaxPayment = 10_000_000

// Validate checks the payment form for an account of provider.
func (f PayForm) Validate(provider string) (PayRequest, map[string]string) {
	errs := map[string]string{}
	var r PayRequest
	v, err := money.ParseInput(f.Amount)
	switch {
	case strings.TrimSpace(f.Amount) == "":
		errs["amount"] = "Type the amount to charge, in whole rupiah."
	case err != nil:
		errs["amount"] = "Write the amount in whole rupiah, like 150000 or 150.000."
	case v < 1:
		errs["amount"] = "The amount must be at least Rp 1."
	case v > MaxPayment:
		errs["amount"] = "The amount is above Rp 10.000.000, the most one OVO payment may be."
	}
	r.Amount, r.Key = v, strings.TrimSpace(f.Key)
	if len(r.Key) > 100 {
		r.Key = r.Key[:100]
	}
	r.Description = strings.TrimSpace(f.Description)
	switch n := utf8.RuneCountInString(r.Description); {
	case n == 0:
		errs["description"] = "Say what the payment is for; the customer sees it."
	case n > 100:
		errs["description"] = "The description is too long: at most 100 characters."
	}
	if provider == models.OVOFaspay {
		r.PayType = faspay.PayType(f.PayType)
		if !r.PayType.Valid() {
			errs["pay_type"] = "Choose how the customer pays: cash only, points only, or cash and points."
		}
		r.Email = strings.TrimSpace(f.Email)
		if a, err := mail.ParseAddress(r.Email); r.Email == "" {
			errs["email"] = "Type the customer's email: Faspay requires it for every payment."
		} else if err != nil || a.Address != r.Email || len(r.Email) > 254 {
			errs["email"] = "This is not an email address; write it like siti@example.co.id."
		}
	}
	return r, errs
}

// PayTypeLabel names a Faspay pay_type.
func PayTypeLabel(p string) string {
	switch faspay.PayType(p) {
	case faspay.PayCash:
		return "Cash only"
	case faspay.PayPoints:
		return "Points only"
	case faspay.PayCashPointsFirst:
		return "Cash and points (points first)"
	}
	return p
}

// HistoryForm is the history date range as typed (YYYY-MM-DD, WIB).
type HistoryForm struct {
	From, To string
	Page     int
}

// Validate checks the range: start not after end, end not after today.
func (f HistoryForm) Validate(now time.Time) (from, to time.Time, errs map[string]string) {
	errs = map[string]string{}
	today := wib.StartOfDay(now)
	to, from = today, today.AddDate(0, 0, -30)
	if f.To != "" {
		t, ok := wib.ParseDate(f.To)
		if !ok {
			errs["to"] = "Write the end date as YYYY-MM-DD."
		} else if t.After(today) {
			errs["to"] = "The end date cannot be after today."
		} else {
			to = t
		}
	}
	if f.From != "" {
		t, ok := wib.ParseDate(f.From)
		if !ok {
			errs["from"] = "Write the start date as YYYY-MM-DD."
		} else {
			from = t
		}
	}
	if errs["from"] == "" && errs["to"] == "" && from.After(to) {
		errs["from"] = "The start date cannot be after the end date."
	}
	return from, to, errs
}

// FieldError is a refusal the person can fix in one field of the form.
type FieldError struct {
	Field, Message string
}

func (e *FieldError) Error() string { return e.Message }

// AsFieldError finds a FieldError in err's chain.
func AsFieldError(err error) (*FieldError, bool) {
	var fe *FieldError
	ok := errors.As(err, &fe)
	return fe, ok
}
