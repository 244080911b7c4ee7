package oy_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"backoffice/internal/providers/oy"
	"backoffice/internal/providers/oy/sandbox"
	"backoffice/internal/providers/provider"
)

func TestDocumentedCheckoutResponsesParse(t *testing.T) {
	c := serveFixture(t, 200, fixture(t, "checkout_create_response.json"))
	link, err := c.CreateCheckout(ctx, &oy.CheckoutParams{PartnerTxID: "partnerTxId", SenderName: "Sender name", Amount: 50000})
	if err != nil || link.URL != "https://pay.oyindonesia.com/id" || link.PaymentLinkID != "id" || link.EmailStatus != "PROCESSED" {
		t.Errorf("create %v %+v", err, link)
	}
	c = serveFixture(t, 200, fixture(t, "invoice_create_response.json"))
	link, err = c.CreateInvoice(ctx, &oy.InvoiceParams{CheckoutParams: oy.CheckoutParams{PartnerTxID: "x", SenderName: "A", IsOpen: true}})
	if err != nil || link.URL != "https://pay.oyindonesia.com/invoice/id" {
		t.Errorf("invoice %v %+v", err, link)
	}
	c = serveFixture(t, 200, fixture(t, "recurring_invoice_response.json"))
	link, err = c.CreateInvoice(ctx, &oy.InvoiceParams{CheckoutParams: oy.CheckoutParams{PartnerTxID: "x", SenderName: "A", IsOpen: true}})
	if err != nil || link.EmailStatus != "delivered" {
		t.Errorf("recurring %v %+v", err, link)
	}
	c = serveFixture(t, 200, fixture(t, "checkout_status_response.json"))
	st, err := c.PaymentStatus(ctx, &oy.PaymentStatusParams{PartnerTxID: "OY123456"})
	if err != nil || st.PartnerTxID != "partner000001" || st.TxRefNumber != "1234567" || st.Amount != 15000 ||
		st.SenderPhone != "+6281111111" || st.Status != oy.CheckoutSuccess || !st.Status.Paid() || st.SenderBank != "008" ||
		st.PaymentMethod != "DC" || st.SettlementType != "realtime" {
		t.Errorf("status %v %+v", err, st)
	}
	c = serveFixture(t, 200, fixture(t, "checkout_delete_response.json"))
	if err := c.DeleteCheckout(ctx, "abc"); err != nil {
		t.Errorf("delete %v", err)
	}
	c = serveFixture(t, 200, fixture(t, "checkout_get_response.json"))
	d, err := c.GetCheckout(ctx, "abc10")
	if err != nil {
		t.Fatal(err)
	}
	if d.PartnerTxID != "abc10" || d.PaymentLinkID != "703e05c0-48e3-47bd-9c22-670941d4d5fe" || d.Amount != 15000 ||
		d.Status != oy.CheckoutCreated || !d.IsOpen || d.Step != "input-amount" || len(d.EnabledBanks) != 1 || d.EnabledBanks[0] != "008" ||
		!d.ExpirationTime.Equal(time.Date(2020, 8, 12, 0, 0, 0, 0, oy.Jakarta)) || d.SenderPhoneNumber != "" || d.Invoice == nil {
		t.Fatalf("get %+v", d)
	}
	inv := d.Invoice
	if inv.FullName != "John Dooe" || inv.IsScheduled || len(inv.Items) != 1 || inv.Items[0].Quantity != 2000 ||
		inv.Items[0].PricePerItem != 2250000 || !inv.Items[0].DateOfPurchase.Equal(time.UnixMilli(1590969600000)) {
		t.Errorf("invoice %+v", inv)
	}
}

