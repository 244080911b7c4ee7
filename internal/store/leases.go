package store

import (
	"context"
	"time"
)

// Lease is one background loop's lease: the replica that holds it runs
// the loop, until expires (docs/postgres.md, "Leases").
type Lease struct {
	Name    string
	Holder  string
	Taken   time.Time // when Holder took it (renewals keep it)
	Expires time.Time
	// Lapsed: expired by the database's clock, not renewed; another
	// replica takes it at its next try.
	Lapsed bool
}

// nowMS is the database's clock in Unix milliseconds: every replica
// compares expiries with the same clock, whatever its own says.
func (d dialect) nowMS() string {
	if d.pg {
		return "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"
	}
	return "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)"
}

// TakeLease takes the lease name for holder, or renews it when holder
// holds it already, so that it expires ttl from now (the database's
// clock). It reports false, changing nothing, while another holder's
// lease has not expired. One statement: two replicas racing for a free
// lease cannot both get it.
func (s *Store) TakeLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := s.d.nowMS()
	res := s.db.Write.WithContext(ctx).Exec(`INSERT INTO leases (name, holder, taken_ms, expires_ms)
VALUES (?, ?, `+now+`, `+now+` + ?)
ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_ms = excluded.expires_ms,
	taken_ms = CASE WHEN leases.holder = excluded.holder THEN leases.taken_ms ELSE excluded.taken_ms END
WHERE leases.holder = excluded.holder OR leases.expires_ms < excluded.taken_ms`,
		name, holder, ttl.Milliseconds())
	if res.Error != nil {
		return false, res.Error
	}
	return res.RowsAffected == 1, nil
}

// ReleaseLeases gives up every lease holder holds (a clean shutdown), so
// another replica takes the work at its next try instead of after expiry.
func (s *Store) ReleaseLeases(ctx context.Context, holder string) error {
	return s.db.Write.WithContext(ctx).Exec("DELETE FROM leases WHERE holder = ?", holder).Error
}

// Leases lists every lease by name, expired ones too.
func (s *Store) Leases(ctx context.Context) ([]Lease, error) {
	var rows []struct {
		Name, Holder       string
		TakenMs, ExpiresMs int64
		Lapsed             bool
	}
	if err := s.db.Read.WithContext(ctx).Raw("SELECT name, holder, taken_ms, expires_ms, expires_ms < " + s.d.nowMS() + " AS lapsed FROM leases ORDER BY name").Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Lease, len(rows))
	for i, r := range rows {
		out[i] = Lease{Name: r.Name, Holder: r.Holder, Taken: time.UnixMilli(r.TakenMs).UTC(), Expires: time.UnixMilli(r.ExpiresMs).UTC(), Lapsed: r.Lapsed}
	}
	return out, nil
}
