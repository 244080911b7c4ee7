package topups

import (
	"testing"

	"backoffice/internal/providers/ayopop"
)

var testProducts = []ayopop.Product{
	{Code: "AYOVO50", Name: "OVO Cash Rp 50.000", Type: "closed", Amount: 51300, Active: true},
	{Code: "AYOVOOPEN", Name: "OVO Cash Bebas Nominal", Type: "open", MinAmount: 10000, MaxAmount: 2000000, AdminFee: 1500, Active: true},
	{Code: "AYOVO5", Name: "OVO Cash Rp 5.000", Type: "closed", Amount: 6300, Active: false},
}

func TestFormValidate(t *testing.T) {
	for _, c := range []struct {
		name     string
		f        Form
		badField string
		phone    string
		amount   int64
	}{
		{"closed, +62 with dashes", Form{Phone: "+62 812-3456-7890", Product: "AYOVO50", Amount: "999"}, "", "6281234567890", 0},
		{"open amount with dots", Form{Phone: "081234567890", Product: "AYOVOOPEN", Amount: "150.000"}, "", "6281234567890", 150000},
		{"open at the top limit", Form{Phone: "081234567890", Product: "AYOVOOPEN", Amount: "2.000.000"}, "", "6281234567890", 2000000},
		{"letters in the phone", Form{Phone: "0812abc", Product: "AYOVO50"}, "phone", "", 0},
		{"not a mobile", Form{Phone: "0215551234", Product: "AYOVO50"}, "phone", "", 0},
		{"no product", Form{Phone: "081234567890"}, "product", "", 0},
		{"inactive product", Form{Phone: "081234567890", Product: "AYOVO5"}, "product", "", 0},
		{"open without amount", Form{Phone: "081234567890", Product: "AYOVOOPEN"}, "amount", "", 0},
		{"open below limit", Form{Phone: "081234567890", Product: "AYOVOOPEN", Amount: "9.999"}, "amount", "", 0},
		{"open above limit", Form{Phone: "081234567890", Product: "AYOVOOPEN", Amount: "2.000.001"}, "amount", "", 0},
		{"open with decimals", Form{Phone: "081234567890", Product: "AYOVOOPEN", Amount: "15000,50"}, "amount", "", 0},
	} {
		p, errs := c.f.Validate(testProducts)
		if c.badField == "" {
			if len(errs) > 0 || p.Phone != c.phone || p.Amount != c.amount {
				t.Errorf("%s: %+v %v", c.name, p, errs)
			}
			continue
		}
		if errs[c.badField].IsZero() || len(errs) != 1 {
			t.Errorf("%s: errors %v, want one beside %s", c.name, errs, c.badField)
		}
	}
}