func TestCheckoutRefusalsAreTyped(t *testing.T) {
	for _, tc := range []struct {
		body, want string
	}{
		{`{"status":false,"message":"Can not delete data is not found"}`, "no payment link"},
		{`{"status":false,"message":"Can not delete, status transaction is COMPLETE"}`, "can no longer be deleted"},
		{`{"status":false,"message":"Can not get API Key is not valid"}`, "credentials"},
		{`{"status":false,"message":"Can not get IP Address not registered"}`, "IP address"},
		{`{"status":false,"message":"Can not get data is not match with username"}`, "another OY account"},
		{`{"status":false,"message":"Can not get paymentLinkId is empty"}`, "missing"},
	} {
		c := serveFixture(t, 200, []byte(tc.body))
		err := c.DeleteCheckout(ctx, "x")
		var oe *provider.Error
		if !asError(err, &oe) || !provider.IsRejected(err) || !strings.Contains(oe.Message, tc.want) || oe.ProviderMessage == "" {
			t.Errorf("%s: %v", tc.body, err)
		}
		if _, err := c.GetCheckout(ctx, "x"); !provider.IsRejected(err) {
			t.Errorf("get %s: %v", tc.body, err)
		}
		if _, err := c.PaymentStatus(ctx, &oy.PaymentStatusParams{PartnerTxID: "x"}); !provider.IsRejected(err) {
			t.Errorf("status %s: %v", tc.body, err)
		}
	}
	for _, body := range []string{`<html>`, ``, `{"success":`, `{"url":"x"}`} {
		c := serveFixture(t, 200, []byte(body))
		if _, err := c.CreateCheckout(ctx, &oy.CheckoutParams{PartnerTxID: "a", SenderName: "A", Amount: 20000}); !provider.IsUnknown(err) {
			t.Errorf("create %q: %v", body, err)
		}
		if _, err := c.GetCheckout(ctx, "a"); !provider.IsUnknown(err) {
			t.Errorf("get %q: %v", body, err)
		}
		if _, err := c.PaymentStatus(ctx, &oy.PaymentStatusParams{PartnerTxID: "a"}); !provider.IsUnknown(err) {
			t.Errorf("status %q: %v", body, err)
		}
	}
	c := serveFixture(t, 200, []byte(`{"success":false,"message":"amount is not valid"}`))
	if _, err := c.CreateCheckout(ctx, &oy.CheckoutParams{PartnerTxID: "a", SenderName: "A", Amount: 20000}); !provider.IsRejected(err) {
		t.Errorf("refused create: %v", err)
	}
	if _, err := c.CreateCheckout(ctx, &oy.CheckoutParams{PartnerTxID: "a", SenderName: "A", Amount: 1000}); !provider.IsRejected(err) {
		t.Errorf("local minimum: %v", err)
	}
}

// withExtra adds documented keys the sample leaves out (the status table
// lists created and updated).
func withExtra(t *testing.T, doc []byte, keys ...string) []byte {
	var m map[string]any
	if err := json.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		m[k] = ""
	}
	b, _ := json.Marshal(m)
	return b
}

func TestSandboxCheckoutShapesMatchDocs(t *testing.T) {
	e := newEnv(t, nil)
	created := e.rawCall(t, "POST", "/api/payment-checkout/create-v2", fixture(t, "checkout_create_request.json"))
	sameKeys(t, "create-v2", fixture(t, "checkout_create_response.json"), created)
	inv := e.rawCall(t, "POST", "/api/payment-checkout/create-invoice", fixture(t, "invoice_create_request.json"))
	sameKeys(t, "create-invoice", fixture(t, "invoice_create_response.json"), inv)
	if !strings.Contains(string(inv), `"success":true`) {
		t.Fatalf("documented invoice request refused: %s", inv)
	}
	sameKeys(t, "get", fixture(t, "checkout_get_response.json"), e.rawCall(t, "GET", "/api/payment-checkout/"+url.PathEscape("partner tx id"), nil))
	// The documented samples expired in 2020; pay a fresh link instead.
	if err := e.sb.PayCheckout("partnerTxId", sandbox.CheckoutPayment{}); err == nil {
		t.Error("a link that expired in 2020 was paid")
	}
	if _, err := e.client.CreateCheckout(ctx, &oy.CheckoutParams{PartnerTxID: "fresh1", SenderName: "Joko", Amount: 15000}); err != nil {
		t.Fatal(err)
	}
	if err := e.sb.PayCheckout("fresh1", sandbox.CheckoutPayment{}); err != nil {
		t.Fatal(err)
	}
	sameKeys(t, "status", withExtra(t, fixture(t, "checkout_status_response.json"), "created", "updated"),
		e.rawCall(t, "GET", "/api/payment-checkout/status?partner_tx_id=fresh1&send_callback=false", nil))
	if _, err := e.client.CreateCheckout(ctx, &oy.CheckoutParams{PartnerTxID: "fresh2", SenderName: "Joko", IsOpen: true}); err != nil {
		t.Fatal(err)
	}
	sameKeys(t, "delete", fixture(t, "checkout_delete_response.json"), e.rawCall(t, "DELETE", "/api/payment-checkout/fresh2", nil))
	cb := e.rc.next(t, "/callbacks/oy/checkout")
	// The page documents the callback's parameters but gives no sample:
	// they are the status sample's keys plus created and updated.
	sameKeys(t, "callback", withExtra(t, fixture(t, "checkout_status_response.json"), "created", "updated"), cb.body)
}

