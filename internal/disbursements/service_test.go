package disbursements

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"

	"backoffice/internal/db/dbtest"
	"backoffice/internal/models"
	"backoffice/internal/providers/oy"
	"backoffice/internal/store"
)

func newService(t *testing.T) *Service {
	t.Helper()
	d := dbtest.Open(t, "svc.db")
	t.Cleanup(func() { d.Close() })
	st := store.New(d)
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	// No OY is reachable: these callbacks name no transfer, so none is asked.
	client := oy.New(oy.Config{BaseURL: "http://127.0.0.1:1"})
	return New(st, client, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// A callback handed over by intake carries its parsed body: the processor
// uses it and does not read the raw body again. One read back from the
// database is parsed from its body.
func TestCallbackBodyIsParsedOnce(t *testing.T) {
	s := newService(t)
	ctx := context.Background()
	parsed, err := oy.ParseDisbursementCallback([]byte(`{"partner_trx_id":"BO-NOBODY","trx_id":"T1","status":{"code":"000","message":"Success"}}`))
	if err != nil {
		t.Fatal(err)
	}
	handedOver := &models.Callback{ID: 1, Provider: "oy", Kind: "disbursement", Body: []byte("not json: intake's parse is used"), Parsed: parsed}
	if r := s.ProcessCallback(ctx, handedOver); r.Outcome != models.CallbackUnmatched || r.Detail != "No disbursement in the dashboard has this partner_trx_id; the callback is kept and changes nothing." {
		t.Fatalf("handed-over callback: %+v", r)
	}
	readBack := &models.Callback{ID: 2, Provider: "oy", Kind: "disbursement", Body: []byte("not json")}
	if r := s.ProcessCallback(ctx, readBack); r.Outcome != models.CallbackUnmatched || !strings.HasPrefix(r.Detail, "The body could not be read") {
		t.Fatalf("read-back callback with a bad body: %+v", r)
	}
}
