package checkout_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"backoffice/internal/checkout"
	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/internal/wib"
)

func template() checkout.Form {
	return checkout.Form{SenderName: "Dewi Lestari", Description: "Sewa kios", Email: "dewi@example.com", FullName: "Dewi Lestari",
		Lines: []checkout.Line{{Item: "Sewa", Quantity: "1", PricePerItem: "250.000"}}}
}

func madeInvoices(t *testing.T, st *store.Store, rid int64) []models.Checkout {
	t.Helper()
	p, err := st.ListCheckouts(ctx, store.CheckoutFilter{Kind: models.KindInvoice, RecurringID: rid}, 200)
	if err != nil {
		t.Fatal(err)
	}
	return p.Items
}

// One invoice per period across a restart, periods missed while the server
// was down (made late, marked catch-up) and two schedulers at once.
func TestRecurringScheduleAcrossRestartMissedPeriodsAndTwoSchedulers(t *testing.T) {
	e := newEnv(t)
	svc, st := e.service()
	today := e.clock.Now().In(wib.Zone).Format("2006-01-02")
	maker := &models.User{ID: 1, Email: "admin@example.com"}
	r, errs, err := svc.CreateRecurring(ctx, template(), checkout.Schedule{Start: today, Period: "days", EveryDays: "1"}, maker, audit())
	if err != nil || errs != nil {
		t.Fatal(err, errs)
	}
	if r.Amount != 250000 {
		t.Fatalf("amount %d", r.Amount)
	}
	if n, err := svc.RunRecurring(ctx); err != nil || n != 1 {
		t.Fatalf("first period: %d %v", n, err)
	}
	if n, _ := svc.RunRecurring(ctx); n != 0 {
		t.Fatalf("the same period again: %d", n)
	}
	// Restart: a new process on the same database makes nothing new today.
	svc2, _ := e.service()
	if n, _ := svc2.RunRecurring(ctx); n != 0 {
		t.Fatalf("after a restart: %d", n)
	}
	// Down for three days: three periods are made, two of them late.
	e.clock.Advance(72 * time.Hour)
	svc3, st3 := e.service()
	if n, err := svc3.RunRecurring(ctx); err != nil || n != 3 {
		t.Fatalf("catch-up: %d %v", n, err)
	}
	inv := madeInvoices(t, st3, r.ID)
	if len(inv) != 4 {
		t.Fatalf("%d invoices", len(inv))
	}
	catchUps := 0
	for _, c := range inv {
		if c.CatchUp {
			catchUps++
		}
		if c.Status != models.CheckoutCreated || c.URL == "" || c.Amount != 250000 {
			t.Errorf("invoice %s: %s %q", c.PartnerTxID, c.Status, c.URL)
		}
	}
	if catchUps != 2 || inv[0].CatchUp || inv[0].PartnerTxID != checkout.PeriodRef(r, 3) {
		t.Fatalf("catch-up marks: %d; newest %+v", catchUps, inv[0])
	}
	// Two schedulers (two processes) at once, two days later: two invoices.
	e.clock.Advance(48 * time.Hour)
	a, _ := e.service()
	b, _ := e.service()
	var wg sync.WaitGroup
	var na, nb int
	wg.Add(2)
	go func() { defer wg.Done(); na, _ = a.RunRecurring(ctx) }()
	go func() { defer wg.Done(); nb, _ = b.RunRecurring(ctx) }()
	wg.Wait()
	if na+nb != 2 || len(madeInvoices(t, st, r.ID)) != 6 {
		t.Fatalf("two schedulers made %d+%d", na, nb)
	}
	if n := e.creates.Load(); n != 6 {
		t.Fatalf("%d create-invoice requests for 6 periods", n)
	}
	// Only create-invoice's documented fields went to OY: not scheduled there.
	for _, c := range madeInvoices(t, st, r.ID) {
		d, err := oyClient(e).GetCheckout(ctx, c.PartnerTxID)
		if err != nil || d.Invoice == nil || d.Invoice.IsScheduled {
			t.Fatalf("%s at OY: %v %+v", c.PartnerTxID, err, d)
		}
	}
}

func TestRecurringPauseResumeEnd(t *testing.T) {
	e := newEnv(t)
	svc, st := e.service()
	today := e.clock.Now().In(wib.Zone).Format("2006-01-02")
	r, errs, err := svc.CreateRecurring(ctx, template(), checkout.Schedule{Start: today, Period: "days", EveryDays: "1"}, &models.User{ID: 1, Email: "a@x"}, audit())
	if err != nil || errs != nil {
		t.Fatal(err, errs)
	}
	_, _ = svc.RunRecurring(ctx)
	if err := svc.SetRecurring(ctx, r, models.RecurringPaused, audit()); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(48 * time.Hour)
	if n, _ := svc.RunRecurring(ctx); n != 0 {
		t.Fatalf("paused made %d", n)
	}
	r, _ = st.Recurring(ctx, r.ID)
	if err := svc.SetRecurring(ctx, r, models.RecurringActive, audit()); err != nil {
		t.Fatal(err)
	}
	// Resumed: the days while paused are skipped, today's is made.
	if n, _ := svc.RunRecurring(ctx); n != 1 {
		t.Fatalf("resumed made %d", n)
	}
	r, _ = st.Recurring(ctx, r.ID)
	if err := svc.SetRecurring(ctx, r, models.RecurringEnded, audit()); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetRecurring(ctx, r, models.RecurringActive, audit()); err != store.ErrRecurringState {
		t.Fatalf("an ended schedule resumed: %v", err)
	}
	e.clock.Advance(24 * time.Hour)
	if n, _ := svc.RunRecurring(ctx); n != 0 || len(madeInvoices(t, st, r.ID)) != 2 {
		t.Fatalf("ended made %d", n)
	}
}

func TestRecurringScheduleRules(t *testing.T) {
	e := newEnv(t)
	svc, _ := e.service()
	today := e.clock.Now().In(wib.Zone)
	cases := []struct {
		sc    checkout.Schedule
		field string
		want  string
	}{
		{checkout.Schedule{Start: today.AddDate(0, 0, -1).Format("2006-01-02"), Period: "days", EveryDays: "7"}, "recurring_start_date", "cannot be in the past"},
		{checkout.Schedule{Start: today.Format("2006-01-02"), End: today.AddDate(0, 0, -1).Format("2006-01-02"), Period: "days", EveryDays: "7"}, "recurring_end_date", "on or after the start"},
		{checkout.Schedule{Start: today.Format("2006-01-02"), Period: "days", EveryDays: "0"}, "recurring_frequency", "1 to 366"},
		{checkout.Schedule{Start: today.Format("2006-01-02"), Period: "monthly", MonthDay: "32"}, "month_day", "29–31 fall on the last day"},
		{checkout.Schedule{Start: today.Format("2006-01-02")}, "period", "every few days or monthly"},
	}
	for _, tc := range cases {
		_, errs, err := svc.CreateRecurring(ctx, template(), tc.sc, &models.User{ID: 1}, audit())
		if err != nil || !strings.Contains(errs[tc.field].String(), tc.want) {
			t.Errorf("%+v: %v %v", tc.sc, err, errs)
		}
	}
}
