package handlers

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"backoffice/internal/intake"
	"backoffice/internal/models"
	"backoffice/internal/providers/ayopop"
	ayopopsb "backoffice/internal/providers/ayopop/sandbox"
	"backoffice/internal/providers/provider"
	"backoffice/internal/store"
	"backoffice/internal/topups"
)

// topupApp is the test server with the OVO top-up workflow against the
// built-in Ayopop sandbox, which calls the server back over loopback.
type topupApp struct {
	*testApp
	sb   *ayopopsb.Sandbox
	svc  *topups.Service
	sbWS *httptest.Server
}

func newTopupApp(t *testing.T) *topupApp {
	t.Helper()
	a := newTestApp(t)
	cfg := a.cfg.Ayopop
	sb := ayopopsb.New(ayopopsb.Options{PartnerID: cfg.PartnerID, APIKey: cfg.APIKey, Secret: cfg.Secret,
		CallbackURL: a.http.URL + "/callbacks/ayopop?token=" + cfg.CallbackToken, SettleDelay: 150 * time.Millisecond, CallbackRetry: 50 * time.Millisecond})
	ws := httptest.NewServer(sb)
	t.Cleanup(func() { ws.Close(); sb.Close() })
	client := ayopop.New(ayopop.Config{BaseURL: ws.URL, PartnerID: cfg.PartnerID, APIKey: cfg.APIKey, Secret: cfg.Secret, Timeout: 2 * time.Second},
		ayopop.WithRetry(provider.RetryPolicy{Attempts: 2, Base: 10 * time.Millisecond}))
	svc := topups.New(a.store, client, a.srv.log, a.clock.Now)
	a.srv.topups = svc
	a.worker.Register("ayopop", "topup", intake.ProcessorFunc(svc.ProcessCallback))
	return &topupApp{testApp: a, sb: sb, svc: svc, sbWS: ws}
}

var topupPath = regexp.MustCompile(`^/ovo-topups/(\d+)$`)

