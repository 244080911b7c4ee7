package disbursements

import (
	"strings"
	"testing"
	"time"

	"backoffice/internal/models"
)

func TestFormValidate(t *testing.T) {
	good := Form{Bank: "014", Account: "0123456789", Amount: "1.250.000", Note: "inv 42", Emails: "a@x.co.id, b@x.co.id"}
	p, errs := good.Validate()
	if len(errs) != 0 || p.Amount != 1_250_000 || len(p.Emails) != 2 {
		t.Fatalf("good form: %+v %v", p, errs)
	}
	bad := map[string]Form{
		"recipient_bank":    {Bank: "XYZ", Account: "0123456789", Amount: "50000"},
		"recipient_account": {Bank: "014", Account: "0123 4567", Amount: "50000"},
		"amount":            {Bank: "014", Account: "0123456789", Amount: "9999"},
		"email":             {Bank: "014", Account: "0123456789", Amount: "50000", Emails: "not-an-email"},
		"note":              {Bank: "014", Account: "0123456789", Amount: "50000", Note: strings.Repeat("n", 256)},
	}
	for field, f := range bad {
		if _, errs := f.Validate(); errs[field].IsZero() {
			t.Errorf("%s: no error for %+v", field, f)
		}
	}
	for _, amt := range []string{"50000.50", "50,000", "-50000", "lima puluh ribu", ""} {
		if _, errs := (Form{Bank: "014", Account: "0123456789", Amount: amt}).Validate(); errs["amount"].IsZero() {
			t.Errorf("amount %q accepted", amt)
		}
	}
}

func TestStatusForEveryDocumentedCode(t *testing.T) {
	cases := map[string]models.DisbursementStatus{
		"000": models.DisbSuccess, "101": models.DisbInProgress, "102": models.DisbInProgress, "301": models.DisbPending,
		"300": models.DisbFailed, "201": models.DisbFailed, "206": models.DisbFailed, "209": models.DisbFailed, "990": models.DisbFailed,
		"999": models.DisbUnknown, "504": models.DisbUnknown, "777": models.DisbUnknown,
	}
	for code, want := range cases {
		if got := StatusFor(code); got != want {
			t.Errorf("StatusFor(%s) = %s, want %s", code, got, want)
		}
	}
}

func TestPartnerTrxIDsAreUniqueAndAlphanumeric(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := NewPartnerTrxID(timeNow())
		if seen[id] || strings.Trim(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "" {
			t.Fatalf("bad or repeated id %q", id)
		}
		seen[id] = true
	}
}

func TestParseBatchFile(t *testing.T) {
	rows, err := ParseBatchFile([]byte("\xef\xbb\xbfbank_code,account,amount,note,email\n014,0123456789,1250000,Inv,\n\n008,1,2,3,4,5,6\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].Line != 2 || rows[0].AmountText != "1250000" || rows[1].Error == "" {
		t.Fatalf("rows %+v", rows)
	}
	for name, data := range map[string]string{"empty": "", "header only": "bank,account\n", "broken quote": "014,\"x\n"} {
		if _, err := ParseBatchFile([]byte(data)); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

func FuzzParseBatchFile(f *testing.F) {
	f.Add([]byte("014,0123456789,1250000,Inv,a@b.id\n"))
	f.Add([]byte("bank_code,account,amount\n\"014\",\"01\",\"1\"\n"))
	f.Add([]byte("\xef\xbb\xbfbank_code;account;amount;note\r\n014;0123;10000;\"a;b\"\r\n"))
	f.Add([]byte("bank_code\taccount\tamount\n014\t\t1\n"))
	if x, err := SampleBatchXLSX(); err == nil {
		f.Add(x)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ParseBatchFile(data)
		if err == nil && (len(rows) == 0 || len(rows) > MaxBatchRows) {
			t.Fatalf("%d rows without an error", len(rows))
		}
	})
}

func timeNow() time.Time { return time.Now() }

func TestBatchFileTakesAnOptionalNameColumn(t *testing.T) {
	rows, err := ParseBatchFile([]byte("bank_code,account,amount,note,email,name\n014,123,10000,,,Budi Santoso\n014,124,10000,,\n014,125,10000,,,A,B\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0].NameInFile != "Budi Santoso" || rows[1].NameInFile != "" {
		t.Fatalf("rows: %+v", rows)
	}
	if rows[2].Error == "" || !rows[2].Checked {
		t.Fatal("a line with seven columns is not refused")
	}
}

// A failing batch waits longer after each failure, and is retried at once
// again after a success.
func TestBatchRetriesBackOff(t *testing.T) {
	r := batchRetries{}
	now := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	if !r.due(7, now) {
		t.Fatal("a batch with no failure is not due")
	}
	var waits []time.Duration
	for range 4 {
		waits = append(waits, r.failed(7, now))
	}
	if waits[0] != time.Second || waits[1] != 2*time.Second || waits[3] != 8*time.Second {
		t.Fatalf("waits %v", waits)
	}
	if r.due(7, now.Add(7*time.Second)) || !r.due(7, now.Add(8*time.Second)) {
		t.Fatal("the batch is due before its wait is over, or not after")
	}
	for range 30 {
		r.failed(7, now)
	}
	if w := r.failed(7, now); w != 5*time.Minute {
		t.Fatalf("the wait is not capped: %v", w)
	}
	if !r.due(8, now) {
		t.Fatal("one batch's failures hold another")
	}
}
