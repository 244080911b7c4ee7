package checkout

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"backoffice/internal/models"
	"backoffice/internal/providers/oy"
)

var formNow = time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC)

func okLink() Form {
	return Form{PartnerTxID: "PL1", SenderName: "Budi Santoso", Amount: "150.000", Description: "Order 17", Notes: "Thanks"}
}

func okInvoice() Form {
	f := okLink()
	f.Invoice, f.Amount = true, ""
	f.Lines = []Line{{Item: "Kopi", Quantity: "3", PricePerItem: "25.000", DateOfPurchase: "2026-12-01"}, {Item: "Teh", Quantity: "2", PricePerItem: "20000"}}
	return f
}

// Every documented limitation has its own sentence beside its field.
func TestEveryRuleHasItsOwnSentence(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*Form)
		field string
		want  string // part of the sentence
	}{
		{"description symbols", func(f *Form) { f.Description = "Order #17" }, "description", "only letters, digits and spaces"},
		{"notes symbols", func(f *Form) { f.Notes = "thanks!" }, "notes", "only letters, digits and spaces"},
		{"sender digits", func(f *Form) { f.SenderName = "Budi 2" }, "sender_name", "only letters and spaces"},
		{"sender empty", func(f *Form) { f.SenderName = "" }, "sender_name", "Type the payer's name"},
		{"sender empty on payment step", func(f *Form) { f.SenderName = ""; f.Step = oy.StepSelectPaymentMethod }, "sender_name", "payment-method step needs the payer's name"},
		{"amount below minimum", func(f *Form) { f.Amount = "14.999" }, "amount", "at least Rp 15.000"},
		{"amount above maximum", func(f *Form) { f.Amount = "100.000.001" }, "amount", "at most Rp 100.000.000"},
		{"amount not a number", func(f *Form) { f.Amount = "15k" }, "amount", "whole rupiah"},
		{"fixed needs amount", func(f *Form) { f.Amount = "" }, "amount", "fixed-amount link (is_open off) needs an amount"},
		{"fixed needs reference", func(f *Form) { f.PartnerTxID = "" }, "partner_tx_id", "fixed-amount link (is_open off) needs its reference"},
		{"reference symbols", func(f *Form) { f.PartnerTxID = "PL-1" }, "partner_tx_id", "only letters and digits"},
		{"personal info needs amount", func(f *Form) { f.IsOpen, f.Amount, f.Step = true, "", oy.StepInputPersonalInfo }, "amount", "personal-info step needs an amount"},
		{"payment step needs amount", func(f *Form) { f.IsOpen, f.Amount, f.Step = true, "", oy.StepSelectPaymentMethod }, "amount", "payment-method step needs an amount and the payer's name"},
		{"unknown step", func(f *Form) { f.Step = "pay-now" }, "step", "Choose the page"},
		{"phone with plus", func(f *Form) { f.PhoneNumber = "+6281234567890" }, "phone_number", "digits only"},
		{"phone not Indonesian", func(f *Form) { f.PhoneNumber = "4412345678" }, "phone_number", "Indonesian mobile number"},
		{"phone too short", func(f *Form) { f.PhoneNumber = "08123" }, "phone_number", "10 to 13 digits"},
		{"every method disabled", func(f *Form) { f.DisabledMethods = []string{"VA", "CREDIT_CARD", "DEBIT_CARD"} }, "list_disabled_payment_methods", "at least one payment method"},
		{"unknown method", func(f *Form) { f.DisabledMethods = []string{"QRIS"} }, "list_disabled_payment_methods", "from the list"},
		{"bank not eligible", func(f *Form) { f.EnabledBanks = []string{"014"} }, "list_enabled_banks", "BRI, Mandiri, BNI, Permata and CIMB"},
		{"banks with VA disabled", func(f *Form) { f.EnabledBanks, f.DisabledMethods = []string{"008"}, []string{"VA"} }, "list_enabled_banks", "VA"},
		{"email", func(f *Form) { f.Email = "budi at example" }, "email", "one email address"},
		{"expiry in the past", func(f *Form) { f.Expiration = "2026-12-01T10:00" }, "expiration", "at least 5 minutes from now"},
		{"expiry unreadable", func(f *Form) { f.Expiration = "tomorrow" }, "expiration", "Pick the date"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := okLink()
			tc.edit(&f)
			c, errs := f.Validate(formNow)
			if c != nil || !strings.Contains(errs[tc.field].String(), tc.want) {
				t.Fatalf("%s: got %q (all %v), want a sentence with %q", tc.field, errs[tc.field].String(), errs, tc.want)
			}
		})
	}
}

