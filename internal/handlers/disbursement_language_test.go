package handlers

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
)

// A clerk who chose Bahasa Indonesia reads the disbursement pages, a form
// error beside its field, a flash, a bulk file's header error and the OY
// balance in Indonesian, with the month of a time in Indonesian too.
func TestDisbursementPagesInIndonesian(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	if p := fin.post("/language", url.Values{"lang": {"id"}, "return": {"/"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("toggle: %d", p.Status)
	}
	id := func(key string, args ...any) string { return i18n.In(i18n.ID, key, args...) }
	idCtx := i18n.With(context.Background(), i18n.ID)
	noRawKeys := func(path string, p page) {
		t.Helper()
		for _, k := range visibleRawKeys(t, p.Body) {
			t.Errorf("%s shows the raw key %q", path, k)
		}
	}

	// The list: heading, a filter label, the empty state.
	p := fin.get("/disbursements")
	if got := text(doc(t, p).Find("h1")); got != id("disb.title") || got == i18n.In(i18n.EN, "disb.title") {
		t.Fatalf("list heading %q", got)
	}
	if !strings.Contains(byTestID(t, p, "disbursement-filters").Text(), id("disb.f_amount_from")) {
		t.Error("the amount filter is not labelled in Indonesian")
	}
	if !strings.Contains(p.Body, id("disb.empty_title")) {
		t.Error("the empty list does not say so in Indonesian")
	}
	noRawKeys("/disbursements", p)

	// A wrong amount and account: 422, sentences in Indonesian, input kept.
	fin.get("/disbursements/new")
	p = fin.post("/disbursements/inquiry", url.Values{"recipient_bank": {"014"}, "recipient_account": {"12ab"}, "amount": {"5000"}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad form: %d", p.Status)
	}
	if got := text(byTestID(t, p, "error-amount")); got != id("disb.err_amount_min") {
		t.Errorf("amount error %q, want %q", got, id("disb.err_amount_min"))
	}
	if got := text(byTestID(t, p, "error-recipient_account")); got != id("disb.err_account_digits") {
		t.Errorf("account error %q", got)
	}
	if v, _ := doc(t, p).Find(`input[name="recipient_account"]`).Attr("value"); v != "12ab" {
		t.Errorf("the account typed was not kept: %q", v)
	}
	if !strings.Contains(p.Body, id("disb.inquire")) || strings.Contains(p.Body, ">Check the account<") {
		t.Error("the form's button is not in Indonesian")
	}
	noRawKeys("/disbursements/inquiry", p)

	// Made and sent for approval: the flash, the status and why the maker
	// cannot approve, and the creation time with an Indonesian month.
	dID := a.makeDisbursement(fin, "014", "0123456789", 1_250_000)
	p = fin.get("/disbursements/" + itoa(dID))
	if got := text(byTestID(t, p, "flash")); got != id("disb.sent_for_approval") {
		t.Errorf("flash %q, want %q", got, id("disb.sent_for_approval"))
	}
	if got := text(byTestID(t, p, "status")); !strings.Contains(got, id("disb.status_waiting_approval")) {
		t.Errorf("status %q", got)
	}
	if got := text(byTestID(t, p, "why-not")); got != id("disb.why_maker") {
		t.Errorf("why not %q", got)
	}
	d := a.disbursement(dID)
	if when := i18n.Time(idCtx, d.CreatedAt); !strings.Contains(p.Body, when) {
		t.Errorf("the creation time is not written %q", when)
	}
	noRawKeys("/disbursements/:id", p)

	// A refusal rendered on the page: the maker may not approve.
	p = fin.post("/disbursements/"+itoa(dID)+"/approve", approveForm())
	if got := text(byTestID(t, p, "decide-error")); got != id("disb.maker_cannot_decide") {
		t.Errorf("maker's approval refused with %q", got)
	}

	// A bulk file with an unknown column: one file-level error naming the columns.
	fin.get("/disbursements/batches/new")
	p = fin.upload("/disbursements/batches", "memo.csv", []byte("bank_code,account,amount,memo\n014,0123456789,10000,x\n"))
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("wrong header: %d", p.Status)
	}
	want := id("bulk.header_unknown", "Name", `"memo"`) + " " + id("bulk.header_help")
	if got := text(byTestID(t, p, "error-file")); got != want {
		t.Errorf("header error %q, want %q", got, want)
	}
	if !strings.Contains(byTestID(t, p, "batch-example").Text(), "bank_code,account,amount,note,email,name") {
		t.Error("the example lost its machine column names")
	}
	noRawKeys("/disbursements/batches", p)

	// The balance: read now, the flash and the cards in Indonesian.
	fin.get("/balance")
	if p := fin.post("/balance/refresh", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("refresh: %d", p.Status)
	}
	p = fin.get("/balance")
	readings, err := a.store.BalanceReadings(context.Background(), 1)
	if err != nil || len(readings) == 0 {
		t.Fatalf("no balance reading: %v", err)
	}
	if got, want := text(byTestID(t, p, "flash")), id("oybalance.refreshed", "Amount", rupiahText(readings[0].Available)); got != want {
		t.Errorf("balance flash %q, want %q", got, want)
	}
	if got := text(doc(t, p).Find("h1")); got != id("oybalance.title") {
		t.Errorf("balance heading %q", got)
	}
	if !strings.Contains(byTestID(t, p, "balance-cards").Text(), id("oybalance.available")) {
		t.Error("the balance cards are not in Indonesian")
	}
	noRawKeys("/balance", p)

	// Back in English the same pages read as before.
	fin.post("/language", url.Values{"lang": {"en"}, "return": {"/"}})
	if got := text(doc(t, fin.get("/disbursements")).Find("h1")); got != "Disbursements" {
		t.Errorf("English heading %q", got)
	}
}
