package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"backoffice/internal/wib"
)

// seedFlow writes one row of every series at the given UTC times.
func seedFlow(t testing.TB, s *Store) {
	t.Helper()
	w := s.db.Write
	exec := func(q string, args ...any) {
		t.Helper()
		if err := w.Exec(q, args...).Error; err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	now := time.Now().UTC()
	exec(`INSERT INTO users (id, email, name, role, password_hash, password_changed_at, created_at, updated_at)
		VALUES (1, 'm@example.com', 'M', 'finance', 'x', ?, ?, ?)`, now, now, now)
	disb := func(ref, status string, amount int64, final time.Time) {
		exec(`INSERT INTO disbursements (partner_trx_id, recipient_bank, recipient_account, recipient_name, amount, status, maker_id, maker_email,
			created_at, updated_at, final_at) VALUES (?, '014', '123', 'N', ?, ?, 1, 'm@example.com', ?, ?, ?)`, ref, amount, status, final, final, final)
	}
	// 2 Dec 2026 WIB runs from 1 Dec 17:00 UTC to 2 Dec 17:00 UTC.
	disb("A", "success", 100_000, time.Date(2026, 12, 1, 17, 0, 0, 0, time.UTC))  // 2 Dec 00:00 WIB
	disb("B", "success", 250_000, time.Date(2026, 12, 2, 16, 59, 0, 0, time.UTC)) // 2 Dec 23:59 WIB
	disb("C", "success", 40_000, time.Date(2026, 12, 1, 16, 59, 0, 0, time.UTC))  // 1 Dec 23:59 WIB
	disb("D", "failed", 999_000, time.Date(2026, 12, 2, 3, 0, 0, 0, time.UTC))    // failed: no money out
	disb("E", "success", 7_000, time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC))     // outside the range
	at := time.Date(2026, 12, 2, 2, 0, 0, 123456789, time.UTC)                    // 2 Dec 09:00 WIB
	exec(`INSERT INTO topups (ref_number, phone, product_code, amount, admin_fee, inquiry_id, status, maker_id, maker_email, created_at, updated_at, final_at)
		VALUES ('T1', '628111', 'OVO50', 50000, 1500, 1, 'success', 1, 'm', ?, ?, ?)`, at, at, at)
	exec(`INSERT INTO topups (ref_number, phone, product_code, amount, admin_fee, inquiry_id, status, maker_id, maker_email, created_at, updated_at, final_at)
		VALUES ('T2', '628111', 'OVO50', 50000, 1500, 1, 'failed', 1, 'm', ?, ?, ?)`, at, at, at)
	exec(`INSERT INTO virtual_accounts (id, oy_id, va_number, bank_code, status, source, created_at, updated_at) VALUES (1, 'va1', '999', '014', 'active', 'test', ?, ?)`, at, at)
	exec(`INSERT INTO va_payments (virtual_account_id, dedup_key, paid_at, amount, source, created_at) VALUES (1, 'k1', ?, 300000, 'test', ?)`, at, at)
	exec(`INSERT INTO va_payments (virtual_account_id, dedup_key, paid_at, amount, source, created_at) VALUES (1, 'k2', ?, 20000, 'test', ?)`,
		time.Date(2026, 12, 2, 18, 0, 0, 0, time.UTC), at) // 3 Dec 01:00 WIB
	exec(`INSERT INTO checkouts (kind, partner_tx_id, status, paid_amount, paid_at, created_at, updated_at) VALUES ('payment_link', 'L1', 'complete', 75000, ?, ?, ?)`, at, at, at)
	exec(`INSERT INTO checkouts (kind, partner_tx_id, status, paid_amount, paid_at, created_at, updated_at) VALUES ('invoice', 'I1', 'complete', 25000, ?, ?, ?)`, at, at, at)
	exec(`INSERT INTO checkouts (kind, partner_tx_id, status, created_at, updated_at) VALUES ('invoice', 'I2', 'created', ?, ?)`, at, at)
	exec(`INSERT INTO ovo_accounts (id, provider, customer_name, phone, state, maker_id, created_at, updated_at) VALUES (1, 'faspay', 'C', '628111', 'linked', 1, ?, ?)`, at, at)
	exec(`INSERT INTO ovo_payments (account_id, provider, ref, amount, status, maker_id, created_at, updated_at) VALUES (1, 'faspay', 'R1', 12000, 'paid', 1, ?, ?)`, at, at)
	exec(`INSERT INTO ovo_payments (account_id, provider, ref, amount, status, maker_id, created_at, updated_at) VALUES (1, 'faspay', 'R2', 88000, 'failed', 1, ?, ?)`, at, at)
}