func TestAValidLinkIsReadAsOYTakesIt(t *testing.T) {
	f := okLink()
	f.PhoneNumber, f.DisabledMethods, f.EnabledBanks, f.IsOpen = "081234567890", []string{"CREDIT_CARD"}, []string{"002", "008"}, true
	c, errs := f.Validate(formNow)
	if errs != nil {
		t.Fatal(errs)
	}
	if c.Amount != 150000 || c.Kind != models.KindPaymentLink || c.Status != models.CheckoutSending || c.DisabledPaymentMethods != "CREDIT_CARD" ||
		c.EnabledBanks != "002,008" || c.Step != oy.StepInputAmount || !c.Expiration.Equal(formNow.Add(24*time.Hour)) {
		t.Fatalf("%+v", c)
	}
	// Open with no amount on the first step: any amount.
	f = okLink()
	f.IsOpen, f.Amount = true, ""
	if c, errs := f.Validate(formNow); errs != nil || c.Amount != 0 {
		t.Fatalf("open link: %v %+v", errs, c)
	}
	// An expiry typed in WIB.
	f = okLink()
	f.Expiration = "2026-12-05T17:30"
	if c, errs := f.Validate(formNow); errs != nil || !c.Expiration.Equal(time.Date(2026, 12, 5, 10, 30, 0, 0, time.UTC)) {
		t.Fatalf("expiry: %v %+v", errs, c)
	}
}

func TestInvoiceLineTotalsAreCheckedOnTheServer(t *testing.T) {
	f := okInvoice()
	c, errs := f.Validate(formNow)
	if errs != nil {
		t.Fatal(errs)
	}
	if c.Amount != 3*25000+2*20000 || c.Kind != models.KindInvoice || len(Lines(c)) != 2 || Lines(c)[0].DateOfPurchase != "2026-12-01" {
		t.Fatalf("%+v", c)
	}
	f.Amount = "115.000"
	if _, errs := f.Validate(formNow); errs != nil {
		t.Fatalf("amount equal to the total: %v", errs)
	}
	f.Amount = "100.000"
	if _, errs := f.Validate(formNow); !strings.Contains(errs["amount"].String(), "equal the line items' total, Rp 115.000") {
		t.Fatalf("amount off the total: %v", errs)
	}
	// Empty rows (the editor's blank last row) are ignored.
	f = okInvoice()
	f.Lines = append(f.Lines, Line{})
	if c, errs := f.Validate(formNow); errs != nil || len(Lines(c)) != 2 {
		t.Fatalf("blank row: %v", errs)
	}
}