// makeTopup runs the form, the inquiry and the confirmation; it returns the
// confirmation's redirect and the top-up made.
func (a *topupApp) makeTopup(b *browser, phoneNo, product, amount string) (page, *models.Topup) {
	a.t.Helper()
	p := b.post("/ovo-topups/inquiry", url.Values{"phone": {phoneNo}, "product": {product}, "amount": {amount}})
	if p.Status != http.StatusOK {
		a.t.Fatalf("inquiry: status %d\n%s", p.Status, p.Body)
	}
	draft, ok := doc(a.t, p).Find(`[data-testid="confirm-form"] input[name="draft"]`).Attr("value")
	if !ok {
		a.t.Fatalf("no draft on the confirmation page")
	}
	p = b.post("/ovo-topups", url.Values{"draft": {draft}, "confirm_name": {"yes"}})
	m := topupPath.FindStringSubmatch(p.Location)
	if p.Status != http.StatusSeeOther || m == nil {
		a.t.Fatalf("confirm: status %d location %q\n%s", p.Status, p.Location, p.Body)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	t, err := a.store.TopupByID(context.Background(), id)
	if err != nil {
		a.t.Fatal(err)
	}
	return p, t
}

// waitStatus processes arriving callbacks until the top-up reaches want.
func (a *topupApp) waitStatus(id int64, want models.TopupStatus) *models.Topup {
	a.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, err := a.worker.RunOnce(context.Background()); err != nil {
			a.t.Fatal(err)
		}
		t, err := a.store.TopupByID(context.Background(), id)
		if err != nil {
			a.t.Fatal(err)
		}
		if t.Status == want {
			return t
		}
		if time.Now().After(deadline) {
			a.t.Fatalf("top-up %d is %s, want %s", id, t.Status, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (a *topupApp) checkReceipt(b *browser, t *models.Topup, amount, fee, total string) {
	a.t.Helper()
	p := b.get("/ovo-topups/" + itoa(t.ID) + "/receipt")
	if p.Status != http.StatusOK {
		a.t.Fatalf("receipt: status %d", p.Status)
	}
	for id, want := range map[string]string{
		"receipt-note-id": "SALDO OVO CASH ANDA AKAN DIPOTONG BIAYA ADMIN RP 2.000",
		"receipt-note-en": "YOUR OVO CASH BALANCE WILL BE DEDUCTED WITH RP 2.000 ADMIN FEE",
		"receipt-amount":  amount, "receipt-fee": fee, "receipt-total": total,
		"receipt-name": t.CustomerName, "receipt-ref": t.RefNumber, "receipt-phone": "0" + strings.TrimPrefix(t.Phone, "62"),
	} {
		if got := strings.TrimSpace(byTestID(a.t, p, id).Text()); got != want {
			a.t.Errorf("receipt %s = %q, want %q", id, got, want)
		}
	}
	for _, id := range []string{"receipt-serial", "receipt-trx", "receipt-paid-at", "receipt-product"} {
		if strings.TrimSpace(byTestID(a.t, p, id).Text()) == "" {
			a.t.Errorf("receipt %s is empty", id)
		}
	}
	if !strings.Contains(byTestID(a.t, p, "receipt-paid-at").Text(), "WIB") {
		a.t.Errorf("paid-at not in WIB: %q", byTestID(a.t, p, "receipt-paid-at").Text())
	}
}

// A closed denomination from the form to the receipt: the callback is
// confirmed with bill/status and applied; a second submit of the same
// confirmation pays nothing more.
func TestTopupClosedAmountInquiryToReceipt(t *testing.T) {
	a := newTopupApp(t)
	b := a.signedIn(models.RoleFinance)
	start := a.sb.Balance()

	form := b.get("/ovo-topups/new")
	if form.Status != http.StatusOK || byTestID(t, form, "field-product").Find(`option[value="AYOVO50"]`).Length() != 1 {
		t.Fatalf("form: status %d, AYOVO50 not offered", form.Status)
	}
	if byTestID(t, form, "field-product").Find(`option[value="AYOVO5"]`).Length() != 0 {
		t.Error("an inactive product is offered")
	}
	inq := b.post("/ovo-topups/inquiry", url.Values{"phone": {"+62 812-3456-7890"}, "product": {"AYOVO50"}})
	if inq.Status != http.StatusOK {
		t.Fatalf("inquiry: %d\n%s", inq.Status, inq.Body)
	}
	if byTestID(t, inq, "customer-name").Text() == "" {
		t.Error("no customer name on the confirmation")
	}
	if got := strings.TrimSpace(byTestID(t, inq, "confirm-total").Text()); got != "Rp 51.300" {
		t.Errorf("confirm total = %q, want Rp 51.300", got)
	}
	draft, _ := doc(t, inq).Find(`input[name="draft"]`).Attr("value")

	// Not ticking the name is refused and nothing is made.
	if p := b.post("/ovo-topups", url.Values{"draft": {draft}}); p.Status != http.StatusUnprocessableEntity || byTestID(t, p, "error-confirm_name").Length() != 1 {
		t.Fatalf("unticked name: status %d", p.Status)
	}
	first := b.post("/ovo-topups", url.Values{"draft": {draft}, "confirm_name": {"yes"}})
	again := b.post("/ovo-topups", url.Values{"draft": {draft}, "confirm_name": {"yes"}})
	if first.Location == "" || again.Location != first.Location {
		t.Fatalf("double submit went to %q then %q", first.Location, again.Location)
	}
	id, _ := strconv.ParseInt(topupPath.FindStringSubmatch(first.Location)[1], 10, 64)
	tp, _ := a.store.TopupByID(context.Background(), id)
	if tp.Status != models.TopupPending || tp.Phone != "6281234567890" || tp.Amount != 51300 {
		t.Fatalf("after payment: %+v", tp)
	}
	tp = a.waitStatus(id, models.TopupSuccess)
	if got := start - a.sb.Balance(); got != 51300 {
		t.Errorf("deposit went down by %d, want one payment of 51300", got)
	}
	if tp.SerialNumber == "" || tp.TransactionID == "" {
		t.Errorf("success without serial or transaction id: %+v", tp)
	}
	detail := b.get(first.Location)
	if s, _ := byTestID(t, detail, "status").Find(`[data-testid="badge"]`).Attr("data-status"); s != "success" {
		t.Errorf("detail status %q", s)
	}
	// The callback and the top-up link to each other.
	link, ok := byTestID(t, detail, "timeline-callback").Attr("href")
	if !ok {
		t.Fatal("no callback on the timeline")
	}
	cb := b.get(link)
	if href, _ := byTestID(t, cb, "record-link").Attr("href"); href != first.Location {
		t.Errorf("callback links to %q, want %q", href, first.Location)
	}
	a.checkReceipt(b, tp, "Rp 51.300", "Rp 0", "Rp 51.300")
}

// An open amount, settled by the poller, which never asks sooner than
// Ayopop's 150 seconds.
func TestTopupOpenAmountSettledByPolling(t *testing.T) {
	a := newTopupApp(t)
	b := a.signedIn(models.RoleFinance)
	inq := b.post("/ovo-topups/inquiry", url.Values{"phone": {"0813 1111 2222"}, "product": {"AYOVOOPEN"}, "amount": {"150.000"}})
	if got := strings.TrimSpace(byTestID(t, inq, "confirm-fee").Text()); got != "Rp 1.500" {
		t.Fatalf("fee = %q\n%s", got, inq.Body)
	}
	_, tp := a.makeTopup(b, "0813 1111 2222", "AYOVOOPEN", "150.000")
	if tp.Status != models.TopupPending || tp.Amount != 150000 || tp.AdminFee != 1500 {
		t.Fatalf("after payment: %+v", tp)
	}
	time.Sleep(300 * time.Millisecond) // the sandbox settles; its callback is left unprocessed
	a.clock.Advance(ayopop.StatusCheckDelay - time.Second)
	if n, err := a.svc.Poll(context.Background()); err != nil || n != 0 {
		t.Fatalf("poll before 150 s checked %d (%v)", n, err)
	}
	a.clock.Advance(2 * time.Second)
	if n, err := a.svc.Poll(context.Background()); err != nil || n != 1 {
		t.Fatalf("poll after 150 s checked %d (%v)", n, err)
	}
	tp, _ = a.store.TopupByID(context.Background(), tp.ID)
	if tp.Status != models.TopupSuccess || tp.NextPollAt != nil {
		t.Fatalf("after poll: %s next %v", tp.Status, tp.NextPollAt)
	}
	a.checkReceipt(b, tp, "Rp 150.000", "Rp 1.500", "Rp 151.500")
}

// Above the threshold a second person approves; the maker cannot, and
// nothing is paid before the approval.
func TestTopupApprovalAboveThreshold(t *testing.T) {
	a := newTopupApp(t)
	admin := a.signedIn(models.RoleAdmin)
	form := url.Values{"low_balance": {"10.000.000"}, "dual_approval_above": {"0"}, "topup_approval_above": {"100.000"}, "ayopop_low_balance": {"5.000.000"}}
	if p := admin.post("/settings", form); p.Status != http.StatusSeeOther {
		t.Fatalf("settings: %d\n%s", p.Status, p.Body)
	}
	// The top-up approval threshold is a money rule: it changes only when a
	// second admin approves the request.
	if v, _ := a.store.Setting(context.Background(), topups.SettingApprovalAbove, ""); v == "100000" {
		t.Fatal("the top-up threshold changed before a second admin approved it")
	}
	a.approvePending()
	if v, _ := a.store.Setting(context.Background(), topups.SettingApprovalAbove, ""); v != "100000" {
		t.Fatalf("top-up threshold after approval = %q", v)
	}
	start := a.sb.Balance()
	fin := a.signedIn(models.RoleFinance)
	_, tp := a.makeTopup(fin, "081299998888", "AYOVO100", "")
	if tp.Status != models.TopupWaitingApproval || tp.ApprovalsNeeded != 1 {
		t.Fatalf("above threshold: %s needs %d", tp.Status, tp.ApprovalsNeeded)
	}
	if a.sb.Balance() != start {
		t.Fatal("paid before approval")
	}
	if p := fin.post("/ovo-topups/"+itoa(tp.ID)+"/approve", nil); p.Status != http.StatusForbidden {
		t.Fatalf("maker approving: %d", p.Status)
	}
	p := admin.post("/ovo-topups/"+itoa(tp.ID)+"/approve", nil)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", p.Status, p.Body)
	}
	if p := admin.post("/ovo-topups/"+itoa(tp.ID)+"/approve", nil); p.Status != http.StatusConflict {
		t.Fatalf("second approval: %d", p.Status)
	}
	a.waitStatus(tp.ID, models.TopupSuccess)
	if got := start - a.sb.Balance(); got != 101300 {
		t.Errorf("deposit went down by %d, want 101300", got)
	}
	// Below the threshold nothing waits.
	_, small := a.makeTopup(fin, "081299997777", "AYOVO10", "")
	if small.Status == models.TopupWaitingApproval {
		t.Errorf("below threshold waits for approval")
	}
}

// The same callback twice is applied once: intake marks the repeat a
// duplicate, and even processed again it changes nothing.
func TestTopupSameCallbackTwiceAppliedOnce(t *testing.T) {
	a := newTopupApp(t)
	b := a.signedIn(models.RoleFinance)
	_, tp := a.makeTopup(b, "081244449002", "AYOVO20", "")
	if tp.Status != models.TopupPending {
		t.Fatalf("status %s", tp.Status)
	}
	resp, err := http.PostForm(a.sbWS.URL+"/simulate/settle", url.Values{"refNumber": {tp.RefNumber}, "status": {"success"}})
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("settle: %v %v", err, resp)
	}
	resp.Body.Close()
	a.waitStatus(tp.ID, models.TopupSuccess)
	page, err := a.store.ListCallbacks(context.Background(), store.CallbackFilter{Provider: "ayopop"}, 10)
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("callbacks: %d (%v)", len(page.Items), err)
	}
	orig, _ := a.store.CallbackByID(context.Background(), page.Items[0].ID)
	for i := 0; i < 2; i++ {
		r, err := http.Post(a.http.URL+"/callbacks/ayopop?token="+a.cfg.Ayopop.CallbackToken, "application/json", bytes.NewReader(orig.Body))
		if err != nil || r.StatusCode != http.StatusOK {
			t.Fatalf("repeat callback: %v %v", err, r)
		}
		r.Body.Close()
	}
	if _, err := a.worker.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	page, _ = a.store.ListCallbacks(context.Background(), store.CallbackFilter{Provider: "ayopop"}, 10)
	applied, dup := 0, 0
	for _, cb := range page.Items {
		switch {
		case cb.Duplicate:
			dup++
		case cb.Status == models.CallbackApplied:
			applied++
		}
	}
	if applied != 1 || dup != 2 {
		t.Errorf("applied %d duplicates %d, want 1 and 2", applied, dup)
	}
	// Processed again by hand (a replay), the same state changes nothing.
	res := a.svc.ProcessCallback(context.Background(), orig)
	if res.Outcome != models.CallbackApplied || res.Change == nil {
		t.Fatalf("replay result %+v", res)
	}
	moved, err := a.store.ApplyTopupStatus(context.Background(), tp.ID, res.Change.(store.TopupMove).Change)
	if err != nil || moved {
		t.Errorf("replay moved the top-up again: %v %v", moved, err)
	}
	hist, _ := a.store.TopupHistory(context.Background(), tp.ID)
	withCallback := 0
	for _, e := range hist.Events {
		if e.CallbackID != nil {
			withCallback++
		}
	}
	if withCallback != 1 {
		t.Errorf("%d timeline lines from callbacks, want 1", withCallback)
	}
}

// A payment whose answer is lost is unknown; it is never paid again and
// the status call settles it.
func TestTopupUnknownPaymentSettledByStatus(t *testing.T) {
	a := newTopupApp(t)
	b := a.signedIn(models.RoleFinance)
	start := a.sb.Balance()
	p, tp := a.makeTopup(b, "081255559003", "AYOVO10", "")
	if tp.Status != models.TopupUnknown {
		t.Fatalf("lost answer: status %s", tp.Status)
	}
	if f := byTestID(t, b.get(p.Location), "status"); f.Length() != 1 {
		t.Fatal("no status on the detail page")
	}
	time.Sleep(300 * time.Millisecond) // the sandbox books it as a success; its callback is left unprocessed
	a.clock.Advance(ayopop.StatusCheckDelay + time.Second)
	if _, err := a.svc.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	tp, _ = a.store.TopupByID(context.Background(), tp.ID)
	if tp.Status != models.TopupSuccess {
		t.Fatalf("after status: %s", tp.Status)
	}
	if got := start - a.sb.Balance(); got != 11300 {
		t.Errorf("deposit went down by %d, want one payment of 11300", got)
	}
}

// Bad input: a sentence beside the field, input kept, 422, nothing made.
func TestTopupBadInput(t *testing.T) {
	a := newTopupApp(t)
	b := a.signedIn(models.RoleFinance)
	for _, c := range []struct {
		phone, product, amount, field string
	}{
		{"12345", "AYOVO10", "", "phone"},
		{"0812-abc", "AYOVO10", "", "phone"},
		{"081234567890", "", "", "product"},
		{"081234567890", "AYOVO5", "", "product"},
		{"081234567890", "AYOVOOPEN", "", "amount"},
		{"081234567890", "AYOVOOPEN", "5.000", "amount"},
		{"081234567890", "AYOVOOPEN", "1,5", "amount"},
		{"081200000000", "AYOVO10", "", "phone"}, // Ayopop: no OVO account
	} {
		p := b.post("/ovo-topups/inquiry", url.Values{"phone": {c.phone}, "product": {c.product}, "amount": {c.amount}})
		if p.Status != http.StatusUnprocessableEntity || strings.TrimSpace(byTestID(t, p, "error-"+c.field).Text()) == "" {
			t.Errorf("%+v: status %d, no error beside %s", c, p.Status, c.field)
			continue
		}
		if v, _ := doc(t, p).Find(`input[name="phone"]`).Attr("value"); v != c.phone {
			t.Errorf("%+v: phone not kept: %q", c, v)
		}
	}
	list, err := a.store.ListTopups(context.Background(), store.TopupFilter{}, 10)
	if err != nil || len(list.Items) != 0 {
		t.Errorf("bad input made %d top-ups (%v)", len(list.Items), err)
	}
	// A callback for a reference the dashboard does not hold is kept, unmatched.
	body := `{"success":true,"responseCode":0,"message":{"ID":"x","EN":"x"},"data":{"refNumber":"NOPE1","transactionId":1,"accountNumber":"081200001111","amount":11300}}`
	r, err := http.Post(a.http.URL+"/callbacks/ayopop?token="+a.cfg.Ayopop.CallbackToken, "application/json", strings.NewReader(body))
	if err != nil || r.StatusCode != http.StatusOK {
		t.Fatalf("unknown callback: %v %v", err, r)
	}
	r.Body.Close()
	if _, err := a.worker.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	page, _ := a.store.ListCallbacks(context.Background(), store.CallbackFilter{Provider: "ayopop"}, 10)
	if len(page.Items) != 1 || page.Items[0].Status != models.CallbackUnmatched {
		t.Errorf("unknown reference callback: %+v", page.Items)
	}
}

// The list filters by state, product and prefix, totals amounts and fees,
// and exports; the deposit is on the list and the overview.
func TestTopupListAndDeposit(t *testing.T) {
	a := newTopupApp(t)
	b := a.signedIn(models.RoleFinance)
	_, t1 := a.makeTopup(b, "081230001111", "AYOVO10", "")
	_, t2 := a.makeTopup(b, "081240002222", "AYOVOOPEN", "20.000")
	a.waitStatus(t1.ID, models.TopupSuccess)
	a.waitStatus(t2.ID, models.TopupSuccess)

	p := b.get("/ovo-topups")
	if n := byTestID(t, p, "topup-row").Length(); n != 2 {
		t.Fatalf("%d rows", n)
	}
	if got := byTestID(t, p, "totals-amount").Text(); !strings.Contains(got, "Rp 31.300") {
		t.Errorf("amount total %q", got)
	}
	if got := byTestID(t, p, "totals-fees").Text(); !strings.Contains(got, "Rp 1.500") {
		t.Errorf("fees total %q", got)
	}
	if byTestID(t, p, "ayopop-deposit-amount").Length() != 1 {
		t.Error("no deposit on the list")
	}
	for q, want := range map[string]int{"?product=AYOVOOPEN": 1, "?q=0812400": 1, "?q=" + t1.RefNumber[:8]: 2, "?status=failed": 0, "?q=6281230": 1} {
		if n := byTestID(t, b.get("/ovo-topups"+q), "topup-row").Length(); n != want {
			t.Errorf("%s: %d rows, want %d", q, n, want)
		}
	}
	if p := b.get("/ovo-topups?status=nope"); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("bad status filter: %d", p.Status)
	}
	csv := b.get("/ovo-topups?format=csv&product=AYOVO10")
	if csv.Status != http.StatusOK || strings.Count(strings.TrimSpace(csv.Body), "\n") != 1 || !strings.Contains(csv.Body, t1.RefNumber) {
		t.Errorf("csv export: %d\n%s", csv.Status, csv.Body)
	}
	if x := b.get("/ovo-topups?format=xlsx"); x.Status != http.StatusOK || !strings.HasPrefix(x.Body, "PK") {
		t.Errorf("xlsx export: %d", x.Status)
	}
	// Low deposit warning once the threshold is above the deposit.
	admin := a.signedIn(models.RoleAdmin)
	admin.post("/settings", url.Values{"low_balance": {"10.000.000"}, "dual_approval_above": {"0"}, "topup_approval_above": {"1.000.000"}, "ayopop_low_balance": {"50.000.000"}})
	if byTestID(t, b.get("/ovo-topups"), "ayopop-deposit-low").Length() != 1 {
		t.Error("no low-deposit warning on the list")
	}
	if byTestID(t, b.get("/"), "ayopop-deposit-low").Length() != 1 {
		t.Error("no low-deposit warning on the overview")
	}
	// A receipt exists only for a successful top-up.
	if p := b.get("/ovo-topups/999/receipt"); p.Status != http.StatusNotFound {
		t.Errorf("receipt of nothing: %d", p.Status)
	}
}