func TestCheckoutLifecycleAgainstSandbox(t *testing.T) {
	e := newEnv(t, nil)
	exp := time.Now().Add(2 * time.Hour)
	link, err := e.client.CreateCheckout(ctx, &oy.CheckoutParams{PartnerTxID: "INV001", Description: "Order 1", SenderName: "Budi Santoso",
		Amount: 50000, Email: "budi@example.com", PhoneNumber: "081234", EnabledBanks: []string{"008", "002"},
		DisabledPaymentMethods: []string{"CREDIT_CARD"}, Expiration: exp})
	if err != nil || !strings.HasPrefix(link.URL, e.srv.URL+"/sandbox/oy/pay/") || link.PaymentLinkID == "" {
		t.Fatalf("create %v %+v", err, link)
	}
	d, err := e.client.GetCheckout(ctx, link.PaymentLinkID)
	if err != nil || d.PartnerTxID != "INV001" || d.Status != oy.CheckoutCreated || d.Amount != 50000 || d.Invoice != nil ||
		len(d.EnabledBanks) != 2 || d.DisabledPaymentMethods[0] != "CREDIT_CARD" || d.ExpirationTime.Unix() != exp.Unix() {
		t.Fatalf("get %v %+v", err, d)
	}
	// The pay page is served at the returned URL.
	resp, err := http.Get(link.URL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "Rp 50.000") || !strings.Contains(string(page), "/simulate/checkout/") {
		t.Errorf("pay page: %s", page)
	}
	// The customer pays through the simulate endpoint.
	resp, err = http.Post(e.srv.URL+"/sandbox/oy/simulate/checkout/INV001/pay", "application/json",
		strings.NewReader(`{"payment_method":"VA","sender_bank":"002","sender_phone":"081234"}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("simulate %v %v", err, resp)
	}
	resp.Body.Close()
	cb, err := oy.ParseCheckoutCallback(e.rc.next(t, "/callbacks/oy/checkout").body)
	if err != nil || cb.PartnerTxID != "INV001" || cb.Status != oy.CheckoutComplete || !cb.Status.Paid() || cb.Amount != 50000 ||
		cb.TxRefNumber == "" || cb.VANumber == "" || cb.SenderBank != "002" || cb.Created.IsZero() {
		t.Fatalf("callback %v %+v", err, cb)
	}
	st, err := e.client.PaymentStatus(ctx, &oy.PaymentStatusParams{PartnerTxID: "INV001", SendCallback: true})
	if err != nil || st.Status != oy.CheckoutComplete || st.TxRefNumber != cb.TxRefNumber {
		t.Fatalf("status %v %+v", err, st)
	}
	again, _ := oy.ParseCheckoutCallback(e.rc.next(t, "/callbacks/oy/checkout").body)
	if again == nil || again.DedupKey() != cb.DedupKey() {
		t.Errorf("send_callback should resend the same callback: %+v", again)
	}
	// A paid link cannot be deleted, paid again, or re-created.
	if err := e.client.DeleteCheckout(ctx, "INV001"); !provider.IsRejected(err) || !strings.Contains(err.Error(), "COMPLETE") {
		t.Errorf("delete paid: %v", err)
	}
	if err := e.sb.PayCheckout("INV001", sandbox.CheckoutPayment{}); err == nil {
		t.Error("paid twice")
	}
	if _, err := e.client.CreateCheckout(ctx, &oy.CheckoutParams{PartnerTxID: "INV001", SenderName: "Budi", Amount: 50000}); !provider.IsRejected(err) {
		t.Errorf("re-create paid: %v", err)
	}
	// An unpaid link can be deleted; OY then reports it closed.
	if _, err := e.client.CreateCheckout(ctx, &oy.CheckoutParams{PartnerTxID: "INV002", SenderName: "Siti", IsOpen: true}); err != nil {
		t.Fatal(err)
	}
	if err := e.client.DeleteCheckout(ctx, "INV002"); err != nil {
		t.Fatal(err)
	}
	closed, _ := oy.ParseCheckoutCallback(e.rc.next(t, "/callbacks/oy/checkout").body)
	if closed == nil || closed.Status != oy.CheckoutClosed || !closed.Status.Final() || closed.Status.Paid() {
		t.Errorf("closed callback %+v", closed)
	}
	if err := e.client.DeleteCheckout(ctx, "nope"); !provider.IsRejected(err) {
		t.Errorf("delete unknown: %v", err)
	}
	if _, err := e.client.PaymentStatus(ctx, &oy.PaymentStatusParams{PartnerTxID: "nope"}); !provider.IsRejected(err) {
		t.Errorf("status unknown: %v", err)
	}
}

// The recurring fields belong to OY's unreleased endpoint and are never
// sent to create-invoice, so OY shows the invoice as not scheduled.
func TestInvoiceWithItemsAgainstSandbox(t *testing.T) {
	e := newEnv(t, nil)
	day := time.Date(2026, 11, 20, 0, 0, 0, 0, oy.Jakarta)
	_, err := e.client.CreateInvoice(ctx, &oy.InvoiceParams{
		CheckoutParams: oy.CheckoutParams{PartnerTxID: "REC1", Description: "Langganan November", SenderName: "Dewi Lestari",
			Amount: 75000, Step: oy.StepSelectPaymentMethod, Email: "dewi@example.com"},
		PartnerUserID: "cust-9", FullName: "Dewi Lestari", IsVALifetime: true,
		Items: []oy.InvoiceItem{{Item: "Paket A", Description: "Bulanan", Quantity: 3, DateOfPurchase: day, PricePerItem: 25000}},
	})
	if err != nil {
		t.Fatal(err)
	}
	d, err := e.client.GetCheckout(ctx, "REC1")
	if err != nil || d.Invoice == nil {
		t.Fatalf("%v %+v", err, d)
	}
	inv := d.Invoice
	if inv.FullName != "Dewi Lestari" || !inv.IsVALifetime || inv.IsScheduled || inv.RecurringFrequency != 0 ||
		inv.RecurringStartDate != "" || inv.RecurringEndDate != "" || len(inv.Items) != 1 ||
		inv.Items[0].PricePerItem != 25000 || !inv.Items[0].DateOfPurchase.Equal(day) {
		t.Errorf("invoice %+v", inv)
	}
	if err := e.sb.PayCheckout("REC1", sandbox.CheckoutPayment{PaymentMethod: "CC", Fail: true}); err != nil {
		t.Fatal(err)
	}
	cb, _ := oy.ParseCheckoutCallback(e.rc.next(t, "/callbacks/oy/checkout").body)
	if cb == nil || cb.Status != oy.CheckoutChargeFailed || cb.Status.Paid() {
		t.Errorf("failed charge %+v", cb)
	}
	st, _ := e.client.PaymentStatus(ctx, &oy.PaymentStatusParams{PartnerTxID: "REC1"})
	if st == nil || st.Status != oy.CheckoutFailed {
		t.Errorf("status after failed charge %+v", st)
	}
}

func TestSandboxCheckoutValidationAndAuth(t *testing.T) {
	e := newEnv(t, nil)
	for _, p := range []oy.CheckoutParams{
		{PartnerTxID: "A1", SenderName: "Budi 2", Amount: 20000},                              // digits in name
		{PartnerTxID: "A2", SenderName: "Budi", Amount: 20000, Description: "Order #1"},       // symbol in description
		{PartnerTxID: "A3", SenderName: "Budi", IsOpen: true, Step: oy.StepInputPersonalInfo}, // step needs amount
		{PartnerTxID: "A4", SenderName: "Budi", Amount: 20000, EnabledBanks: []string{"014"}}, // BCA not for checkout VA
		{PartnerTxID: "A5", SenderName: "Budi", Amount: 20000, PhoneNumber: "+62812"},         // "+" not allowed
		{PartnerTxID: "A6", SenderName: "Budi", Amount: 20000, Step: "somewhere"},             // unknown step
		{PartnerTxID: "A7", SenderName: "Budi", Amount: 20000, DisabledPaymentMethods: []string{"VA", "CREDIT_CARD", "DEBIT_CARD"}},
	} {
		if _, err := e.client.CreateCheckout(ctx, &p); !provider.IsRejected(err) {
			t.Errorf("%+v: %v", p, err)
		}
	}
	bad := oy.New(oy.Config{BaseURL: e.srv.URL + "/sandbox/oy", Username: testUser, APIKey: "wrong"})
	if _, err := bad.CreateCheckout(ctx, &oy.CheckoutParams{PartnerTxID: "B1", SenderName: "Budi", Amount: 20000}); !provider.IsRejected(err) {
		t.Errorf("bad key create: %v", err)
	}
	_, err := bad.GetCheckout(ctx, "B1")
	var oe *provider.Error
	if !asError(err, &oe) || oe.ProviderMessage != "Can not get API Key is not valid" {
		t.Errorf("bad key get: %v", err)
	}
}

// The sandbox refuses what OY documents as refused beyond the page's
// older rules: an amount above the limit, an attachment that is not a PDF
// of at most 2 MB; and a link left unpaid expires with a callback.
func TestSandboxRefusesBadAmountsAndAttachmentsAndExpires(t *testing.T) {
	e := newEnv(t, nil)
	// Past the client's own check, straight to the sandbox.
	post := func(body string) string {
		req, _ := http.NewRequest("POST", e.srv.URL+"/sandbox/oy/api/payment-checkout/create-invoice", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-OY-Username", testUser)
		req.Header.Set("X-Api-Key", testKey)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	if got := post(`{"partner_tx_id":"M1","sender_name":"Budi","amount":100000001}`); !strings.Contains(got, `"success":false`) || !strings.Contains(got, "maximum amount") {
		t.Errorf("over the maximum: %s", got)
	}
	notPDF := base64.StdEncoding.EncodeToString([]byte("PK\x03\x04 zip"))
	if got := post(`{"partner_tx_id":"M2","sender_name":"Budi","amount":20000,"attachment":"` + notPDF + `"}`); !strings.Contains(got, "attachment is not valid") {
		t.Errorf("not a PDF: %s", got)
	}
	big := base64.StdEncoding.EncodeToString(append([]byte("%PDF-1.4\n"), make([]byte, 3<<20)...))
	if got := post(`{"partner_tx_id":"M3","sender_name":"Budi","amount":20000,"attachment":"` + big + `"}`); !strings.Contains(got, "attachment is not valid") {
		t.Errorf("3 MB: %s", got)
	}
	pdf := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4\nsmall"))
	if got := post(`{"partner_tx_id":"M4","sender_name":"Budi","amount":20000,"attachment":"` + pdf + `"}`); !strings.Contains(got, `"success":true`) {
		t.Errorf("a small PDF: %s", got)
	}
	if err := e.sb.ExpireCheckout("M4"); err != nil {
		t.Fatal(err)
	}
	cb, _ := oy.ParseCheckoutCallback(e.rc.next(t, "/callbacks/oy/checkout").body)
	if cb == nil || cb.Status != oy.CheckoutExpired {
		t.Fatalf("expired callback %+v", cb)
	}
	if err := e.sb.PayCheckout("M4", sandbox.CheckoutPayment{}); err == nil {
		t.Fatal("an expired link was paid")
	}
}
