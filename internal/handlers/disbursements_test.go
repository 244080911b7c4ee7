package handlers

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"backoffice/internal/models"
	"backoffice/internal/store"
)

// approveForm ticks the confirmation naming amount, account and name.
func approveForm() url.Values { return url.Values{"confirm": {"yes"}} }

var draftRe = regexp.MustCompile(`name="draft" value="([0-9a-f]+)"`)

// makeDisbursement runs steps 1 and 2 as the maker and returns the new id.
func (a *testApp) makeDisbursement(b *browser, bank, account string, amount int64) int64 {
	a.t.Helper()
	b.get("/disbursements/new")
	p := b.post("/disbursements/inquiry", url.Values{"recipient_bank": {bank}, "recipient_account": {account}, "amount": {strconv.FormatInt(amount, 10)}, "note": {"invoice 42"}})
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `data-testid="page-disbursement-confirm"`) {
		a.t.Fatalf("inquiry for %s: %d %s", account, p.Status, errorsIn(p.Body))
	}
	m := draftRe.FindStringSubmatch(p.Body)
	if m == nil {
		a.t.Fatal("no draft key on the confirmation page")
	}
	c := b.post("/disbursements", url.Values{"draft": {m[1]}, "confirm_name": {"yes"}})
	if c.Status != http.StatusSeeOther || !strings.HasPrefix(c.Location, "/disbursements/") {
		a.t.Fatalf("confirm: %d %s", c.Status, c.Location)
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(c.Location, "/disbursements/"), 10, 64)
	return id
}

var errRe = regexp.MustCompile(`data-testid="error-[a-z_]+">([^<]+)<`)

func errorsIn(body string) string {
	var out []string
	for _, m := range errRe.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return strings.Join(out, " | ")
}

func (a *testApp) disbursement(id int64) *models.Disbursement {
	a.t.Helper()
	d, err := a.store.DisbursementByID(context.Background(), id)
	if err != nil {
		a.t.Fatal(err)
	}
	return d
}

