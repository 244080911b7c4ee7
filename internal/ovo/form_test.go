package ovo

import (
	"strings"
	"testing"
	"time"

	"backoffice/internal/models"
	"backoffice/internal/wib"
)

func TestLinkFormNormalisesAndRefusesInWords(t *testing.T) {
	r, errs := LinkForm{Name: " Siti ", Phone: "+62 812-3456-7890", Provider: "doku"}.Validate()
	if len(errs) > 0 || r.Phone != "6281234567890" || r.Name != "Siti" {
		t.Errorf("good form: %+v %v", r, errs)
	}
	_, errs = LinkForm{Name: "", Phone: "021 555 1234", Provider: "gopay"}.Validate()
	for _, f := range []string{"cust_name", "phone_no", "provider"} {
		if errs[f].IsZero() {
			t.Errorf("no sentence for %s", f)
		}
	}
}

func TestPayFormPerProvider(t *testing.T) {
	r, errs := PayForm{Amount: "1.250.000", Description: "Order 1", PayType: "2", Email: "siti@example.co.id"}.Validate(models.OVOFaspay)
	if len(errs) > 0 || r.Amount != 1_250_000 || r.PayType != "2" {
		t.Errorf("good Faspay form: %+v %v", r, errs)
	}
	_, errs = PayForm{Amount: "10,5", Description: "", PayType: "7", Email: "nope"}.Validate(models.OVOFaspay)
	for _, f := range []string{"amount", "description", "pay_type", "email"} {
		if errs[f].IsZero() {
			t.Errorf("no sentence for %s", f)
		}
	}
	// DOKU asks neither pay type nor email.
	if _, errs := (PayForm{Amount: "10000", Description: "x"}).Validate(models.OVODoku); len(errs) > 0 {
		t.Errorf("DOKU form: %v", errs)
	}
	if _, errs := (PayForm{Amount: "10.000.001", Description: "x"}).Validate(models.OVODoku); !strings.Contains(errs["amount"].String(), "10.000.000") {
		t.Errorf("above the limit: %v", errs)
	}
}

func TestHistoryRange(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, wib.Zone)
	from, to, errs := HistoryForm{}.Validate(now)
	if len(errs) > 0 || !to.Equal(wib.StartOfDay(now)) || !from.Equal(to.AddDate(0, 0, -30)) {
		t.Errorf("default range %s–%s %v", from, to, errs)
	}
	for _, tc := range []struct {
		f     HistoryForm
		field string
	}{
		{HistoryForm{From: "2026-03-09", To: "2026-03-01"}, "from"},
		{HistoryForm{To: "2026-03-11"}, "to"},
		{HistoryForm{From: "9 March"}, "from"},
	} {
		if _, _, errs := tc.f.Validate(now); errs[tc.field].IsZero() {
			t.Errorf("%+v: no error on %s (%v)", tc.f, tc.field, errs)
		}
	}
}

func TestBillNoIsNumericAnd22Digits(t *testing.T) {
	b := billNo(time.Now())
	if len(b) != 22 || strings.Trim(b, "0123456789") != "" {
		t.Errorf("bill_no %q", b)
	}
	if x := externalID(time.Now()); len(x) != 18 || strings.Trim(x, "0123456789") != "" {
		t.Errorf("X-EXTERNAL-ID %q", x)
	}
}