func TestInvoiceLineLimits(t *testing.T) {
	cases := []struct {
		name  string
		lines []Line
		want  string
	}{
		{"no lines", nil, "at least one line item"},
		{"1000 lines", func() []Line {
			var ls []Line
			for i := range 1000 {
				ls = append(ls, Line{Item: fmt.Sprint("Item ", i), Quantity: "1", PricePerItem: "20000"})
			}
			return ls
		}(), "at most 100 line items; this one has 1000"},
		{"price overflows int64", []Line{{Item: "A", Quantity: "3", PricePerItem: "9223372036854775807"}}, "Line 1: quantity times price is far beyond"},
		{"sum overflows int64", []Line{{Item: "A", Quantity: "1", PricePerItem: "9223372036854775000"}, {Item: "B", Quantity: "1", PricePerItem: "9223372036854775000"}}, "Line 2: quantity times price"},
		{"total above maximum", []Line{{Item: "A", Quantity: "2", PricePerItem: "60.000.000"}}, "add up to Rp 120.000.000"},
		{"quantity zero", []Line{{Item: "A", Quantity: "0", PricePerItem: "20000"}}, "Line 1: the quantity"},
		{"no item name", []Line{{Quantity: "1", PricePerItem: "20000"}}, "Line 1: name the item"},
		{"bad date", []Line{{Item: "A", Quantity: "1", PricePerItem: "20000", DateOfPurchase: "1/12/2026"}}, "date of purchase"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := okInvoice()
			f.Lines = tc.lines
			c, errs := f.Validate(formNow)
			if c != nil || !strings.Contains(errs["items"].String(), tc.want) {
				t.Fatalf("got %q, want %q", errs["items"].String(), tc.want)
			}
		})
	}
}

func TestAttachmentIsAPDFByContentOfAtMost2MB(t *testing.T) {
	pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 1000)...)
	f := okInvoice()
	f.Attachment, f.AttachmentName = pdf, "invoice.pdf"
	c, errs := f.Validate(formNow)
	if errs != nil || c.Attachment != base64.StdEncoding.EncodeToString(pdf) || c.AttachmentName != "invoice.pdf" {
		t.Fatalf("pdf: %v", errs)
	}
	f.Attachment = []byte("PK\x03\x04 this is a zip renamed .pdf")
	if _, errs := f.Validate(formNow); !strings.Contains(errs["attachment"].String(), "not a PDF") {
		t.Fatalf("renamed: %v", errs)
	}
	f.Attachment = append([]byte("%PDF-1.4\n"), make([]byte, 3<<20)...)
	if _, errs := f.Validate(formNow); !strings.Contains(errs["attachment"].String(), "larger than 2 MB") {
		t.Fatalf("3 MB: %v", errs)
	}
	f.Attachment, f.AttachmentTooBig = nil, true
	if _, errs := f.Validate(formNow); !strings.Contains(errs["attachment"].String(), "larger than 2 MB") {
		t.Fatalf("cut off upload: %v", errs)
	}
	f = okInvoice()
	f.IsVALifetime = true
	if _, errs := f.Validate(formNow); !strings.Contains(errs["is_va_lifetime"].String(), "customer id") {
		t.Fatalf("lifetime VA: %v", errs)
	}
}

func TestMonthlyPeriodsOnThe29thTo31st(t *testing.T) {
	r := &models.RecurringInvoice{StartDate: "2027-01-31", MonthDay: 31}
	want := []string{"2027-01-31", "2027-02-28", "2027-03-31", "2027-04-30", "2027-05-31"}
	for n, w := range want {
		d, ok := r.PeriodDate(n)
		if !ok || d.Format("2006-01-02") != w {
			t.Errorf("period %d: %s, want %s", n, d.Format("2006-01-02"), w)
		}
	}
	leap := &models.RecurringInvoice{StartDate: "2028-01-15", MonthDay: 30}
	if d, _ := leap.PeriodDate(1); d.Format("2006-01-02") != "2028-02-29" {
		t.Errorf("leap February: %s", d)
	}
	// A start after the month's day begins next month.
	late := &models.RecurringInvoice{StartDate: "2027-01-20", MonthDay: 5, EndDate: "2027-03-05"}
	if d, _ := late.PeriodDate(0); d.Format("2006-01-02") != "2027-02-05" {
		t.Errorf("first period: %s", d)
	}
	if _, ok := late.PeriodDate(2); ok {
		t.Error("a period after the end date is not made")
	}
	if !strings.Contains(Describe(context.Background(), r), "last day of months shorter than 31 days") {
		t.Errorf("the schedule does not explain short months: %s", Describe(context.Background(), r))
	}
}
