package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"backoffice/internal/models"
)

func fillTopups(t *testing.T, s *Store, n int) (*models.User, []models.Topup) {
	t.Helper()
	u := &models.User{Email: "maker@example.com", Name: "Maker", Role: models.RoleFinance, PasswordHash: "x"}
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	at := time.Now().UTC().Add(-time.Duration(n) * time.Minute)
	rows := make([]models.Topup, n)
	for i := range rows {
		st := models.TopupStatuses[i%len(models.TopupStatuses)]
		rows[i] = models.Topup{RefNumber: fmt.Sprintf("TU%06d", i), Phone: fmt.Sprintf("62812%07d", i*37%10_000_000), ProductCode: []string{"AYOVO10", "AYOVOOPEN"}[i%2],
			Amount: int64(11300 + i), AdminFee: int64(i % 2 * 1500), InquiryID: int64(i + 1), TransactionID: fmt.Sprint(900000 + i), Status: st,
			MakerID: u.ID, MakerEmail: u.Email, CreatedAt: at.Add(time.Duration(i) * time.Minute), UpdatedAt: at}
	}
	if err := s.db.Write.CreateInBatches(rows, 500).Error; err != nil {
		t.Fatal(err)
	}
	return u, rows
}

// Every filter walks an index newest first and never sorts its matches;
// a prefix search finds exactly what a brute-force filter finds.
func TestTopupListQueriesAndPrefixSearch(t *testing.T) {
	s := newStore(t)
	_, rows := fillTopups(t, s, 3000)
	ctx := context.Background()
	for name, c := range map[string]struct {
		f    TopupFilter
		want string
	}{
		"no filter":  {TopupFilter{}, "SCAN topups"},
		"status":     {TopupFilter{Status: models.TopupSuccess}, "USING INDEX topups_status"},
		"product":    {TopupFilter{Product: "AYOVO10"}, "USING INDEX topups_product"},
		"reference":  {TopupFilter{Q: "TU0012"}, "sqlite_autoindex_topups_1 (ref_number>"},
		"phone":      {TopupFilter{Q: "0812", PhoneQ: "62812"}, "topups_phone (phone>"},
		"deep page":  {TopupFilter{Status: models.TopupSuccess, Cursor: Cursor{Before: 100}}, "USING INDEX topups_status"},
		"newer page": {TopupFilter{Product: "AYOVO10", Cursor: Cursor{After: 100}}, "USING INDEX topups_product"},
	} {
		q, err := s.TopupListSQL(ctx, c.f, PageSize)
		if err != nil {
			t.Fatal(err)
		}
		plan := explain(t, s, q)
		if !strings.Contains(plan, c.want) {
			t.Errorf("%s: plan %q lacks %q", name, plan, c.want)
		}
		if strings.Contains(plan, "TEMP B-TREE FOR ORDER BY") {
			t.Errorf("%s: plan sorts the matching rows: %q", name, plan)
		}
	}
	for _, c := range []TopupFilter{{Q: "TU0012"}, {Q: "0812000", PhoneQ: "62812000"}, {Q: "90001"}, {Q: "TU00", Status: models.TopupPending}} {
		want := map[int64]bool{}
		var amount, fees int64
		for _, r := range rows {
			phoneQ := c.PhoneQ
			if phoneQ == "" {
				phoneQ = c.Q
			}
			hit := strings.HasPrefix(r.RefNumber, c.Q) || strings.HasPrefix(r.Phone, phoneQ) || strings.HasPrefix(r.TransactionID, c.Q)
			if hit && (c.Status == "" || r.Status == c.Status) {
				want[r.ID] = true
				amount += r.Amount
				fees += r.AdminFee
			}
		}
		got := map[int64]bool{}
		if err := s.EachTopup(ctx, c, func(tp models.Topup) error { got[tp.ID] = true; return nil }); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) || len(want) == 0 {
			t.Errorf("%+v: %d found, want %d", c, len(got), len(want))
		}
		for id := range want {
			if !got[id] {
				t.Errorf("%+v: missing %d", c, id)
			}
		}
		tot, err := s.TopupPageTotals(ctx, c)
		if err != nil || tot.Count != int64(len(want)) || tot.Amount != amount || tot.Fees != fees {
			t.Errorf("%+v: totals %+v (%v), want %d %d %d", c, tot, err, len(want), amount, fees)
		}
	}
}

// Confirming the same draft twice makes one top-up and claims it once.
func TestConfirmTopupDraftOnce(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	u := &models.User{Email: "maker@example.com", Name: "Maker", Role: models.RoleFinance, PasswordHash: "x"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	d := &models.TopupDraft{Key: "k1", UserID: u.ID, Phone: "6281234567890", ProductCode: "AYOVO10", Amount: 11300, InquiryID: 5, RefNumber: "TU1"}
	if err := s.CreateTopupDraft(ctx, d); err != nil {
		t.Fatal(err)
	}
	first, err := s.ConfirmTopupDraft(ctx, d, u, 0, &models.AuditEntry{Action: "topup.create"})
	if err != nil || !first.Created || !first.Claimed || first.Topup.Status != models.TopupPaying {
		t.Fatalf("first: %+v %v", first, err)
	}
	again, err := s.ConfirmTopupDraft(ctx, d, u, 0, &models.AuditEntry{Action: "topup.create"})
	if err != nil || again.Created || again.Claimed || again.Topup.ID != first.Topup.ID {
		t.Fatalf("again: %+v %v", again, err)
	}
}
