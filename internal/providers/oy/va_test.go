package oy_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"backoffice/internal/providers/oy"
	"backoffice/internal/providers/oy/sandbox"
	"backoffice/internal/providers/provider"
)

func TestDocumentedVAResponsesParse(t *testing.T) {
	c := serveFixture(t, 200, fixture(t, "va_create_response.json"))
	va, err := c.CreateVA(ctx, &oy.CreateVAParams{PartnerUserID: "oy00000001", BankCode: "002", Amount: 500000})
	if err != nil {
		t.Fatal(err)
	}
	if va.ID != "12345b1-23be-45670-a123-5ca678f12b3e" || va.Amount != 500000 || va.VANumber != "123456789182827272" ||
		va.IsOpen || va.Status != oy.VAWaitingPayment || va.RawExpiration != 1582783668175 ||
		!va.ExpiresAt.Equal(time.UnixMilli(1582783668175)) || va.UsernameDisplay != "va name" || va.PartnerUserID != "oy00000001" {
		t.Errorf("create %+v", va)
	}
	c = serveFixture(t, 200, fixture(t, "va_get_response.json"))
	va, err = c.GetVA(ctx, "1414255-12121-21212121-212121")
	if err != nil || va.Amount != 10000 || !va.IsOpen || va.PartnerUserID != "123456" || va.AmountDetected != 0 {
		t.Errorf("get %v %+v", err, va)
	}
	c = serveFixture(t, 200, fixture(t, "va_update_response.json"))
	amt := int64(50000)
	va, err = c.UpdateVA(ctx, "1414255-12121-21212121-212121", &oy.UpdateVAParams{Amount: &amt})
	if err != nil || va.Amount != 50000 || va.VANumber != "1001234000000000001" || va.PartnerUserID != "12345677" {
		t.Errorf("update %v %+v", err, va)
	}
	c = serveFixture(t, 200, fixture(t, "va_list_response.json"))
	list, err := c.ListVAs(ctx, &oy.ListParams{Limit: 10})
	if err != nil || list.Total != 5 || len(list.Data) != 2 || list.Data[1].AmountDetected != 500000 ||
		list.Data[0].Status != oy.VAExpired || list.Data[0].Status.Open() {
		t.Errorf("list %v %+v", err, list)
	}
	c = serveFixture(t, 200, fixture(t, "va_tx_history_response.json"))
	h, err := c.VATransactions(ctx, "12345676788898", nil)
	if err != nil || h.Count != 1 || len(h.Transactions) != 1 {
		t.Fatalf("history %v %+v", err, h)
	}
	tx := h.Transactions[0]
	if tx.Amount != 10000 || tx.AdminFee != 1000 || tx.VANumber != "123456000000000001" ||
		!tx.Created.Equal(time.Date(2020, 2, 27, 7, 48, 1, 0, oy.Jakarta)) || !tx.LastUpdated.Equal(time.UnixMilli(1582789681439)) {
		t.Errorf("tx %+v", tx)
	}
}

func TestSandboxVAShapesMatchDocs(t *testing.T) {
	e := newEnv(t, nil)
	created := e.rawCall(t, "POST", "/api/generate-static-va", fixture(t, "va_create_request.json"))
	sameKeys(t, "create", fixture(t, "va_create_response.json"), created)
	var va struct{ ID, VANumber string }
	var m map[string]any
	_ = json.Unmarshal(created, &m)
	va.ID, _ = m["id"].(string)
	va.VANumber, _ = m["va_number"].(string)
	sameKeys(t, "get", fixture(t, "va_get_response.json"), e.rawCall(t, "GET", "/api/static-virtual-account/"+va.ID, nil))
	sameKeys(t, "update", fixture(t, "va_update_response.json"),
		e.rawCall(t, "PUT", "/api/static-virtual-account/"+va.ID, fixture(t, "va_update_request.json")))
	if err := e.sb.PayVA(va.ID, 50000); err != nil {
		t.Fatal(err)
	}
	sameKeys(t, "list", fixture(t, "va_list_response.json"), e.rawCall(t, "GET", "/api/static-virtual-account?offset=0&limit=10", nil))
	sameKeys(t, "history", fixture(t, "va_tx_history_response.json"), e.rawCall(t, "GET", "/api/va-tx-history/"+va.ID+"?offset=0&limit=10", nil))
	cb := e.rc.next(t, "/callbacks/oy/va")
	sameKeys(t, "callback", fixture(t, "va_callback.json"), cb.body)
}

