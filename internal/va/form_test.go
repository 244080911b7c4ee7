package va

import (
	"strings"
	"testing"
)

func TestFormRules(t *testing.T) {
	ok := Form{PartnerUserID: "cust-1", BankCode: "002", Amount: "150.000", ExpirationTime: "60", Email: "a@example.co.id"}
	if p, errs := ok.Validate(); len(errs) != 0 || p.Amount != 150_000 || p.ExpirationMinutes != 60 || p.IsOpen {
		t.Fatalf("valid form: %+v %v", p, errs)
	}
	open := Form{PartnerUserID: "cust-1", BankCode: "014", IsOpen: true, IsLifetime: true}
	if p, errs := open.Validate(); len(errs) != 0 || p.Amount != 0 || !p.IsLifetime {
		t.Fatalf("open lifetime VA: %+v %v", p, errs)
	}
	cases := []struct {
		name  string
		edit  func(*Form)
		field string
	}{
		{"closed without amount", func(f *Form) { f.Amount = "" }, "amount"},
		{"decimals", func(f *Form) { f.Amount = "150000,50" }, "amount"},
		{"below minimum", func(f *Form) { f.Amount = "9.999" }, "amount"},
		{"above maximum", func(f *Form) { f.Amount = "100.000.000.001" }, "amount"},
		{"lifetime with expiration", func(f *Form) { f.IsLifetime = true }, "expiration_time"},
		{"zero minutes", func(f *Form) { f.ExpirationTime = "0" }, "expiration_time"},
		{"email", func(f *Form) { f.Email = "not an email" }, "email"},
		{"email without domain dot", func(f *Form) { f.Email = "a@b" }, "email"},
		{"email too long", func(f *Form) { f.Email = strings.Repeat("a", 40) + "@example.com" }, "email"},
		{"bank", func(f *Form) { f.BankCode = "003" }, "bank_code"},
		{"customer", func(f *Form) { f.PartnerUserID = " " }, "partner_user_id"},
	}
	for _, c := range cases {
		f := ok
		c.edit(&f)
		_, errs := f.Validate()
		if len(errs) != 1 || errs[c.field].IsZero() {
			t.Errorf("%s: errors %v, want one on %s", c.name, errs, c.field)
		}
	}
}

func TestUpdateFormRules(t *testing.T) {
	p, errs := UpdateForm{Amount: "20.000", IsSingleUse: true}.Validate()
	if len(errs) != 0 || *p.Amount != 20_000 || *p.IsOpen || !*p.IsSingleUse {
		t.Fatalf("%+v %v", p, errs)
	}
	if _, errs := (UpdateForm{IsOpen: false}).Validate(); errs["amount"].IsZero() {
		t.Fatal("a closed VA without amount passed")
	}
	if _, errs := (UpdateForm{IsOpen: true, IsLifetime: true, ExpirationTime: "5"}).Validate(); errs["expiration_time"].IsZero() {
		t.Fatal("lifetime with expiration passed")
	}
}