func TestMoneyFlowSumsEachWIBDay(t *testing.T) {
	s := newStore(t)
	seedFlow(t, s)
	from := time.Date(2026, 12, 1, 0, 0, 0, 0, wib.Zone)
	to := time.Date(2026, 12, 3, 12, 0, 0, 0, wib.Zone)
	days, err := s.MoneyFlow(context.Background(), from, to)
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 3 {
		t.Fatalf("got %d days, want 3 (1, 2 and 3 Dec)", len(days))
	}
	for i, want := range []string{"2026-12-01", "2026-12-02", "2026-12-03"} {
		if got := days[i].Day.In(wib.Zone).Format("2006-01-02"); got != want || !days[i].Day.Equal(time.Date(2026, 12, 1+i, 0, 0, 0, 0, wib.Zone)) {
			t.Errorf("day %d is %s, want %s 00:00 WIB", i, got, want)
		}
	}
	d1, d2, d3 := days[0], days[1], days[2]
	if d1.Disbursed != (Totals{Count: 1, Sum: 40_000}) || d1.In() != 0 {
		t.Errorf("1 Dec: %+v", d1)
	}
	if d2.Disbursed != (Totals{Count: 2, Sum: 350_000}) {
		t.Errorf("2 Dec disbursed %+v, want 2 succeeded for Rp 350.000 (the failed one moved no money)", d2.Disbursed)
	}
	if d2.Topups != (Totals{Count: 1, Sum: 51_500}) {
		t.Errorf("2 Dec top-ups %+v, want price plus fee of the succeeded one", d2.Topups)
	}
	if d2.VA != (Totals{Count: 1, Sum: 300_000}) || d2.Checkout != (Totals{Count: 2, Sum: 100_000}) || d2.OVO != (Totals{Count: 1, Sum: 12_000}) {
		t.Errorf("2 Dec in: VA %+v checkout %+v OVO %+v", d2.VA, d2.Checkout, d2.OVO)
	}
	if d2.Out() != 401_500 || d2.In() != 412_000 {
		t.Errorf("2 Dec out %d in %d", d2.Out(), d2.In())
	}
	if d3.VA != (Totals{Count: 1, Sum: 20_000}) || d3.Out() != 0 {
		t.Errorf("3 Dec: %+v (a payment at 01:00 WIB belongs to 3 Dec)", d3)
	}
	// A one-day range has one day; a reversed one has none.
	one, err := s.MoneyFlow(context.Background(), from.AddDate(0, 0, 1), from.AddDate(0, 0, 1))
	if err != nil || len(one) != 1 || one[0].Disbursed.Sum != 350_000 {
		t.Errorf("one day: %+v %v", one, err)
	}
	if none, err := s.MoneyFlow(context.Background(), to, from); err != nil || len(none) != 0 {
		t.Errorf("reversed range: %+v %v", none, err)
	}
}

func TestMoneyFlowQueriesUseTimeIndexes(t *testing.T) {
	s := newStore(t)
	fillDisbursements(t, s, 2000)
	want := map[string]string{
		"disbursed": "INDEX disbursements_final (status=? AND final_at>? AND final_at<?)",
		"topups":    "INDEX topups_final (status=? AND final_at>? AND final_at<?)",
		"va":        "INDEX va_payments_paid (paid_at>? AND paid_at<?)",
		"checkout":  "INDEX checkouts_paid (paid_at>? AND paid_at<?)",
		"ovo":       "INDEX ovo_payments_status_updated (status=? AND updated_at>? AND updated_at<?)",
	}
	for i, f := range flowSeries {
		plan := explain(t, s, strings.ReplaceAll(flowSQL(s.d, i), "?", "'2026-12-01 00:00:00'"))
		if !strings.Contains(plan, want[f.name]) {
			t.Errorf("%s: plan %q lacks %q", f.name, plan, want[f.name])
		}
		if strings.Contains(plan, "SCAN "+f.table+" ") || strings.HasSuffix(plan, "SCAN "+f.table) {
			t.Errorf("%s: plan scans the table: %q", f.name, plan)
		}
	}
}

// BenchmarkMoneyFlow90Days: the five grouped queries of a 90-day chart over
// 50,000 succeeded transfers spread over 200 days.
func BenchmarkMoneyFlow90Days(b *testing.B) {
	s := newStoreB(b)
	fillDisbursements(b, s, 50_000)
	if err := s.db.Write.Exec(`UPDATE disbursements SET final_at = datetime('now', '-' || (id % 200) || ' days', '-' || (id % 1440) || ' minutes')`).Error; err != nil {
		b.Fatal(err)
	}
	if err := s.db.Write.Exec(`ANALYZE`).Error; err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	today := wib.StartOfDay(time.Now())
	b.ResetTimer()
	for b.Loop() {
		days, err := s.MoneyFlow(ctx, today.AddDate(0, 0, -89), today)
		if err != nil || len(days) != 90 {
			b.Fatalf("%d days, %v", len(days), err)
		}
	}
}
