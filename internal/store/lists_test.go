package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"backoffice/internal/models"
	"backoffice/internal/wib"
)

// The day counters the triggers keep must always equal a count of the
// rows themselves, through inserts, status changes and the worker's
// grouped updates.
func TestCallbackDayCountersFollowTheRows(t *testing.T) {
	s := newStore(t)
	fillCallbacks(t, s, 3000)
	w := s.db.Write
	for _, q := range []string{
		`UPDATE callbacks SET status = 'applied' WHERE id % 11 = 0`,
		`UPDATE callbacks SET verified = ` + s.d.False + `, status = 'rejected' WHERE id % 13 = 0`,
		`UPDATE callbacks SET duplicate = ` + s.d.True + ` WHERE id % 17 = 0`,
		`UPDATE callbacks SET status = 'no_change' WHERE id IN (1, 2, 3, 4, 5)`,
		`UPDATE callbacks SET status = 'pending' WHERE id % 19 = 0`,   // queued again (replay)
		`UPDATE callbacks SET status = 'unmatched' WHERE id % 38 = 0`, // and processed
		`INSERT INTO callbacks (received_at, provider, kind, method, path, verified, reply_status, status)
			SELECT received_at, provider, kind, method, path, verified, reply_status, 'pending' FROM callbacks WHERE id <= 40`,
		// Deleted (nothing deletes callbacks today, but the counters follow).
		`DELETE FROM callback_refs WHERE callback_id % 23 = 0`,
		`DELETE FROM callback_keys WHERE callback_id % 23 = 0`,
		`DELETE FROM callbacks WHERE id % 23 = 0 AND id NOT IN (SELECT duplicate_of FROM callbacks WHERE duplicate_of IS NOT NULL)`,
	} {
		if err := w.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	type row struct {
		Day, Kind, Status, Provider string
		Verified, Duplicate         bool
		N                           int64
	}
	var counted, kept []row
	if err := s.db.Read.Raw(`SELECT ` + s.d.wibDay("received_at") + ` AS day, kind, status, provider, verified, duplicate, count(*) AS n
		FROM callbacks WHERE status <> 'pending' GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6`).Scan(&counted).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.db.Read.Raw(`SELECT day, kind, status, provider, verified, duplicate, n FROM callback_day_counts WHERE n <> 0
		ORDER BY 1, 2, 3, 4, 5, 6`).Scan(&kept).Error; err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(counted) != fmt.Sprint(kept) {
		t.Fatalf("counters drifted:\ncounted %v\nkept    %v", counted, kept)
	}
	// The page's counts come from the counters and match a direct count.
	ctx := context.Background()
	yes := true
	today := wib.StartOfDay(time.Now())
	for _, f := range []CallbackFilter{{}, {Provider: "oy"}, {Kind: "topup"}, {Verified: &yes}, {Duplicate: true}, {From: today.AddDate(0, 0, -1), To: today.AddDate(0, 0, 1)}} {
		counts, capped, err := s.CallbackStatusCounts(ctx, f, CountCap)
		if err != nil || capped {
			t.Fatal(err, capped)
		}
		for _, st := range models.CallbackStatuses {
			ff := f
			ff.Status = st
			ok, _ := s.resolveDates(ctx, &ff)
			var n int64
			if ok {
				if err := ff.apply(s.db.Read.Model(&models.Callback{})).Count(&n).Error; err != nil {
					t.Fatal(err)
				}
			}
			if counts[st] != n {
				t.Errorf("%+v %s: counters say %d, rows %d", f, st, counts[st], n)
			}
		}
	}
}

// fillDisbursements inserts n transfers a minute apart up to now.
func fillDisbursements(t testing.TB, s *Store, n int) {
	t.Helper()
	if err := s.db.Write.Exec(`INSERT INTO users (email, name, role, password_hash, password_changed_at, created_at, updated_at)
		VALUES ('m@example.com', 'M', 'finance', 'x', ?, ?, ?)`, time.Now().UTC(), time.Now().UTC(), time.Now().UTC()).Error; err != nil {
		t.Fatal(err)
	}
	err := s.db.Write.Exec(`WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
		INSERT INTO disbursements (partner_trx_id, recipient_bank, recipient_account, recipient_name, amount, status, maker_id, maker_email,
			created_at, updated_at, trx_id, batch_id)
		SELECT 'PTX-' || i, CASE WHEN i % 50 = 0 THEN '014' ELSE '002' END, '00' || i, 'Name ' || i, 10000 + i,
			CASE WHEN i % 100 = 0 THEN 'failed' ELSE 'success' END, 1, 'm@example.com',
			`+sqlAgo(s, "? - i", "minutes")+`, `+sqlAgo(s, "0", "minutes")+`, 'T' || i, CASE WHEN i % 1000 = 0 THEN 7 END
		FROM seq`, n, n).Error
	if err != nil {
		t.Fatal(err)
	}
	if err := s.db.Write.Exec(`ANALYZE`).Error; err != nil {
		t.Fatal(err)
	}
}

func TestDisbursementCountersFollowTheRows(t *testing.T) {
	s := newStore(t)
	fillDisbursements(t, s, 3000)
	if err := s.db.Write.Exec(`UPDATE disbursements SET status = 'pending' WHERE id % 7 = 0`).Error; err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	today := wib.StartOfDay(time.Now())
	for _, f := range []DisbursementFilter{{}, {Status: models.DisbPending}, {Bank: "014"}, {MakerID: 1}, {BatchID: 7},
		{From: today, To: today.AddDate(0, 0, 1)}, {Status: models.DisbSuccess, Bank: "002", From: today.AddDate(0, 0, -1)}} {
		if !f.countersServe() {
			t.Fatalf("%+v is not served by the counters", f)
		}
		t1, err := s.DisbursementPageTotals(ctx, f)
		if err != nil {
			t.Fatal(err)
		}
		var exact Totals
		if err := f.apply(s.db.Read.Model(&models.Disbursement{})).Select("count(*) AS count, coalesce(sum(amount), 0) AS sum").Scan(&exact).Error; err != nil {
			t.Fatal(err)
		}
		if t1 != exact {
			t.Errorf("%+v: counters %+v, rows %+v", f, t1, exact)
		}
	}
	// A prefix search is counted over the rows, capped.
	tot, err := s.DisbursementPageTotals(ctx, DisbursementFilter{Q: "PTX-1"})
	if err != nil || tot.Capped || tot.Count != 1111 { // 1, 10-19, 100-199, 1000-1999
		t.Fatalf("prefix totals %+v %v", tot, err)
	}
	// A name search stops counting at TextCountCap and shows no sum.
	if tot, err := s.DisbursementPageTotals(ctx, DisbursementFilter{Q: "name"}); err != nil || !tot.Capped || tot.Count != TextCountCap || tot.Sum != 0 {
		t.Fatalf("name totals %+v %v", tot, err)
	}
	// An amount range is counted exactly below the cap.
	if tot, err := s.DisbursementPageTotals(ctx, DisbursementFilter{MinAmount: 10101, MaxAmount: 10200}); err != nil || tot.Capped || tot.Count != 100 || tot.Sum != 1015050 {
		t.Fatalf("amount totals %+v %v", tot, err)
	}
}

// Every filter of the disbursement list and the audit log walks an index
// newest first without sorting the matching rows, so a deep page costs
// what the first does.
func TestListQueriesUseIndexes(t *testing.T) {
	s := newStore(t)
	fillDisbursements(t, s, 5000)
	ctx := context.Background()
	today := wib.StartOfDay(time.Now())
	for name, c := range map[string]struct {
		f    DisbursementFilter
		want string
	}{
		"no filter":           {DisbursementFilter{}, "SCAN disbursements"},
		"status":              {DisbursementFilter{Status: models.DisbFailed}, "USING INDEX disbursements_status"},
		"bank":                {DisbursementFilter{Bank: "014"}, "USING INDEX disbursements_bank"},
		"maker":               {DisbursementFilter{MakerID: 1}, "disbursements"},
		"batch":               {DisbursementFilter{BatchID: 7}, "USING INDEX disbursements_batch"},
		"reference":           {DisbursementFilter{Q: "PTX-42"}, "COVERING INDEX sqlite_autoindex_disbursements_1 (partner_trx_id>"},
		"account":             {DisbursementFilter{Q: "0042"}, "COVERING INDEX disbursements_account (recipient_account>"},
		"name":                {DisbursementFilter{Q: "name"}, "SCAN disbursements"},
		"common ref":          {DisbursementFilter{Q: "00"}, "SCAN disbursements"},
		"common ref + status": {DisbursementFilter{Q: "00", Status: models.DisbFailed}, "USING INDEX disbursements_status"},
		"amounts":             {DisbursementFilter{MinAmount: 12000, MaxAmount: 13000}, "SCAN disbursements"},
		"7 days":              {DisbursementFilter{From: today.AddDate(0, 0, -6), To: today.AddDate(0, 0, 1)}, "USING INTEGER PRIMARY KEY"},
		"deep page":           {DisbursementFilter{Status: models.DisbSuccess, Cursor: Cursor{Before: 100}}, "USING INDEX disbursements_status"},
		"newer page":          {DisbursementFilter{Bank: "014", Cursor: Cursor{After: 100}}, "USING INDEX disbursements_bank"},
	} {
		q, err := s.DisbursementListSQL(ctx, c.f, PageSize)
		if err != nil {
			t.Fatal(err)
		}
		plan := explain(t, s, q)
		if !strings.Contains(plan, c.want) {
			t.Errorf("disbursements %s: plan %q lacks %q", name, plan, c.want)
		}
		if strings.Contains(plan, "TEMP B-TREE FOR ORDER BY") {
			t.Errorf("disbursements %s: plan sorts the matching rows: %q", name, plan)
		}
	}
	for name, c := range map[string]struct {
		f    AuditFilter
		want string
	}{
		"no filter":  {AuditFilter{}, "SCAN audit_entries"},
		"actor":      {AuditFilter{Actor: "A@example.com"}, "USING INDEX audit_entries_actor"},
		"action":     {AuditFilter{Action: "user.create"}, "USING INDEX audit_entries_action"},
		"7 days":     {AuditFilter{From: today.AddDate(0, 0, -6), To: today.AddDate(0, 0, 1), minID: 1, maxID: 9}, "USING INTEGER PRIMARY KEY"},
		"deep page":  {AuditFilter{Action: "login.ok", Cursor: Cursor{Before: 100}}, "USING INDEX audit_entries_action"},
		"newer page": {AuditFilter{Actor: "a@example.com", Cursor: Cursor{After: 100}}, "USING INDEX audit_entries_actor"},
	} {
		q, err := s.AuditListSQL(ctx, c.f, PageSize)
		if err != nil {
			t.Fatal(err)
		}
		plan := explain(t, s, q)
		if !strings.Contains(plan, c.want) {
			t.Errorf("audit %s: plan %q lacks %q", name, plan, c.want)
		}
		if strings.Contains(plan, "TEMP B-TREE FOR ORDER BY") {
			t.Errorf("audit %s: plan sorts the matching rows: %q", name, plan)
		}
	}
	// An amount range is counted along the amount index.
	if plan := explain(t, s, s.DisbursementCountSQL(DisbursementFilter{MinAmount: 12000, MaxAmount: 13000})); !strings.Contains(plan, "COVERING INDEX disbursements_amount") {
		t.Errorf("amount count plan %q", plan)
	}
	// The queue is counted along the status index whatever the filters.
	yes := true
	for _, f := range []CallbackFilter{{Kind: "topup"}, {Provider: "oy", Verified: &yes}, {minID: 10, maxID: 900}} {
		if plan := explain(t, s, s.PendingCountSQL(f, CountCap)); !strings.Contains(plan, "INDEX callbacks_status (status=?") {
			t.Errorf("pending count %+v: plan %q", f, plan)
		}
	}
	// The day counters answer by their primary key (day first).
	if plan := explain(t, s, `SELECT status, sum(n) FROM callback_day_counts WHERE day >= '2026-11-01' AND day < '2026-11-08' GROUP BY status`); !strings.Contains(plan, "PRIMARY KEY") {
		t.Errorf("callback counters plan %q", plan)
	}
}

func TestCursorPagesBothWays(t *testing.T) {
	s := newStore(t)
	fillDisbursements(t, s, 130)
	ctx := context.Background()
	p1, _ := s.ListDisbursements(ctx, DisbursementFilter{}, 50)
	p2, _ := s.ListDisbursements(ctx, DisbursementFilter{Cursor: Cursor{Before: p1.Next}}, 50)
	p3, _ := s.ListDisbursements(ctx, DisbursementFilter{Cursor: Cursor{Before: p2.Next}}, 50)
	if len(p1.Items) != 50 || p1.Newer != 0 || len(p3.Items) != 30 || p3.Next != 0 || p3.Newer == 0 {
		t.Fatalf("older pages: %d %d %d newer %d next %d", len(p1.Items), len(p2.Items), len(p3.Items), p3.Newer, p3.Next)
	}
	back, _ := s.ListDisbursements(ctx, DisbursementFilter{Cursor: Cursor{After: p3.Newer}}, 50)
	if len(back.Items) != 50 || back.Items[0].ID != p2.Items[0].ID || back.Next != p2.Next || back.Newer != p2.Newer {
		t.Fatalf("newer page: first %d want %d; next %d want %d", back.Items[0].ID, p2.Items[0].ID, back.Next, p2.Next)
	}
	top, _ := s.ListDisbursements(ctx, DisbursementFilter{Cursor: Cursor{After: back.Newer}}, 50)
	if len(top.Items) != 50 || top.Items[0].ID != p1.Items[0].ID || top.Newer != 0 {
		t.Fatalf("newest page again: %d %d newer %d", len(top.Items), top.Items[0].ID, top.Newer)
	}
}

// A reference prefix finds the same callbacks whether it is matched
// through callback_refs (a rare prefix) or by walking the log (a common
// one), page after page, and the counts agree.
func TestReferencePrefixBothWays(t *testing.T) {
	s := newStore(t)
	fillCallbacks(t, s, 5000)
	ctx := context.Background()
	type cb struct {
		ID     int64
		Refs   string
		Status models.CallbackStatus
	}
	var all []cb
	if err := s.db.Read.Raw("SELECT id, refs, status FROM callbacks ORDER BY id DESC").Scan(&all).Error; err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		f    CallbackFilter
		walk bool
	}{
		{CallbackFilter{Ref: "P-"}, true},
		{CallbackFilter{Ref: "P-", Status: models.CallbackApplied}, true},
		{CallbackFilter{Ref: "P-1"}, false},
		{CallbackFilter{Ref: "P-49"}, false},
		{CallbackFilter{Ref: "P-4999"}, false},
		{CallbackFilter{Ref: "p-1"}, false},
		{CallbackFilter{Ref: "Q"}, false},
	} {
		var want []int64
		for _, r := range all {
			if strings.HasPrefix(r.Refs, c.f.Ref) && (c.f.Status == "" || r.Status == c.f.Status) {
				want = append(want, r.ID)
			}
		}
		var got []int64
		f := c.f
		for {
			page, err := s.ListCallbacks(ctx, f, PageSize)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page.Items {
				got = append(got, r.ID)
			}
			if page.Next == 0 {
				break
			}
			f.Before = page.Next
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%q %s: %d callbacks, want %d", c.f.Ref, c.f.Status, len(got), len(want))
		}
		probe := c.f
		if _, err := s.resolveDates(ctx, &probe); err != nil || probe.refWalk != c.walk {
			t.Errorf("%q: walk %v, want %v (%v)", c.f.Ref, probe.refWalk, c.walk, err)
		}
		counts, capped, err := s.CallbackStatusCounts(ctx, c.f, CountCap)
		if err != nil || capped {
			t.Fatal(err, capped)
		}
		var total int64
		for st, n := range counts {
			if c.f.Status == "" || st == c.f.Status {
				total += n
			}
		}
		if c.f.Status == "" && total != int64(len(want)) {
			t.Errorf("%q: counts add up to %d, want %d", c.f.Ref, total, len(want))
		}
		// The page reads a common prefix's rows, so it counts fewer.
		pageCounts, cappedAt, err := s.CallbackPageCounts(ctx, c.f)
		var pageTotal int64
		for _, n := range pageCounts {
			pageTotal += n
		}
		switch {
		case err != nil:
			t.Fatal(err)
		case c.walk && c.f.Status == "" && (cappedAt != TextCountCap || pageTotal != TextCountCap):
			t.Errorf("%q: page counts %d capped at %d, want %d", c.f.Ref, pageTotal, cappedAt, TextCountCap)
		case !c.walk && (cappedAt != 0 || pageTotal != total):
			t.Errorf("%q: page counts %d capped at %d, want %d uncapped", c.f.Ref, pageTotal, cappedAt, total)
		}
	}
}