// settle runs the worker and the poller until the disbursement reaches
// want or the time runs out; sandbox callbacks arrive over real HTTP.
func (a *testApp) settle(id int64, want models.DisbursementStatus, within time.Duration) *models.Disbursement {
	a.t.Helper()
	deadline := time.Now().Add(within)
	for {
		a.drain()
		d := a.disbursement(id)
		if d.Status == want {
			return d
		}
		if time.Now().After(deadline) {
			hist, _ := a.store.DisbursementHistory(context.Background(), id)
			a.t.Fatalf("disbursement %d is %s, want %s; timeline %+v", id, d.Status, want, hist.Events)
		}
		// Make every scheduled status check due now.
		a.db.Write.Exec("UPDATE disbursements SET next_poll_at = ? WHERE next_poll_at IS NOT NULL", time.Now().UTC().Add(-time.Second))
		if _, err := a.disb.Poll(context.Background()); err != nil {
			a.t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestDisbursementFromInquiryToSuccessThroughTheCallback(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	id := a.makeDisbursement(fin, "014", "0123456789", 1_250_000)
	d := a.disbursement(id)
	if d.Status != models.DisbWaitingApproval || d.RecipientName == "" || d.Amount != 1_250_000 || d.PartnerTrxID == "" {
		t.Fatalf("after confirm: %+v", d)
	}
	page := fin.get("/disbursements/" + itoa(id))
	if !strings.Contains(page.Body, "someone else must approve") || strings.Contains(page.Body, `data-testid="approve"`) {
		t.Fatal("the maker is offered approval")
	}

	admin := a.signedIn(models.RoleAdmin)
	if p := admin.post("/disbursements/"+itoa(id)+"/approve", approveForm()); p.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d %s", p.Status, p.Body)
	}
	d = a.settle(id, models.DisbSuccess, 10*time.Second)
	if d.OYCode != "000" || d.FinalAt == nil {
		t.Fatalf("success without OY's code or final time: %+v", d)
	}
	hist, _ := a.store.DisbursementHistory(context.Background(), id)
	var fromCallback bool
	for _, e := range hist.Events {
		if e.Source == "callback" && e.CallbackID != nil {
			fromCallback = true
		}
	}
	detail := admin.get("/disbursements/" + itoa(id))
	if !strings.Contains(detail.Body, "Rp 1.250.000") || !strings.Contains(detail.Body, `data-testid="timeline-row"`) {
		t.Fatal("detail page lacks the amount or the timeline")
	}
	if fromCallback && !strings.Contains(detail.Body, `data-testid="timeline-callback"`) {
		t.Fatal("the callback step is not linked to the callback log")
	}
	acts := auditActions(t, a)
	for _, want := range []string{"disbursement.create", "disbursement.approve"} {
		if count(acts, want) != 1 {
			t.Errorf("audit %s: %v", want, acts)
		}
	}
	list := a.signedIn(models.RoleAuditor).get("/disbursements?status=success")
	if !strings.Contains(list.Body, "1 disbursement<") || !strings.Contains(list.Body, "Rp 1.250.000") {
		t.Fatal("list totals do not show the transfer")
	}
}

func TestTheMakerCannotApproveAndAnAuditorCannotDecide(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	id := a.makeDisbursement(fin, "014", "0123456789", 50_000)
	p := fin.post("/disbursements/"+itoa(id)+"/approve", approveForm())
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "you cannot approve") {
		t.Fatalf("maker approval: %d", p.Status)
	}
	if p := a.signedIn(models.RoleAuditor).post("/disbursements/"+itoa(id)+"/approve", approveForm()); p.Status != http.StatusForbidden {
		t.Fatalf("auditor approval: %d", p.Status)
	}
	if d := a.disbursement(id); d.Status != models.DisbWaitingApproval || d.SentAt != nil {
		t.Fatalf("refused approvals changed it: %s", d.Status)
	}
}

func TestConfirmingTwiceMakesOneDisbursement(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	fin.get("/disbursements/new")
	p := fin.post("/disbursements/inquiry", url.Values{"recipient_bank": {"014"}, "recipient_account": {"0123456789"}, "amount": {"75.000"}})
	key := draftRe.FindStringSubmatch(p.Body)[1]
	first := fin.post("/disbursements", url.Values{"draft": {key}, "confirm_name": {"yes"}})
	again := fin.post("/disbursements", url.Values{"draft": {key}, "confirm_name": {"yes"}})
	if first.Location != again.Location || first.Location == "" {
		t.Fatalf("resubmit went to %q, first to %q", again.Location, first.Location)
	}
	n, _, _ := a.store.DisbursementTotals(context.Background(), store.DisbursementFilter{})
	if n != 1 {
		t.Fatalf("%d disbursements after a double submit", n)
	}
	// Not ticking the name box creates nothing.
	p = fin.post("/disbursements/inquiry", url.Values{"recipient_bank": {"014"}, "recipient_account": {"0123456789"}, "amount": {"75000"}})
	key = draftRe.FindStringSubmatch(p.Body)[1]
	if r := fin.post("/disbursements", url.Values{"draft": {key}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, `data-testid="error-confirm_name"`) {
		t.Fatalf("unconfirmed name: %d", r.Status)
	}
	if n, _, _ := a.store.DisbursementTotals(context.Background(), store.DisbursementFilter{}); n != 1 {
		t.Fatal("an unconfirmed draft became a disbursement")
	}
}

func TestBadDisbursementInputIsExplainedAndChangesNothing(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	fin.get("/disbursements/new")
	cases := []struct {
		name            string
		bank, acct, amt string
		emails          string
		field, msg      string
	}{
		{"unknown bank", "999", "0123456789", "50000", "", "recipient_bank", "does not list bank code 999"},
		{"account with letters", "014", "01234-ABC", "50000", "", "recipient_account", "digits only"},
		{"below minimum", "014", "0123456789", "9.999", "", "amount", "smallest transfer is Rp 10.000"},
		{"decimals", "014", "0123456789", "50000,50", "", "amount", "no decimals"},
		{"above the balance", "014", "0123456789", "150.000.000", "", "amount", "balance available now"},
		{"six emails", "014", "0123456789", "50000", "a@x.id,b@x.id,c@x.id,d@x.id,e@x.id,f@x.id", "email", "at most five"},
		{"inquiry 205", "014", "2222222222", "50000", "", "recipient_bank", "Nothing was sent"},
		{"inquiry 209", "014", "8888888888", "50000", "", "recipient_account", "Nothing was sent"},
	}
	for _, c := range cases {
		p := fin.post("/disbursements/inquiry", url.Values{"recipient_bank": {c.bank}, "recipient_account": {c.acct}, "amount": {c.amt}, "email": {c.emails}})
		if p.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d", c.name, p.Status)
			continue
		}
		i := strings.Index(p.Body, `data-testid="error-`+c.field+`"`)
		if i < 0 || !strings.Contains(p.Body[i:min(i+300, len(p.Body))], c.msg) {
			t.Errorf("%s: no %q beside %s (errors: %s)", c.name, c.msg, c.field, errorsIn(p.Body))
		}
		if !strings.Contains(p.Body, `value="`+c.acct+`"`) {
			t.Errorf("%s: the typed account was not kept", c.name)
		}
	}
	if n, _, _ := a.store.DisbursementTotals(context.Background(), store.DisbursementFilter{}); n != 0 {
		t.Fatalf("bad input created %d disbursements", n)
	}
}

// Each mock number of the OY page ends in the documented state.
func TestOYMockNumbersReachTheirDocumentedOutcome(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	admin := a.signedIn(models.RoleAdmin)
	cases := []struct {
		account string
		want    models.DisbursementStatus
		code    string
	}{
		{"1111111111", models.DisbFailed, "203"},
		{"3333333333", models.DisbFailed, "204"},
		{"4444444444", models.DisbFailed, "201"},
		{"5555555555", models.DisbFailed, "202"},
		{"1234567890", models.DisbUnknown, ""},
		{"6666666666", models.DisbInProgress, "102"},
		{"7777777777", models.DisbFailed, "300"},
		{"9999999999", models.DisbPending, "301"},
		{"0123456789", models.DisbSuccess, "000"},
	}
	for _, c := range cases {
		id := a.makeDisbursement(fin, "014", c.account, 20_000)
		if p := admin.post("/disbursements/"+itoa(id)+"/approve", approveForm()); p.Status != http.StatusSeeOther {
			t.Fatalf("%s approve: %d", c.account, p.Status)
		}
		d := a.settle(id, c.want, 8*time.Second)
		// In progress shows 101 before the sandbox settles on 102: poll on for the code.
		for deadline := time.Now().Add(5 * time.Second); c.code != "" && d.OYCode != c.code && time.Now().Before(deadline); {
			time.Sleep(100 * time.Millisecond)
			a.db.Write.Exec("UPDATE disbursements SET next_poll_at = ? WHERE id = ?", time.Now().UTC().Add(-time.Second), id)
			a.disb.Poll(context.Background())
			d = a.disbursement(id)
		}
		if c.code != "" && d.OYCode != c.code {
			t.Errorf("%s: code %s, want %s", c.account, d.OYCode, c.code)
		}
		page := admin.get("/disbursements/" + itoa(id))
		if !strings.Contains(page.Body, c.want.Label()) {
			t.Errorf("%s: page does not say %q", c.account, c.want.Label())
		}
	}
}

func TestTwoApproversRacingSendOneRemit(t *testing.T) {
	a := newTestApp(t)
	other := &models.User{Email: "finance2@example.com", Name: "Second Finance", Role: models.RoleFinance, PasswordHash: testHash()}
	if err := a.store.CreateUser(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	maker := a.signedIn(models.RoleFinance)
	admin := a.signedIn(models.RoleAdmin)
	a.enrolTOTP(other)
	fin2 := a.signedInAs(other.Email)
	for round := range 5 {
		id := a.makeDisbursement(maker, "014", "0123456789", int64(20_000+round))
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i, b := range []*browser{admin, fin2} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = b.post("/disbursements/"+itoa(id)+"/approve", approveForm()).Status
			}()
		}
		wg.Wait()
		hist, _ := a.store.DisbursementHistory(context.Background(), id)
		sends, approvals := 0, 0
		for _, e := range hist.Events {
			if e.Source == "api" {
				sends++
			}
		}
		for _, ap := range hist.Approvals {
			if ap.Decision == "approve" {
				approvals++
			}
		}
		if sends != 1 || approvals != 1 {
			t.Fatalf("round %d: %d remits and %d approvals recorded (statuses %v)", round, sends, approvals, statuses)
		}
	}
}

