package topups

import (
	"context"
	"strings"

	"backoffice/internal/i18n"
	"backoffice/internal/money"
	"backoffice/internal/phone"
	"backoffice/internal/providers/ayopop"
)

// Form is the new-top-up form as typed, field by field.
type Form struct {
	Phone, Product, Amount string
}

// Parsed is a valid form.
type Parsed struct {
	Phone   string // canonical 628…
	Product ayopop.Product
	Amount  int64 // open-amount products only
}

// Validate checks every field against Ayopop's active products and
// returns a sentence per bad field.
func (f Form) Validate(products []ayopop.Product) (Parsed, map[string]i18n.Message) {
	errs := map[string]i18n.Message{}
	var p Parsed
	if n, err := phone.Normalise(f.Phone); err != nil {
		errs["phone"] = phone.Message(err)
	} else {
		p.Phone = n
	}
	code := strings.TrimSpace(f.Product)
	found := false
	for _, pr := range products {
		if pr.Code == code && pr.Active {
			p.Product, found = pr, true
		}
	}
	switch {
	case code == "":
		errs["product"] = i18n.M("topups.err_product_empty")
	case !found:
		errs["product"] = i18n.M("topups.err_product_gone")
	}
	if !found || !p.Product.IsOpenAmount() {
		return p, errs
	}
	amount, err := money.ParseInput(f.Amount)
	bounds := []any{"Product", p.Product.Name, "Min", money.Format(p.Product.MinAmount), "Max", money.Format(p.Product.MaxAmount)}
	switch {
	case strings.TrimSpace(f.Amount) == "":
		errs["amount"] = i18n.M("topups.err_amount_empty", bounds...)
	case err != nil:
		errs["amount"] = i18n.M("topups.err_amount_format")
	case amount < p.Product.MinAmount || (p.Product.MaxAmount > 0 && amount > p.Product.MaxAmount):
		errs["amount"] = i18n.M("topups.err_amount_limits", bounds...)
	default:
		p.Amount = amount
	}
	return p, errs
}

// Texts turns a form's messages into sentences in the request's language.
func Texts(ctx context.Context, errs map[string]i18n.Message) map[string]string {
	out := make(map[string]string, len(errs))
	for k, m := range errs {
		out[k] = m.In(ctx)
	}
	return out
}
