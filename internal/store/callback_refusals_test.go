package store

import (
	"context"
	"testing"
	"time"

	"backoffice/internal/models"
	"backoffice/internal/wib"
)

// Refusal counts are exact whether or not they have been flushed, and
// filter by endpoint and WIB day.
func TestRefusalCountsAreExactBeforeAndAfterFlushing(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	// 23:30 WIB on 1 December and 00:30 WIB on 2 December.
	late := time.Date(2026, 12, 1, 16, 30, 0, 0, time.UTC)
	early := late.Add(time.Hour)
	for range 3 {
		s.CountRefusal(models.RefusalOverBudget, "oy", "disbursement", late)
	}
	s.CountRefusal(models.RefusalOverBudget, "oy", "disbursement", early)
	s.CountRefusal(models.RefusalSampled, "faspay", "payment-notification", early)
	check := func(when string) {
		t.Helper()
		for _, c := range []struct {
			f    RefusalCountsFilter
			want map[models.CallbackRefusal]int64
		}{
			{RefusalCountsFilter{}, map[models.CallbackRefusal]int64{models.RefusalOverBudget: 4, models.RefusalSampled: 1}},
			{RefusalCountsFilter{Provider: "oy"}, map[models.CallbackRefusal]int64{models.RefusalOverBudget: 4}},
			{RefusalCountsFilter{Kind: "payment-notification"}, map[models.CallbackRefusal]int64{models.RefusalSampled: 1}},
			{RefusalCountsFilter{From: wib.StartOfDay(early)}, map[models.CallbackRefusal]int64{models.RefusalOverBudget: 1, models.RefusalSampled: 1}},
			{RefusalCountsFilter{To: wib.StartOfDay(early)}, map[models.CallbackRefusal]int64{models.RefusalOverBudget: 3}},
		} {
			got, err := s.RefusalCounts(ctx, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(c.want) {
				t.Errorf("%s, %+v: %v, want %v", when, c.f, got, c.want)
			}
			for k, n := range c.want {
				if got[k] != n {
					t.Errorf("%s, %+v: %v, want %v", when, c.f, got, c.want)
				}
			}
		}
	}
	check("in memory")
	if err := s.FlushRefusalCounts(ctx); err != nil {
		t.Fatal(err)
	}
	check("flushed")
	s.CountRefusal(models.RefusalOverBudget, "oy", "disbursement", late)
	if err := s.FlushRefusalCounts(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := s.RefusalCounts(ctx, RefusalCountsFilter{Provider: "oy"})
	if err != nil || got[models.RefusalOverBudget] != 5 {
		t.Fatalf("after a second flush: %v, %v", got, err)
	}
}

// The writer stores a sample's full size and flushes the counts as it
// closes.
func TestCallbackWriterKeepsTruncationAndFlushesCountsOnClose(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	w, err := s.NewCallbackWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	cb := &models.Callback{ReceivedAt: time.Now().UTC(), Provider: "oy", Kind: "disbursement", Method: "POST", Path: "/callbacks/oy/disbursement",
		Headers: "{}", Body: []byte("{\"partner_trx_id\":\"A"), TruncatedFrom: 204800, Status: models.CallbackRejected}
	if err := w.Write(ctx, cb, nil); err != nil {
		t.Fatal(err)
	}
	s.CountRefusal(models.RefusalSampled, "oy", "disbursement", cb.ReceivedAt)
	w.Close()
	got, err := s.CallbackByID(ctx, cb.ID)
	if err != nil || got.TruncatedFrom != 204800 {
		t.Fatalf("stored sample: %+v, %v", got, err)
	}
	var n int64
	if err := s.db.Read.Raw("SELECT coalesce(sum(n), 0) FROM callback_refusals").Scan(&n).Error; err != nil || n != 1 {
		t.Fatalf("%d refusals on disk after close, %v", n, err)
	}
}

// Oversize counts kept before the per-day table are carried over.
func TestOversizeCountersMoveToRefusals(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	if err := s.db.Write.Exec("DELETE FROM schema_migrations WHERE version = 61").Error; err != nil {
		t.Fatal(err)
	}
	if err := s.db.Write.Exec("DROP TABLE callback_refusals").Error; err != nil {
		t.Fatal(err)
	}
	if err := s.db.Write.Exec("INSERT INTO callback_counters (name, value) VALUES ('oversize:oy/disbursement', 7), ('oversize:doku/debit-notify', 2)").Error; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := s.RefusalCounts(ctx, RefusalCountsFilter{Provider: "oy", Kind: "disbursement"})
	if err != nil || got[models.RefusalOversize] != 7 {
		t.Fatalf("oy oversize after migrating: %v, %v", got, err)
	}
	if got, _ := s.RefusalCounts(ctx, RefusalCountsFilter{From: time.Now()}); len(got) != 0 {
		t.Fatalf("counts of unknown days fall in a date range: %v", got)
	}
}