func TestARemitTimeoutEndsInOneSuccessThroughTheCallback(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	id := a.makeDisbursement(fin, "014", "0123400001", 30_000)
	a.oy.SetSlow("0123400001", 3*time.Second) // longer than the client's 1 s timeout
	admin := a.signedIn(models.RoleAdmin)
	if p := admin.post("/disbursements/"+itoa(id)+"/approve", approveForm()); p.Status != http.StatusSeeOther {
		t.Fatalf("approve: %d", p.Status)
	}
	if d := a.disbursement(id); d.Status != models.DisbUnknown {
		t.Fatalf("after a remit timeout: %s, want unknown — checking", d.Status)
	}
	d := a.settle(id, models.DisbSuccess, 15*time.Second)
	if d.OYCode != "000" {
		t.Fatalf("code %s", d.OYCode)
	}
	hist, _ := a.store.DisbursementHistory(context.Background(), id)
	successes := 0
	for _, e := range hist.Events {
		if e.ToStatus == models.DisbSuccess && e.FromStatus != models.DisbSuccess {
			successes++
		}
	}
	if successes != 1 {
		t.Fatalf("%d moves to success on the timeline", successes)
	}
}

func TestBalancePageAndLowBalanceWarning(t *testing.T) {
	a := newTestApp(t)
	admin := a.signedIn(models.RoleAdmin)
	if p := admin.post("/balance/refresh", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("refresh: %d", p.Status)
	}
	page := admin.get("/balance")
	if !strings.Contains(page.Body, "Rp 100.000.000") || !strings.Contains(page.Body, `data-testid="balance-chart"`) {
		t.Fatal("balance page lacks the reading or the chart")
	}
	if strings.Contains(page.Body, `data-testid="low-balance"`) {
		t.Fatal("warning shown above the threshold")
	}
	if p := admin.post("/settings", url.Values{"low_balance": {"200.000.000"}, "dual_approval_above": {"0"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("settings: %d %s", p.Status, errorsIn(p.Body))
	}
	if p := admin.post("/settings", url.Values{"low_balance": {"lots"}, "dual_approval_above": {"0"}}); p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad threshold accepted: %d", p.Status)
	}
	if page := admin.get("/balance"); !strings.Contains(page.Body, `data-testid="low-balance"`) {
		t.Fatal("no warning below the threshold")
	}
	if p := a.signedIn(models.RoleAuditor).post("/balance/refresh", nil); p.Status != http.StatusForbidden {
		t.Fatalf("auditor refresh: %d", p.Status)
	}
}

func TestTwoApprovalsAboveTheThreshold(t *testing.T) {
	a := newTestApp(t)
	admin := a.signedIn(models.RoleAdmin)
	admin.post("/settings", url.Values{"low_balance": {"0"}, "dual_approval_above": {"1.000.000"}})
	a.approvePending()
	other := &models.User{Email: "finance2@example.com", Name: "Second Finance", Role: models.RoleFinance, PasswordHash: testHash()}
	if err := a.store.CreateUser(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	fin := a.signedIn(models.RoleFinance)
	id := a.makeDisbursement(fin, "014", "0123456789", 2_000_000)
	if d := a.disbursement(id); d.ApprovalsNeeded != 2 {
		t.Fatalf("approvals needed %d", d.ApprovalsNeeded)
	}
	admin.post("/disbursements/"+itoa(id)+"/approve", approveForm())
	if d := a.disbursement(id); d.Status != models.DisbWaitingApproval {
		t.Fatalf("one approval of two sent it: %s", d.Status)
	}
	if p := admin.post("/disbursements/"+itoa(id)+"/approve", approveForm()); p.Status != http.StatusConflict {
		t.Fatalf("same approver twice: %d", p.Status)
	}
	a.enrolTOTP(other)
	fin2 := a.signedInAs(other.Email)
	fin2.post("/disbursements/"+itoa(id)+"/approve", approveForm())
	a.settle(id, models.DisbSuccess, 10*time.Second)
}

func TestOYDownDuringInquirySendsNothing(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	fin.get("/disbursements/new")
	a.oyHTTP.Close()
	p := fin.post("/disbursements/inquiry", url.Values{"recipient_bank": {"014"}, "recipient_account": {"0123456789"}, "amount": {"50000"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, "Nothing was sent") {
		t.Fatalf("OY down: %d %s", p.Status, errorsIn(p.Body))
	}
	if n, _, _ := a.store.DisbursementTotals(context.Background(), store.DisbursementFilter{}); n != 0 {
		t.Fatal("a disbursement was created while OY was down")
	}
}
