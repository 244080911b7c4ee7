package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"backoffice/internal/config"
	"backoffice/internal/db/dbtest"
	"backoffice/internal/models"
	"backoffice/internal/ovo"
	"backoffice/internal/providers/faspay"
	"backoffice/internal/store"
)

// ovoEnv is the whole dashboard with its built-in sandboxes, served over
// loopback at the base URL the sandboxes call back.
type ovoEnv struct {
	t    *testing.T
	app  *App
	srv  *httptest.Server
	user *models.User
}

func newOVOEnv(t *testing.T, extra map[string]string) *ovoEnv {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	env := map[string]string{"DASHBOARD_DATA_DIR": dir, "DASHBOARD_BASE_URL": "http://" + srv.Listener.Addr().String(),
		"DATABASE_URL": dbtest.URL(t, "dashboard.db")}
	for k, v := range extra {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	a, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	u := &models.User{Email: "finance@example.co.id", Name: "Finance", Role: models.RoleFinance, PasswordHash: "x"}
	if err := a.Store.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := a.Build(Options{SettleDelay: 20 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = a.Server.Handler()
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		_ = a.Close()
	})
	return &ovoEnv{t: t, app: a, srv: srv, user: u}
}

func (e *ovoEnv) audit(action string) *models.AuditEntry {
	id := e.user.ID
	return &models.AuditEntry{At: time.Now().UTC(), Action: action, ActorID: &id, ActorEmail: e.user.Email}
}

// submitOVOPage opens a sandbox OVO page (as the customer's browser) and
// submits its form with the OTP and PIN, or cancels it.
func (e *ovoEnv) submitOVOPage(page string, fields url.Values) int {
	e.t.Helper()
	resp, err := http.Get(page)
	if err != nil {
		e.t.Fatal(err)
	}
	doc, err := goquery.NewDocumentFromReader(resp.Body)
	resp.Body.Close()
	if err != nil {
		e.t.Fatal(err)
	}
	form := doc.Find("form").First()
	action, _ := form.Attr("action")
	target, err := url.Parse(page)
	if err != nil {
		e.t.Fatal(err)
	}
	if action != "" {
		ref, _ := url.Parse(action)
		target = target.ResolveReference(ref)
	}
	vals := url.Values{}
	form.Find("input[type=hidden]").Each(func(_ int, s *goquery.Selection) {
		n, _ := s.Attr("name")
		v, _ := s.Attr("value")
		vals.Set(n, v)
	})
	for k, v := range fields {
		vals[k] = v
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err = noFollow.PostForm(target.String(), vals)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode == http.StatusSeeOther && strings.Contains(loc, "/ovo-return/") {
		// DOKU's binding result arrives as the customer's browser returning.
		r2, err := http.Get(loc)
		if err != nil {
			e.t.Fatal(err)
		}
		r2.Body.Close()
	}
	return resp.StatusCode
}

var confirmOTPAndPIN = url.Values{"otp": {"123456"}, "pin": {"123456"}, "action": {"confirm"}}

func (e *ovoEnv) waitAccount(id int64, want models.OVOAccountState) *models.OVOAccount {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		a, err := e.app.Store.OVOAccountByID(context.Background(), id)
		if err != nil {
			e.t.Fatal(err)
		}
		if a.State == want {
			return a
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("account %d is %s (%s), want %s", id, a.State, a.StateReason, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *ovoEnv) waitPayment(id int64, want models.OVOPaymentStatus) *models.OVOPayment {
	e.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p, err := e.app.Store.OVOPaymentByID(context.Background(), id)
		if err != nil {
			e.t.Fatal(err)
		}
		if p.Status == want {
			return p
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("payment %d is %s (%s), want %s", id, p.Status, p.CodeText, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (e *ovoEnv) link(provider, name, phoneNo string) *models.OVOAccount {
	e.t.Helper()
	r, errs := ovo.LinkForm{Name: name, Phone: phoneNo, Provider: provider}.Validate()
	if len(errs) > 0 {
		e.t.Fatal(errs)
	}
	a, err := e.app.OVO.Link(context.Background(), e.user, r, e.audit("ovo_account.link"))
	if err != nil {
		e.t.Fatalf("link: %v", err)
	}
	if a.State != models.OVOPending || a.RedirectURL == "" {
		e.t.Fatalf("linked account = %+v", a)
	}
	if st := e.submitOVOPage(a.RedirectURL, confirmOTPAndPIN); st != http.StatusSeeOther {
		e.t.Fatalf("OTP/PIN page answered %d", st)
	}
	return e.waitAccount(a.ID, models.OVOLinked)
}

func (e *ovoEnv) pay(a *models.OVOAccount, amount int64, payType string) *models.OVOPayment {
	e.t.Helper()
	r, errs := ovo.PayForm{Amount: strconv.FormatInt(amount, 10), Description: "Order", PayType: payType, Email: "siti@example.co.id"}.Validate(a.Provider)
	if len(errs) > 0 {
		e.t.Fatal(errs)
	}
	p, err := e.app.OVO.Pay(context.Background(), e.user, a, r, e.audit("ovo_payment.create"))
	if err != nil {
		e.t.Fatalf("pay: %v", err)
	}
	return p
}

// callbackOf is the stored callback that last changed a payment.
func (e *ovoEnv) callback(id int64) *models.Callback {
	e.t.Helper()
	cb, err := e.app.Store.CallbackByID(context.Background(), id)
	if err != nil {
		e.t.Fatal(err)
	}
	return cb
}

// TestOVOFaspayFlow: link → OTP/PIN → activation callback (with its
// ?token=) → linked; balance; a payment → PIN → notification → paid, the
// notification linked to the payment; the same notification again is
// stored as a duplicate and applied once; history pages; token expired; unlink.
func TestOVOFaspayFlow(t *testing.T) {
	e := newOVOEnv(t, nil)
	ctx := context.Background()
	a := e.link(models.OVOFaspay, "Siti Rahma", "0812-3456-7801")
	if a.CallbackID == nil || a.Cash == nil || *a.Cash != 1_967_700 || a.Points == nil || *a.Points != 2_539_434 {
		t.Fatalf("linked account = %+v", a)
	}
	if cb := e.callback(*a.CallbackID); !cb.Verified || cb.Kind != "ovo-linkage" || cb.RecordType != "ovo_account" ||
		!strings.Contains(cb.VerifyReason, "secret token matched") || strings.Contains(cb.Query, e.app.Config.Faspay.CallbackToken) {
		t.Errorf("activation callback = %+v", cb)
	}
	// Linking the same phone again says so.
	r, _ := ovo.LinkForm{Name: "Siti", Phone: "6281234567801", Provider: models.OVOFaspay}.Validate()
	if _, err := e.app.OVO.Link(ctx, e.user, r, e.audit("ovo_account.link")); err == nil || !strings.Contains(err.Error(), "already linked at Faspay") {
		t.Errorf("second link: %v", err)
	}

	// Balance.
	if err := e.app.OVO.RefreshBalance(ctx, a); err != nil {
		t.Fatal(err)
	}

	// A payment, confirmed with the PIN.
	p := e.pay(a, 150_000, "0")
	if p.Status != models.OVOPayPending || p.RedirectURL == "" || len(p.Ref) != 22 || strings.Trim(p.Ref, "0123456789") != "" {
		t.Fatalf("payment = %+v", p)
	}
	if st := e.submitOVOPage(p.RedirectURL, url.Values{"pin": {"123456"}, "action": {"confirm"}}); st != http.StatusSeeOther {
		t.Fatalf("PIN page answered %d", st)
	}
	paid := e.waitPayment(p.ID, models.OVOPayPaid)
	if paid.CallbackID == nil {
		t.Fatal("paid payment not linked to its notification")
	}
	note := e.callback(*paid.CallbackID)
	if note.RecordType != "ovo_payment" || note.Status != models.CallbackApplied {
		t.Errorf("notification = %+v", note)
	}
	// The same notification again: stored as a duplicate, applied once.
	resp, err := http.Post(e.srv.URL+"/callbacks/faspay/payment-notification", "application/json", strings.NewReader(string(note.Body)))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("repeat answered %d", resp.StatusCode)
	}
	if again := e.waitPayment(p.ID, models.OVOPayPaid); again.CallbackID == nil || *again.CallbackID != *paid.CallbackID || again.UpdatedAt != paid.UpdatedAt {
		t.Errorf("repeat changed the payment: %+v", again)
	}

	// History: the payment is there; pages of one.
	today := time.Now()
	h, err := e.app.OVO.History(ctx, a, today.AddDate(0, 0, -1), today, 1)
	if err != nil || len(h.Transactions) != 1 || h.Transactions[0].Amount != 150_000 {
		t.Fatalf("history = %+v, %v", h, err)
	}
	if h2, err := e.app.OVO.History(ctx, a, today.AddDate(0, 0, -1), today, 2); err != nil || len(h2.Transactions) != 0 {
		t.Errorf("history page 2 = %+v, %v", h2, err)
	}
	// Bad history ranges are refused before any call.
	if _, _, errs := (ovo.HistoryForm{From: "2026-01-10", To: "2026-01-01"}).Validate(today); errs["from"].IsZero() {
		t.Error("start after end accepted")
	}
	if _, _, errs := (ovo.HistoryForm{To: today.AddDate(0, 0, 2).Format("2006-01-02")}).Validate(today); errs["to"].IsZero() {
		t.Error("end after today accepted")
	}

	// Token expired: Faspay 02 shows the regenerate link.
	exp := e.link(models.OVOFaspay, "Budi", "081234569902")
	te := e.pay(exp, 10_000, "0")
	if te.Status != models.OVOPayTokenExpired || te.RegenerateURL == "" || !strings.Contains(te.CodeText, "expired") {
		t.Errorf("token expired payment = %+v", te)
	}

	// Unlink, then unlinking again says so.
	if err := e.app.OVO.Unlink(ctx, a, e.audit("ovo_account.unlink")); err != nil {
		t.Fatal(err)
	}
	un, _ := e.app.Store.OVOAccountByID(ctx, a.ID)
	var ref *ovo.Refusal
	if err := e.app.OVO.Unlink(ctx, un, e.audit("ovo_account.unlink")); !errors.As(err, &ref) || !strings.Contains(ref.Message, "already unlinked") {
		t.Errorf("second unlink: %v", err)
	}
	if err := e.app.OVO.RefreshBalance(ctx, un); !errors.As(err, &ref) || !strings.Contains(ref.Message, "unlinked") {
		t.Errorf("balance of an unlinked account: %v", err)
	}
}

// TestOVODokuFlow: binding → OVO page → return with authCode → linked;
// balance; payment → PIN → notification (token, timestamp, signature) →
// paid, applied once.
func TestOVODokuFlow(t *testing.T) {
	e := newOVOEnv(t, nil)
	ctx := context.Background()
	a := e.link(models.OVODoku, "Dewi", "085700000001")
	if a.CustomerToken == "" || a.Cash == nil || *a.Cash != 1_000_000 {
		t.Fatalf("linked = %+v", a)
	}
	if err := e.app.OVO.RefreshBalance(ctx, a); err != nil {
		t.Fatal(err)
	}
	p := e.pay(a, 10_000, "")
	if p.Status != models.OVOPayPending || p.RedirectURL == "" || p.ExternalID == "" {
		t.Fatalf("payment = %+v", p)
	}
	if st := e.submitOVOPage(p.RedirectURL, url.Values{"pin": {"123456"}, "action": {"confirm"}}); st != http.StatusSeeOther {
		t.Fatalf("PIN page answered %d", st)
	}
	paid := e.waitPayment(p.ID, models.OVOPayPaid)
	note := e.callback(*paid.CallbackID)
	if !note.Verified || note.Kind != "debit-notify" || !strings.Contains(note.VerifyReason, "request path verified") {
		t.Errorf("notification = %+v", note)
	}
	// DOKU resends (same X-EXTERNAL-ID): a duplicate, applied once.
	resp, err := http.PostForm(e.srv.URL+"/sandbox/doku/simulate/notify", url.Values{"partnerReferenceNo": {p.Ref}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		page, err := e.app.Store.ListCallbacks(ctx, store.CallbackFilter{Provider: "doku", Kind: "debit-notify"}, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) >= 2 {
			if !page.Items[0].Duplicate {
				t.Errorf("resent notification not marked duplicate: %+v", page.Items[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the resent notification never arrived")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if again, _ := e.app.Store.OVOPaymentByID(ctx, p.ID); *again.CallbackID != *paid.CallbackID {
		t.Errorf("the duplicate was applied: %+v", again)
	}
	if err := e.app.OVO.Unlink(ctx, a, e.audit("ovo_account.unlink")); err != nil {
		t.Fatal(err)
	}
	if un := e.waitAccount(a.ID, models.OVOUnlinked); un.CustomerToken != "" {
		t.Error("the customer token outlived the unlink")
	}
}

// TestOVORefusalsAndUnknownNotifications: a provider's refusal ends the
// link as failed with its words; a verified notification about a payment
// the dashboard does not hold is kept and explained.
func TestOVORefusalsAndUnknownNotifications(t *testing.T) {
	e := newOVOEnv(t, nil)
	ctx := context.Background()
	r, _ := ovo.LinkForm{Name: "Nobody", Phone: "081234560000", Provider: models.OVOFaspay}.Validate()
	a, err := e.app.OVO.Link(ctx, e.user, r, e.audit("ovo_account.link"))
	fe, ok := ovo.AsFieldError(err)
	if !ok || fe.Field != "phone_no" || !strings.Contains(fe.Message, "not registered as OVO account") {
		t.Fatalf("unregistered phone: %v", err)
	}
	if got := e.waitAccount(a.ID, models.OVOFailed); !strings.Contains(got.StateReason, "not registered") {
		t.Errorf("failed reason = %q", got.StateReason)
	}
	// A failed account does not block linking the phone again.
	r2, _ := ovo.LinkForm{Name: "Nobody", Phone: "081234560000", Provider: models.OVODoku}.Validate()
	if _, err := e.app.OVO.Link(ctx, e.user, r2, e.audit("ovo_account.link")); err != nil {
		t.Errorf("same phone at DOKU: %v", err)
	}

	// A correctly signed notification for a bill_no nobody made.
	body := `{"request":"Payment Notification","trx_id":"9999","merchant_id":"` + e.app.Config.Faspay.MerchantID + `","merchant":"M","bill_no":"123456",` +
		`"payment_reff":"","payment_date":"2026-01-02 03:04:05","payment_status_code":"2","payment_status_desc":"Payment Sukses","bill_total":"1000",` +
		`"payment_total":"1000","payment_channel_uid":"720","payment_channel":"OVO","signature":"` +
		faspay.NotificationSignature(e.app.Config.Faspay.UserID, e.app.Config.Faspay.Password, "123456", "2") + `"}`
	resp, err := http.Post(e.srv.URL+"/callbacks/faspay/payment-notification", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		page, err := e.app.Store.ListCallbacks(ctx, store.CallbackFilter{Provider: "faspay", Kind: "payment-notification"}, 1)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) == 1 && page.Items[0].Status == models.CallbackUnmatched {
			att, err := e.app.Store.CallbackAttempts(ctx, page.Items[0].ID)
			if err != nil || len(att) == 0 || !strings.Contains(att[len(att)-1].Detail, "No OVO payment in the dashboard has this bill_no") {
				t.Errorf("unknown payment explained as %+v, %v", att, err)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("notification for an unknown payment: %+v", page.Items)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDokuPublicKeyFileRefusedWithTheSandbox: the built-in sandbox signs
// with its own generated key, so DOKU's public key cannot verify it.
func TestDokuPublicKeyFileRefusedWithTheSandbox(t *testing.T) {
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"DASHBOARD_DATA_DIR": dir, "DOKU_PUBLIC_KEY_FILE": dir + "/doku-public.pem"}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	a, err := Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer a.DB.Close()
	if err := a.Build(Options{}); err == nil || !strings.Contains(err.Error(), "DOKU_PUBLIC_KEY_FILE") || !strings.Contains(err.Error(), "sandbox") {
		t.Fatalf("Build = %v", err)
	}
}

// TestOVOUnknownPaymentSettledByNotification: a payment whose answer was
// lost stays unknown (never sent again) until the notification settles it.
func TestOVOUnknownPaymentSettledByNotification(t *testing.T) {
	e := newOVOEnv(t, nil)
	ctx := context.Background()
	a := e.link(models.OVOFaspay, "Rina", "081234561111")
	p := &models.OVOPayment{AccountID: a.ID, Provider: models.OVOFaspay, Ref: "2026010203040512345678", Amount: 5000, Description: "x", PayType: "0",
		MakerID: e.user.ID, MakerEmail: e.user.Email}
	if err := e.app.Store.CreateOVOPayment(ctx, p, e.audit("ovo_payment.create")); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.Store.ChangeOVOPayment(ctx, p.ID, store.OVOPaymentChange{To: models.OVOPayUnknown, CodeText: "no answer"}); err != nil {
		t.Fatal(err)
	}
	body := `{"request":"Payment Notification","trx_id":"T77","merchant_id":"` + e.app.Config.Faspay.MerchantID + `","merchant":"M","bill_no":"` + p.Ref + `",` +
		`"payment_date":"2026-01-02 03:04:05","payment_status_code":"2","payment_status_desc":"Sukses","bill_total":"5000","payment_total":"5000",` +
		`"payment_channel_uid":"720","payment_channel":"OVO","signature":"` + faspay.NotificationSignature(e.app.Config.Faspay.UserID, e.app.Config.Faspay.Password, p.Ref, "2") + `"}`
	resp, err := http.Post(e.srv.URL+"/callbacks/faspay/payment-notification", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := e.waitPayment(p.ID, models.OVOPayPaid); got.ProviderRef != "T77" || got.CallbackID == nil {
		t.Errorf("settled payment = %+v", got)
	}
	// A late "in process" after paid changes nothing.
	late := strings.Replace(strings.Replace(body, `"payment_status_code":"2"`, `"payment_status_code":"1"`, 1),
		faspay.NotificationSignature(e.app.Config.Faspay.UserID, e.app.Config.Faspay.Password, p.Ref, "2"),
		faspay.NotificationSignature(e.app.Config.Faspay.UserID, e.app.Config.Faspay.Password, p.Ref, "1"), 1)
	resp, err = http.Post(e.srv.URL+"/callbacks/faspay/payment-notification", "application/json", strings.NewReader(late))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		page, _ := e.app.Store.ListCallbacks(ctx, store.CallbackFilter{Provider: "faspay", Kind: "payment-notification"}, 1)
		if len(page.Items) == 1 && page.Items[0].Status != models.CallbackPending {
			if page.Items[0].Status != models.CallbackNoChange {
				t.Errorf("late in-process notification: %s", page.Items[0].Status)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("late notification never processed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got, _ := e.app.Store.OVOPaymentByID(ctx, p.ID); got.Status != models.OVOPayPaid {
		t.Errorf("moved backwards to %s", got.Status)
	}
}

// TestOVOPaymentFormSentTwiceChargesOnce: the form's one-time key finds
// the payment it made; nothing is sent again.
func TestOVOPaymentFormSentTwiceChargesOnce(t *testing.T) {
	e := newOVOEnv(t, nil)
	ctx := context.Background()
	a := e.link(models.OVODoku, "Tono", "085700007777")
	r, errs := ovo.PayForm{Amount: "20.000", Description: "Order", Key: "form-key-1"}.Validate(a.Provider)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	first, err := e.app.OVO.Pay(ctx, e.user, a, r, e.audit("ovo_payment.create"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.app.OVO.Pay(ctx, e.user, a, r, e.audit("ovo_payment.create"))
	if !errors.Is(err, ovo.ErrAlreadyCharged) || again.ID != first.ID {
		t.Fatalf("second submit: %v, payment %+v", err, again)
	}
	if ps, _ := e.app.Store.OVOPayments(ctx, a.ID, 10); len(ps) != 1 {
		t.Errorf("%d payments after submitting one form twice", len(ps))
	}
}