// Ayopop reports a failure (101): the contract does not confirm that range
// as final, so the top-up is "reported failed — checking" and still polled,
// never paid again; Ayopop down at inquiry is a sentence and nothing made.
func TestTopupReportedFailureAndAyopopDown(t *testing.T) {
	a := newTopupApp(t)
	b := a.signedIn(models.RoleFinance)
	start := a.sb.Balance()
	_, tp := a.makeTopup(b, "081266669001", "AYOVO10", "")
	tp = a.waitStatus(tp.ID, models.TopupFailing)
	if tp.NextPollAt == nil || tp.Code != "101" {
		t.Errorf("reported failure: next poll %v code %q", tp.NextPollAt, tp.Code)
	}
	if a.sb.Balance() != start {
		t.Errorf("deposit %d after the refunded failure, want %d", a.sb.Balance(), start)
	}
	a.clock.Advance(ayopop.StatusCheckDelay + time.Second)
	if n, err := a.svc.Poll(context.Background()); err != nil || n != 1 {
		t.Fatalf("poll: %d %v", n, err)
	}
	tp, _ = a.store.TopupByID(context.Background(), tp.ID)
	if tp.Status != models.TopupFailing || tp.NextPollAt == nil {
		t.Errorf("after poll: %s next %v", tp.Status, tp.NextPollAt)
	}

	a.sbWS.Close()
	p := b.post("/ovo-topups/inquiry", url.Values{"phone": {"081277778888"}, "product": {"AYOVO10"}})
	if p.Status != http.StatusUnprocessableEntity || strings.TrimSpace(byTestID(t, p, "form-error").Text()) == "" {
		t.Errorf("Ayopop down: status %d, no form error", p.Status)
	}
	list, _ := a.store.ListTopups(context.Background(), store.TopupFilter{}, 10)
	if len(list.Items) != 1 {
		t.Errorf("%d top-ups, want the one from before", len(list.Items))
	}
}