func TestDisbursementReferencePrefixBothWays(t *testing.T) {
	s := newStore(t)
	fillDisbursements(t, s, 3000)
	ctx := context.Background()
	var all []models.Disbursement
	if err := s.db.Read.Order("id DESC").Find(&all).Error; err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"00", "001", "0029", "PTX-1", "PTX-2999", "T12", "00x9"} {
		var want []int64
		for _, d := range all {
			if strings.HasPrefix(d.PartnerTrxID, q) || strings.HasPrefix(d.RecipientAccount, q) || strings.HasPrefix(d.TrxID, q) {
				want = append(want, d.ID)
			}
		}
		var got []int64
		f := DisbursementFilter{Q: q}
		for {
			page, err := s.ListDisbursements(ctx, f, PageSize)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range page.Items {
				got = append(got, d.ID)
			}
			if page.Next == 0 {
				break
			}
			f.Before = page.Next
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%q: %d disbursements, want %d", q, len(got), len(want))
		}
		// A prefix walked newest first (more than refWalkAt matches) is
		// counted up to TextCountCap, as in the callback log; others exactly.
		tot, err := s.DisbursementPageTotals(ctx, DisbursementFilter{Q: q})
		switch {
		case err != nil:
			t.Fatal(err)
		case len(want) > refWalkAt && (!tot.Capped || tot.Count != TextCountCap):
			t.Errorf("%q: totals %+v, want capped at %d (%d matches)", q, tot, TextCountCap, len(want))
		case len(want) <= refWalkAt && (tot.Capped || tot.Count != int64(len(want))):
			t.Errorf("%q: totals %+v, want %d", q, tot, len(want))
		}
	}
}

