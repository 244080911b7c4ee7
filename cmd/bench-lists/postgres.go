package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"backoffice/internal/app"
	"backoffice/internal/db"
)

// postgresSchema makes the database named by dbURL if it is missing (C
// collation, as the dashboard requires) and the schema in it if missing
// (dropped first when drop is set); it returns a URL whose connections
// use that schema. The schema is kept: its name says what was seeded in it.
func postgresSchema(ctx context.Context, dbURL, schema string, drop bool) (string, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", fmt.Errorf("-database: %w", err)
	}
	name, err := db.EnsureDatabase(ctx, u.String())
	if err != nil {
		return "", fmt.Errorf("-database: %w", err)
	}
	admin, err := db.OpenSQL(u.String())
	if err != nil {
		return "", err
	}
	defer admin.Close()
	id := pgx.Identifier{schema}.Sanitize()
	if drop {
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+id+" CASCADE"); err != nil {
			return "", fmt.Errorf("-database: drop schema %s: %w", schema, err)
		}
		fmt.Printf("dropped schema %s\n", schema)
	}
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+id); err != nil {
		return "", fmt.Errorf("-database: create schema %s: %w", schema, err)
	}
	// Schemas of other seeds or builds are left alone; say so once.
	rows, err := admin.QueryContext(ctx, `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'bench\_lists\_%' AND nspname <> $1 ORDER BY 1`, schema)
	if err != nil {
		return "", err
	}
	var stale []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return "", err
		}
		stale = append(stale, s)
	}
	rows.Close()
	if len(stale) > 0 {
		fmt.Printf("other bench-lists schemas in %s (DROP SCHEMA … CASCADE to free the space): %s\n", name, strings.Join(stale, ", "))
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// seedPostgres fills the migrated, empty schema with the data seedSQLite
// makes (the same providers, kinds, statuses, references, amounts and
// times, row for row), each table by one INSERT … SELECT over
// generate_series, all in one transaction: an interrupted seed leaves the
// schema empty and the next run seeds again. A seeded schema is left as it
// is.
//
// The WIB day-counter triggers are switched off for the two big inserts and
// the counters rebuilt afterwards with the migrations' own backfill (the
// same grouping the triggers keep), then checked against the rows; a
// million per-row upserts would take minutes for the same result.
func seedPostgres(ctx context.Context, a *app.App, nCallbacks, nDisb, nAudit int) (bool, error) {
	w := a.DB.Write.WithContext(ctx)
	hash, seed, err := toSeed(w)
	if err != nil || !seed {
		return false, err
	}
	const span = 90 * 24 * 3600 // seconds of history, ending now
	// ago is received_at / created_at / at of row i of count rows: spread
	// evenly over span, whole seconds, growing with i (and so with id).
	ago := func(count int) string {
		return fmt.Sprintf("t0 - make_interval(secs => floor((%d - i) * %d.0 / %d))", count, span, count)
	}
	// pad is printf('%0<w>d', x): at least w digits, more when x needs them.
	pad := func(x string, w int) string {
		return fmt.Sprintf("lpad((%s)::text, greatest(%d, length((%s)::text)), '0')", x, w, x)
	}
	series := func(count int) string {
		return fmt.Sprintf("generate_series(1::bigint, %d) AS i CROSS JOIN (SELECT date_trunc('second', now()) AS t0) AS t", count)
	}
	err = w.Transaction(func(tx *gorm.DB) error {
		var makers []int64
		for i := range benchEmails {
			u := benchUser(i, hash)
			if err := tx.Create(u).Error; err != nil {
				return fmt.Errorf("seed users: %w", err)
			}
			if i > 0 {
				makers = append(makers, u.ID)
			}
		}
		steps := []struct{ name, sql string }{
			{"settings", "SET LOCAL work_mem = '256MB'"},
			{"settings", "SET LOCAL maintenance_work_mem = '256MB'"},
			{"counter triggers off", "ALTER TABLE callbacks DISABLE TRIGGER callbacks_count_insert"},
			{"counter triggers off", "ALTER TABLE disbursements DISABLE TRIGGER disbursements_count_insert"},
			{"callbacks", `INSERT INTO callbacks (received_at, provider, kind, method, path, query, headers, body, source_ip, verified, verify_reason,
				dedup_key, duplicate, refs, reply_status, reply_body, status, attempts, processed_at)
			SELECT ` + ago(nCallbacks) + `,
				CASE WHEN i % 100 = 0 THEN 'oy' WHEN i % 3 = 0 THEN 'faspay' WHEN i % 3 = 1 THEN 'doku' ELSE 'ayopop' END,
				CASE WHEN i % 100 = 0 THEN 'disbursement' WHEN i % 3 = 0 THEN 'payment-notification' WHEN i % 3 = 1 THEN 'debit-notify' ELSE 'topup' END,
				'POST', '/callbacks/x', '', '{}', convert_to('{"partner_trx_id":"P-' || i || '"}', 'UTF8'), '10.0.0.' || (i % 200),
				i % 50 <> 0, CASE WHEN i % 50 = 0 THEN 'signature did not match' ELSE 'signature matched' END,
				'k-' || i, i % 97 = 0,
				'P-' || i || ' 8808' || ` + pad("i", 8) + `, 200, '{}',
				CASE WHEN i % 50 = 0 THEN 'rejected' WHEN i % 97 = 0 THEN 'duplicate' WHEN i % 7 = 0 THEN 'applied' ELSE 'unmatched' END,
				1, t0
			FROM ` + series(nCallbacks) + ` ORDER BY i`},
			// Sorted, so the (ref, callback_id) primary key is built in order.
			{"callback references", `INSERT INTO callback_refs (ref, callback_id)
			SELECT ref, id FROM (SELECT 'P-' || id AS ref, id FROM callbacks UNION ALL SELECT '8808' || ` + pad("id", 8) + `, id FROM callbacks) AS r
			ORDER BY ref, id`},
			{"disbursements", `INSERT INTO disbursements (partner_trx_id, recipient_bank, recipient_account, recipient_name, amount, status, maker_id, maker_email,
				created_at, updated_at, trx_id, batch_id, note)
			SELECT 'PTX-' || ` + pad("i", 7) + `,
				CASE i % 10 WHEN 0 THEN '014' WHEN 1 THEN '002' WHEN 2 THEN '008' WHEN 3 THEN '009' WHEN 4 THEN '013' WHEN 5 THEN '022'
					WHEN 6 THEN 'ovo' WHEN 7 THEN 'gopay' WHEN 8 THEN 'dana' ELSE '011' END,
				'00' || ` + pad("(i * 7919) % 100000000", 8) + `,
				CASE i % 5 WHEN 0 THEN 'Budi Santoso' WHEN 1 THEN 'Siti Rahma' WHEN 2 THEN 'Agus Salim' WHEN 3 THEN 'Dewi Lestari' ELSE 'PT Maju Jaya' END || ' ' || (i % 1000),
				10000 + (i * 104729) % 20000000,
				CASE WHEN i % 20 = 0 THEN 'failed' WHEN i % 50 = 1 THEN 'waiting_approval' WHEN i % 97 = 0 THEN 'rejected' ELSE 'success' END,
				` + fmt.Sprintf("(ARRAY[%d, %d, %d]::bigint[])", makers[0], makers[1], makers[2]) + `[1 + i % 3], 'finance' || (1 + i % 3) || '@example.com',
				` + ago(nDisb) + `, t0, 'T' || i,
				CASE WHEN i % 10 = 0 THEN 1 + (i / 1000) % 20 END, ''
			FROM ` + series(nDisb) + ` ORDER BY i`},
			{"audit entries", `INSERT INTO audit_entries (at, actor_email, action, object_type, object_id, summary, ip, request_id)
			SELECT ` + ago(nAudit) + `, 'finance' || (1 + i % 3) || '@example.com',
				CASE i % 6 WHEN 0 THEN 'login.ok' WHEN 1 THEN 'disbursement.create' WHEN 2 THEN 'disbursement.approve'
					WHEN 3 THEN 'callback.replay' WHEN 4 THEN 'settings.update' ELSE 'disbursement.export' END,
				'disbursement', '' || i, 'changed partner ' || i || ' from a to b', '10.1.0.' || (i % 250), 'req-' || i
			FROM ` + series(nAudit) + ` ORDER BY i`},
			// The backfills of migrations 10 and 11, word for word: what the
			// insert triggers would have counted.
			{"callback day counters", `INSERT INTO callback_day_counts (day, kind, status, verified, duplicate, provider, n)
			SELECT wib_day(received_at), kind, status, verified, duplicate, provider, count(*)
			FROM callbacks WHERE status <> 'pending' GROUP BY 1, 2, 3, 4, 5, 6`},
			{"disbursement day counters", `INSERT INTO disbursement_day_counts (day, status, recipient_bank, maker_id, batch_id, n, total)
			SELECT wib_day(created_at), status, recipient_bank, maker_id, coalesce(batch_id, 0), count(*), sum(amount)
			FROM disbursements GROUP BY 1, 2, 3, 4, 5`},
			{"counter triggers on", "ALTER TABLE callbacks ENABLE TRIGGER callbacks_count_insert"},
			{"counter triggers on", "ALTER TABLE disbursements ENABLE TRIGGER disbursements_count_insert"},
		}
		for _, s := range steps {
			t := time.Now()
			if err := tx.Exec(s.sql).Error; err != nil {
				return fmt.Errorf("seed %s: %w", s.name, err)
			}
			if !strings.HasPrefix(s.name, "settings") && !strings.HasPrefix(s.name, "counter triggers") {
				fmt.Printf("seeded %s in %s\n", s.name, time.Since(t).Round(time.Millisecond))
			}
		}
		return checkCounters(tx)
	})
	if err != nil {
		return false, err
	}
	// Outside the transaction (VACUUM cannot run in one): statistics for
	// the planner, and the visibility map, so index-only scans (counts
	// along an index) skip the heap as they would on a settled database.
	t := time.Now()
	if err := w.Exec("VACUUM (ANALYZE) users, callbacks, callback_refs, disbursements, audit_entries, callback_day_counts, disbursement_day_counts").Error; err != nil {
		return false, fmt.Errorf("seed: vacuum: %w", err)
	}
	fmt.Printf("vacuumed and analysed in %s\n", time.Since(t).Round(time.Millisecond))
	return true, nil
}

// checkCounters compares the rebuilt day counters with the rows, as the
// triggers would keep them: every (day, …) group's count (and sum).
func checkCounters(tx *gorm.DB) error {
	for name, q := range map[string]string{
		"callback": `WITH rows AS (SELECT wib_day(received_at) AS day, kind, status, verified, duplicate, provider, count(*) AS n
				FROM callbacks WHERE status <> 'pending' GROUP BY 1, 2, 3, 4, 5, 6),
			kept AS (SELECT day, kind, status, verified, duplicate, provider, n FROM callback_day_counts WHERE n <> 0)
			SELECT count(*) FROM ((SELECT * FROM rows EXCEPT SELECT * FROM kept) UNION ALL (SELECT * FROM kept EXCEPT SELECT * FROM rows)) AS d`,
		"disbursement": `WITH rows AS (SELECT wib_day(created_at) AS day, status, recipient_bank, maker_id, coalesce(batch_id, 0) AS batch_id,
				count(*) AS n, sum(amount) AS total FROM disbursements GROUP BY 1, 2, 3, 4, 5),
			kept AS (SELECT day, status, recipient_bank, maker_id, batch_id, n, total::numeric FROM disbursement_day_counts WHERE n <> 0)
			SELECT count(*) FROM ((SELECT * FROM rows EXCEPT SELECT * FROM kept) UNION ALL (SELECT * FROM kept EXCEPT SELECT * FROM rows)) AS d`,
	} {
		var diff int64
		if err := tx.Raw(q).Scan(&diff).Error; err != nil {
			return fmt.Errorf("seed: check %s day counters: %w", name, err)
		}
		if diff != 0 {
			return fmt.Errorf("seed: %d %s day-counter rows differ from a count of the rows", diff, name)
		}
	}
	return nil
}