func TestVALifecycleAgainstSandbox(t *testing.T) {
	e := newEnv(t, nil)
	va, err := e.client.CreateVA(ctx, &oy.CreateVAParams{PartnerUserID: "cust-1", BankCode: "014", Amount: 75000, IsSingleUse: true,
		ExpirationMinutes: 60, UsernameDisplay: "Toko Maju"})
	if err != nil {
		t.Fatal(err)
	}
	if va.Status != oy.VAWaitingPayment || va.Amount != 75000 || va.IsOpen || va.VANumber == "" ||
		time.Until(va.ExpiresAt) < 59*time.Minute || va.UsernameDisplay != "Toko Maju" {
		t.Errorf("created %+v", va)
	}
	// Same customer and bank while active: 217.
	if _, err := e.client.CreateVA(ctx, &oy.CreateVAParams{PartnerUserID: "cust-1", BankCode: "014", IsOpen: true}); provider.CodeOf(err) != "217" || !provider.IsRejected(err) {
		t.Errorf("second active VA: %v", err)
	}
	amt := int64(80000)
	up, err := e.client.UpdateVA(ctx, va.ID, &oy.UpdateVAParams{Amount: &amt})
	if err != nil || up.Amount != 80000 || up.PartnerUserID != "cust-1" {
		t.Fatalf("update %v %+v", err, up)
	}
	// Paying a closed VA the wrong amount is refused by the simulator.
	if err := e.sb.PayVA(va.VANumber, 75000); err == nil {
		t.Error("wrong amount accepted")
	}
	resp, err := http.Post(e.srv.URL+"/sandbox/oy/simulate/va/"+va.VANumber+"/pay", "application/json", strings.NewReader(`{"amount":80000}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("simulate: %v %v", err, resp)
	}
	resp.Body.Close()
	cb, err := oy.ParseVACallback(e.rc.next(t, "/callbacks/oy/va").body)
	if err != nil || cb.VANumber != va.VANumber || cb.Amount != 80000 || cb.PartnerUserID != "cust-1" || !cb.Success ||
		time.Since(cb.TxDate) > time.Minute {
		t.Fatalf("callback %v %+v", err, cb)
	}
	got, err := e.client.GetVA(ctx, va.ID)
	if err != nil || got.Status != oy.VAComplete || got.AmountDetected != 80000 {
		t.Errorf("after single-use payment %v %+v", err, got)
	}
	// COMPLETE cannot be paid or updated.
	if err := e.sb.PayVA(va.ID, 80000); err == nil {
		t.Error("complete VA accepted a payment")
	}
	if _, err := e.client.UpdateVA(ctx, va.ID, &oy.UpdateVAParams{Amount: &amt}); !provider.IsRejected(err) {
		t.Errorf("update complete VA: %v", err)
	}
	h, err := e.client.VATransactions(ctx, va.ID, &oy.ListParams{Limit: 5})
	if err != nil || h.Count != 1 || h.Transactions[0].Amount != 80000 || h.Transactions[0].AdminFee != sandbox.VAAdminFee {
		t.Errorf("history %v %+v", err, h)
	}
	// Open VA, two payments, paging.
	open, err := e.client.CreateVA(ctx, &oy.CreateVAParams{PartnerUserID: "cust-2", BankCode: "002", IsOpen: true, IsLifetime: true})
	if err != nil || !open.IsOpen || !open.ExpiresAt.IsZero() || open.RawExpiration != -1 {
		t.Fatalf("open %v %+v", err, open)
	}
	for _, a := range []int64{10000, 25000} {
		if err := e.sb.PayVA(open.ID, a); err != nil {
			t.Fatal(err)
		}
		e.rc.next(t, "/callbacks/oy/va")
	}
	h, err = e.client.VATransactions(ctx, open.ID, &oy.ListParams{Offset: 1, Limit: 1})
	if err != nil || h.Count != 2 || len(h.Transactions) != 1 || h.Transactions[0].Amount != 25000 {
		t.Errorf("paged history %v %+v", err, h)
	}
	list, err := e.client.ListVAs(ctx, &oy.ListParams{Limit: 1})
	if err != nil || list.Total != 2 || len(list.Data) != 1 {
		t.Errorf("list %v %+v", err, list)
	}
	got, _ = e.client.GetVA(ctx, open.ID)
	if got.Status != oy.VAPaymentDetected || got.AmountDetected != 35000 {
		t.Errorf("open VA %+v", got)
	}
}

func TestVAErrors(t *testing.T) {
	e := newEnv(t, nil)
	for _, tc := range []struct {
		p    oy.CreateVAParams
		code string
	}{
		{oy.CreateVAParams{PartnerUserID: "u", BankCode: "011", IsOpen: true}, "211"},
		{oy.CreateVAParams{PartnerUserID: "u", BankCode: "002", Amount: 5000}, "212"},
		{oy.CreateVAParams{PartnerUserID: sandbox.PartnerUserFailGenerate, BankCode: "002", IsOpen: true}, "214"},
	} {
		_, err := e.client.CreateVA(ctx, &tc.p)
		if provider.CodeOf(err) != tc.code || !provider.IsRejected(err) {
			t.Errorf("%+v: want %s got %v", tc.p, tc.code, err)
		}
	}
	var oe *provider.Error
	_, err := e.client.CreateVA(ctx, &oy.CreateVAParams{PartnerUserID: "u", BankCode: "011", IsOpen: true})
	if !asError(err, &oe) || !strings.Contains(oe.Message, "virtual accounts") {
		t.Errorf("211 sentence for VAs: %v", err)
	}
	if _, err := e.client.GetVA(ctx, "nope"); provider.CodeOf(err) != "204" {
		t.Errorf("unknown VA: %v", err)
	}
	if _, err := e.client.CreateVA(ctx, &oy.CreateVAParams{PartnerUserID: "u", BankCode: "002"}); !provider.IsRejected(err) {
		t.Errorf("closed VA without amount: %v", err)
	}
	bad := oy.New(oy.Config{BaseURL: e.srv.URL + "/sandbox/oy", Username: testUser, APIKey: "x"})
	if _, err := bad.ListVAs(ctx, nil); provider.CodeOf(err) != "208" {
		t.Errorf("bad key: %v", err)
	}
	// A create is never resent: 999 leaves it unknown after one attempt.
	c := serveFixture(t, 200, []byte(`{"status":{"code":"999","message":"Internal Server Error"}}`))
	if _, err := c.CreateVA(ctx, &oy.CreateVAParams{PartnerUserID: "u", BankCode: "002", IsOpen: true}); !provider.IsUnknown(err) {
		t.Errorf("999 on create: %v", err)
	}
}

// The sandbox takes OY's VA id where the page says so, and answers its own
// triggers for the codes OY documents without staging numbers.
func TestSandboxVAIdsAndTriggers(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	va, err := e.client.CreateVA(ctx, &oy.CreateVAParams{PartnerUserID: "ids-1", BankCode: "008", IsOpen: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.GetVA(ctx, va.VANumber); provider.CodeOf(err) != "204" {
		t.Errorf("Get by VA number: %v, want 204", err)
	}
	if _, err := e.client.VATransactions(ctx, va.VANumber, nil); provider.CodeOf(err) != "204" {
		t.Errorf("history by VA number: %v, want 204", err)
	}
	if got, err := e.client.GetVA(ctx, va.ID); err != nil || got.VANumber != va.VANumber {
		t.Errorf("Get by id: %+v %v", got, err)
	}
	for puid, code := range map[string]string{sandbox.PartnerUserInactive: "202", sandbox.PartnerUserIPNotRegistered: "207", sandbox.PartnerUserFailGenerate: "214"} {
		_, err := e.client.CreateVA(ctx, &oy.CreateVAParams{PartnerUserID: puid, BankCode: "002", IsOpen: true})
		if provider.CodeOf(err) != code || !provider.IsRejected(err) || provider.MessageOf(err) == "" {
			t.Errorf("%s: %v, want rejected %s with a sentence", puid, err, code)
		}
	}
	_, err = e.client.CreateVA(ctx, &oy.CreateVAParams{PartnerUserID: sandbox.PartnerUserMadeThen999, BankCode: "002", IsOpen: true})
	if !provider.IsUnknown(err) {
		t.Fatalf("made-then-999: %v, want unknown", err)
	}
	l, err := e.client.ListVAs(ctx, &oy.ListParams{Limit: 50})
	if err != nil || l.Total != 2 {
		t.Fatalf("list after made-then-999: %+v %v", l, err)
	}
}