// The overview's open figures (in flight, waiting for approval) come from
// the day counters and match a direct count and sum of the rows.
func TestOpenDisbursementFiguresMatchTheRows(t *testing.T) {
	s := newStore(t)
	fillDisbursements(t, s, 2000)
	for _, q := range []string{
		`UPDATE disbursements SET status = 'waiting_approval' WHERE id % 7 = 0`,
		`UPDATE disbursements SET status = 'pending' WHERE id % 11 = 0`,
		`UPDATE disbursements SET status = 'sending' WHERE id % 13 = 0`,
		`UPDATE disbursements SET status = 'in_progress' WHERE id % 17 = 0`,
	} {
		if err := s.db.Write.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	today := wib.StartOfDay(time.Now())
	got, err := s.DisbursementDayFigures(context.Background(), today, today.AddDate(0, 0, 1))
	if err != nil {
		t.Fatal(err)
	}
	direct := func(st ...models.DisbursementStatus) Totals {
		var tot Totals
		if err := s.db.Read.Model(&models.Disbursement{}).Select("count(*) AS count, coalesce(sum(amount), 0) AS sum").Where("status IN ?", st).Scan(&tot).Error; err != nil {
			t.Fatal(err)
		}
		return tot
	}
	if want := direct(models.DisbWaitingApproval); got.Waiting != want || want.Count == 0 {
		t.Errorf("waiting: %+v, rows say %+v", got.Waiting, want)
	}
	if want := direct(models.DisbursementsInFlight...); got.InFlight != want || want.Count == 0 {
		t.Errorf("in flight: %+v, rows say %+v", got.InFlight, want)
	}
}

// Within one request (WithListMemo) how common a reference prefix is is
// asked once: the rows, the counts and the totals reuse the answer.
func TestListMemoAsksOncePerRequest(t *testing.T) {
	s := newStore(t)
	fillCallbacks(t, s, 50)
	var ref string
	if err := s.db.Read.Raw("SELECT ref FROM callback_refs ORDER BY ref LIMIT 1").Row().Scan(&ref); err != nil {
		t.Fatal(err)
	}
	memo := WithListMemo(context.Background())
	f := CallbackFilter{Ref: ref}
	if ok, err := s.resolveDates(memo, &f); err != nil || !ok {
		t.Fatalf("prefix %q: found %v, %v", ref, ok, err)
	}
	// The references go; the memo keeps this request's answer, a new
	// request asks again.
	if err := s.db.Write.Exec("DELETE FROM callback_refs").Error; err != nil {
		t.Fatal(err)
	}
	if ok, err := s.resolveDates(memo, &f); err != nil || !ok {
		t.Errorf("the same request asked again: found %v, %v", ok, err)
	}
	if ok, err := s.resolveDates(WithListMemo(context.Background()), &f); err != nil || ok {
		t.Errorf("a new request used an old answer: found %v, %v", ok, err)
	}

	// A date range's id bounds likewise: asked once per request.
	from := time.Now().Add(-time.Hour)
	lo, _, ok, err := s.idRange(memo, "callbacks", "received_at", from, time.Time{})
	if err != nil || !ok || lo == 0 {
		t.Fatalf("bounds from %v: %d %v %v", from, lo, ok, err)
	}
	if err := s.db.Write.Exec("UPDATE callbacks SET received_at = ?", from.Add(-time.Hour)).Error; err != nil {
		t.Fatal(err)
	}
	if again, _, ok, err := s.idRange(memo, "callbacks", "received_at", from, time.Time{}); err != nil || !ok || again != lo {
		t.Errorf("the same request asked the bounds again: %d %v %v, want %d", again, ok, err, lo)
	}
	if _, _, ok, err := s.idRange(WithListMemo(context.Background()), "callbacks", "received_at", from, time.Time{}); err != nil || ok {
		t.Errorf("a new request used old bounds: %v %v", ok, err)
	}
}
