package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"backoffice/internal/models"
)

// "Ask OY to resend the callback" is offered on a transfer OY holds, and
// neither offered nor done on one OY refused at once (it has no callback).
func TestResendCallbackIsNotOfferedOnARefusedTransfer(t *testing.T) {
	a := newTestApp(t)
	fin := a.signedIn(models.RoleFinance)
	admin := a.signedIn(models.RoleAdmin)
	refused := a.makeDisbursement(fin, "014", "4444444444", 20_000) // remit → 201
	failed := a.makeDisbursement(fin, "014", "7777777777", 20_000)  // remit 101, then 300 + callback
	for _, id := range []int64{refused, failed} {
		if p := admin.post("/disbursements/"+itoa(id)+"/approve", approveForm()); p.Status != http.StatusSeeOther {
			t.Fatalf("approve %d: %d", id, p.Status)
		}
	}
	a.settle(refused, models.DisbFailed, 8*time.Second)
	a.settle(failed, models.DisbFailed, 8*time.Second)

	offered := func(id int64) bool {
		return doc(t, fin.get("/disbursements/"+itoa(id))).Find(`[data-testid="resend-callback"]`).Length() == 1
	}
	if offered(refused) {
		t.Fatal("resending the callback is offered on a transfer OY refused")
	}
	if !offered(failed) {
		t.Fatal("resending the callback is not offered on a transfer OY failed after taking it")
	}

	before, err := a.store.DisbursementHistory(context.Background(), refused)
	if err != nil {
		t.Fatal(err)
	}
	if p := fin.post("/disbursements/"+itoa(refused)+"/resend-callback", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("resend on a refused transfer: %d", p.Status)
	}
	after, _ := a.store.DisbursementHistory(context.Background(), refused)
	if len(after.Events) != len(before.Events) {
		t.Fatal("OY was asked to resend a callback for a transfer it refused")
	}
	before, _ = a.store.DisbursementHistory(context.Background(), failed)
	if p := fin.post("/disbursements/"+itoa(failed)+"/resend-callback", nil); p.Status != http.StatusSeeOther {
		t.Fatalf("resend on a failed transfer: %d", p.Status)
	}
	after, _ = a.store.DisbursementHistory(context.Background(), failed)
	if len(after.Events) != len(before.Events)+1 || !strings.Contains(after.Events[len(after.Events)-1].Message, "send the callback again") {
		t.Fatal("the resend on a transfer OY holds left no event")
	}
}
