package topups

import (
	"fmt"
	"strings"

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
func (f Form) Validate(products []ayopop.Product) (Parsed, map[string]string) {
	errs := map[string]string{}
	var p Parsed
	if n, err := phone.Normalise(f.Phone); err != nil {
		errs["phone"] = err.Error()
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
		errs["product"] = "Choose an OVO top-up product."
	case !found:
		errs["product"] = "Ayopop does not offer this product now. Choose one from the list."
	}
	if !found || !p.Product.IsOpenAmount() {
		return p, errs
	}
	amount, err := money.ParseInput(f.Amount)
	bounds := fmt.Sprintf("%s takes %s to %s.", p.Product.Name, money.Format(p.Product.MinAmount), money.Format(p.Product.MaxAmount))
	switch {
	case strings.TrimSpace(f.Amount) == "":
		errs["amount"] = "Type the amount in whole rupiah. " + bounds
	case err != nil:
		errs["amount"] = "Use whole rupiah, like 150.000 or 150000 — no decimals or commas."
	case amount < p.Product.MinAmount || (p.Product.MaxAmount > 0 && amount > p.Product.MaxAmount):
		errs["amount"] = "That amount is outside this product's limits: " + bounds
	default:
		p.Amount = amount
	}
	return p, errs
}
