package ovo

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/money"
	"backoffice/internal/phone"
	"backoffice/internal/providers/clerktext"
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
func (f LinkForm) Validate() (LinkRequest, map[string]i18n.Message) {
	errs := map[string]i18n.Message{}
	r := LinkRequest{Name: strings.TrimSpace(f.Name), Provider: strings.TrimSpace(f.Provider)}
	switch n := utf8.RuneCountInString(r.Name); {
	case n == 0:
		errs["cust_name"] = i18n.M("ovo.err_name_empty")
	case n > 100:
		errs["cust_name"] = i18n.M("ovo.err_name_long")
	}
	p, err := phone.Normalise(f.Phone)
	if err != nil {
		errs["phone_no"] = PhoneProblem(err)
	}
	r.Phone = p
	if r.Provider != models.OVOFaspay && r.Provider != models.OVODoku {
		errs["provider"] = i18n.M("ovo.err_provider")
	}
	return r, errs
}

// PhoneProblem is the sentence of a number phone.Normalise refused.
func PhoneProblem(err error) i18n.Message { return phone.Message(err) }

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
func (f PayForm) Validate(provider string) (PayRequest, map[string]i18n.Message) {
	errs := map[string]i18n.Message{}
	var r PayRequest
	v, err := money.ParseInput(f.Amount)
	switch {
	case strings.TrimSpace(f.Amount) == "":
		errs["amount"] = i18n.M("ovo.err_amount_empty")
	case err != nil:
		errs["amount"] = i18n.M("ovo.err_amount_format")
	case v < 1:
		errs["amount"] = i18n.M("ovo.err_amount_min")
	case v > MaxPayment:
		errs["amount"] = i18n.M("ovo.err_amount_max")
	}
	r.Amount, r.Key = v, strings.TrimSpace(f.Key)
	if len(r.Key) > 100 {
		r.Key = r.Key[:100]
	}
	r.Description = strings.TrimSpace(f.Description)
	switch n := utf8.RuneCountInString(r.Description); {
	case n == 0:
		errs["description"] = i18n.M("ovo.err_desc_empty")
	case n > 100:
		errs["description"] = i18n.M("ovo.err_desc_long")
	}
	if provider == models.OVOFaspay {
		r.PayType = faspay.PayType(f.PayType)
		if !r.PayType.Valid() {
			errs["pay_type"] = i18n.M("ovo.err_pay_type")
		}
		r.Email = strings.TrimSpace(f.Email)
		if a, err := mail.ParseAddress(r.Email); r.Email == "" {
			errs["email"] = i18n.M("ovo.err_email_empty")
		} else if err != nil || a.Address != r.Email || len(r.Email) > 254 {
			errs["email"] = i18n.M("ovo.err_email_bad")
		}
	}
	return r, errs
}

// PayTypeKey is the catalogue key naming a Faspay pay_type, "" for none.
func PayTypeKey(p string) string {
	switch faspay.PayType(p) {
	case faspay.PayCash:
		return "ovo.pay_cash"
	case faspay.PayPoints:
		return "ovo.pay_points"
	case faspay.PayCashPointsFirst:
		return "ovo.pay_cash_points"
	}
	return ""
}

// HistoryForm is the history date range as typed (YYYY-MM-DD, WIB).
type HistoryForm struct {
	From, To string
	Page     int
}

// Validate checks the range: start not after end, end not after today.
func (f HistoryForm) Validate(now time.Time) (from, to time.Time, errs map[string]i18n.Message) {
	errs = map[string]i18n.Message{}
	today := wib.StartOfDay(now)
	to, from = today, today.AddDate(0, 0, -30)
	if f.To != "" {
		t, ok := wib.ParseDate(f.To)
		if !ok {
			errs["to"] = i18n.M("ovo.err_to_format")
		} else if t.After(today) {
			errs["to"] = i18n.M("ovo.err_to_future")
		} else {
			to = t
		}
	}
	if f.From != "" {
		t, ok := wib.ParseDate(f.From)
		if !ok {
			errs["from"] = i18n.M("ovo.err_from_format")
		} else {
			from = t
		}
	}
	if errs["from"].IsZero() && errs["to"].IsZero() && from.After(to) {
		errs["from"] = i18n.M("ovo.err_from_after")
	}
	return from, to, errs
}

// FieldError is a refusal the person can fix in one field of the form.
// Message is English (logs, tests); Text is the sentence for the page.
type FieldError struct {
	Field, Message string
	// Msg is the sentence as a catalogue message; when zero, Message is a
	// provider's sentence, translated by clerktext.
	Msg i18n.Message
}

func (e *FieldError) Error() string { return e.Message }

// Text is the refusal in the request's language.
func (e *FieldError) Text(ctx context.Context) string {
	if !e.Msg.IsZero() {
		return e.Msg.In(ctx)
	}
	return clerktext.Translate(ctx, e.Message)
}

// Texts turns a form's messages into sentences in the request's language.
func Texts(ctx context.Context, errs map[string]i18n.Message) map[string]string {
	out := make(map[string]string, len(errs))
	for k, m := range errs {
		out[k] = m.In(ctx)
	}
	return out
}

// AsFieldError finds a FieldError in err's chain.
func AsFieldError(err error) (*FieldError, bool) {
	var fe *FieldError
	ok := errors.As(err, &fe)
	return fe, ok
}
