// Command bench-lists measures the list pages (disbursements, callback log,
// audit log) the way staff use them: the real server over loopback, signed
// in, with 8 concurrent clients, on 1,000,000 callbacks, 100,000
// disbursements and 100,000 audit entries. It prints p50 and p95 per page.
//
// The data is seeded once into $TMPDIR/bench-lists-s<seed>-m<schema>/ and
// reused by later runs; delete that directory to seed again.
//
// With -database postgres://…/NAME it runs on PostgreSQL instead, on
// 1,000,000 callbacks and 1,000,000 disbursements by default: the database
// is made (C collation) when missing, and the data is seeded once into a
// schema named after the seed and schema versions and the row counts,
// kept between runs; -drop drops that schema first, so it is seeded again.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"gorm.io/gorm"

	"backoffice/internal/app"
	"backoffice/internal/auth"
	"backoffice/internal/config"
	"backoffice/internal/db"
	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/internal/wib"
)

// seedVersion changes whenever the seeded data changes shape.
const seedVersion = 4

const password = "bench-lists-password-1"

func main() {
	callbacks := flag.Int("callbacks", 1_000_000, "callbacks to seed")
	disbursements := flag.Int("disbursements", 100_000, "disbursements to seed")
	auditEntries := flag.Int("audit", 100_000, "audit entries to seed")
	clients := flag.Int("clients", 8, "concurrent clients")
	requests := flag.Int("requests", 200, "requests per page (spread over the clients)")
	only := flag.String("only", "", "measure only pages whose name contains this")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the measured requests to this file")
	exports := flag.Bool("exports", false, "also time CSV and XLSX exports of the whole callback log and disbursements, with the process's peak memory")
	database := flag.String("database", "", "a postgres:// URL: run on PostgreSQL, in a schema of that database kept between runs (the database is made with C collation if missing)")
	drop := flag.Bool("drop", false, "with -database: drop the cached schema first, so the data is seeded again")
	flag.Parse()
	if *database != "" && !explicit("disbursements") {
		*disbursements = 1_000_000
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench-lists:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	o := options{callbacks: *callbacks, disbursements: *disbursements, audit: *auditEntries, clients: *clients, requests: *requests,
		only: *only, exports: *exports, database: *database, drop: *drop}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench-lists:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

// explicit reports whether the flag was given on the command line.
func explicit(name string) bool {
	found := false
	flag.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

type options struct {
	callbacks, disbursements, audit int
	clients, requests               int
	only                            string
	exports                         bool
	database                        string // PostgreSQL URL; empty: SQLite
	drop                            bool
}

func run(o options) error {
	nCallbacks, nDisb, nAudit, clients, requests, only, exports := o.callbacks, o.disbursements, o.audit, o.clients, o.requests, o.only, o.exports
	ctx := context.Background()
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("bench-lists-s%d-m%d-c%d-d%d-a%d", seedVersion, store.LatestVersion(), nCallbacks, nDisb, nAudit))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	env := map[string]string{"DASHBOARD_DATA_DIR": dir, "DASHBOARD_ADDR": ln.Addr().String(), "DASHBOARD_LOG_LEVEL": "error"}
	seed := seedSQLite
	if o.database != "" {
		// The data lives in the schema; the data directory only holds the
		// keys this process generates, so a new one each run.
		schema := fmt.Sprintf("bench_lists_s%d_m%d_c%d_d%d_a%d", seedVersion, store.LatestVersion(), nCallbacks, nDisb, nAudit)
		schemaURL, err := postgresSchema(ctx, o.database, schema, o.drop)
		if err != nil {
			return err
		}
		if dir, err = os.MkdirTemp("", "bench-lists-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		env["DASHBOARD_DATA_DIR"], env["DATABASE_URL"] = dir, schemaURL
		seed = seedPostgres
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer a.Close()
	t0 := time.Now()
	seeded, err := seed(ctx, a, nCallbacks, nDisb, nAudit)
	if err != nil {
		return err
	}
	if seeded {
		fmt.Printf("seeded %d callbacks, %d disbursements, %d audit entries in %s\n", nCallbacks, nDisb, nAudit, time.Since(t0).Round(time.Second))
	}
	if o.database != "" {
		fmt.Printf("database: %s (cached between runs; -drop to seed again)\n", db.RedactURL(cfg.DatabaseURL))
	} else {
		fmt.Printf("database: %s (cached between runs; delete it to seed again)\n", cfg.DatabaseURL)
	}
	if err := a.Build(app.Options{}); err != nil {
		return err
	}
	srv := &http.Server{Handler: a.Server.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	base := "http://" + ln.Addr().String()

	var browsers []*http.Client
	for range clients {
		c, err := signIn(base)
		if err != nil {
			return err
		}
		browsers = append(browsers, c)
	}
	var mid struct{ C, D, A int64 }
	r := a.DB.Read
	r.Raw("SELECT max(id) / 2 FROM callbacks").Scan(&mid.C)
	r.Raw("SELECT max(id) / 2 FROM disbursements").Scan(&mid.D)
	r.Raw("SELECT max(id) / 2 FROM audit_entries").Scan(&mid.A)
	today := time.Now().In(wib.Zone)
	week := "from=" + today.AddDate(0, 0, -6).Format(time.DateOnly) + "&to=" + today.Format(time.DateOnly)

	pages := []struct{ name, path string }{
		{"callbacks: unfiltered", "/callback-log"},
		{"callbacks: provider", "/callback-log?provider=oy"},
		{"callbacks: type", "/callback-log?kind=topup"},
		{"callbacks: processing", "/callback-log?status=applied"},
		{"callbacks: not verified", "/callback-log?verified=no"},
		{"callbacks: duplicates", "/callback-log?duplicate=1"},
		{"callbacks: reference prefix", "/callback-log?q=880800012"},
		{"callbacks: short prefix (all VAs)", "/callback-log?q=8808"},
		{"callbacks: 7 days", "/callback-log?" + week},
		{"callbacks: 7 days + provider", "/callback-log?provider=faspay&" + week},
		{"callbacks: deep page", fmt.Sprintf("/callback-log?before=%d", mid.C)},
		{"callbacks: deep page + type", fmt.Sprintf("/callback-log?kind=debit-notify&before=%d", mid.C)},
		{"disbursements: unfiltered", "/disbursements"},
		{"disbursements: status", "/disbursements?status=failed"},
		{"disbursements: bank", "/disbursements?bank=014"},
		{"disbursements: maker", "/disbursements?maker=2"},
		{"disbursements: amount range", "/disbursements?min_amount=1.000.000&max_amount=5.000.000"},
		{"disbursements: reference prefix", "/disbursements?q=PTX-0001"},
		{"disbursements: account prefix", "/disbursements?q=0012"},
		{"disbursements: short prefix (all)", "/disbursements?q=00"},
		{"disbursements: name", "/disbursements?q=santoso"},
		{"disbursements: batch", "/disbursements?batch=3"},
		{"disbursements: 7 days", "/disbursements?" + week},
		{"disbursements: deep page", fmt.Sprintf("/disbursements?before=%d", mid.D)},
		{"audit: unfiltered", "/audit-log"},
		{"audit: action", "/audit-log?action=disbursement.approve"},
		{"audit: actor", "/audit-log?actor=finance2@example.com"},
		{"audit: free text", "/audit-log?q=partner"},
		{"audit: 7 days", "/audit-log?" + week},
		{"audit: deep page", fmt.Sprintf("/audit-log?before=%d", mid.A)},
	}
	fmt.Printf("%d clients, %d requests per page (GOMAXPROCS default)\n", clients, requests)
	fmt.Printf("%-34s %9s %9s %9s\n", "page", "p50", "p95", "max")
	worst := time.Duration(0)
	for _, p := range pages {
		if only != "" && !strings.Contains(p.name, only) {
			continue
		}
		lat, err := load(browsers, base+p.path, requests)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name, err)
		}
		p95 := pct(lat, 0.95)
		worst = max(worst, p95)
		fmt.Printf("%-34s %9s %9s %9s\n", p.name, ms(pct(lat, 0.5)), ms(p95), ms(lat[len(lat)-1]))
	}
	fmt.Printf("worst p95: %s (goal < 30 ms)\n", ms(worst))
	if exports {
		for _, path := range []string{"/disbursements?format=csv", "/disbursements?format=xlsx", "/callback-log?format=csv", "/callback-log?format=xlsx"} {
			if err := timeExport(browsers[0], base+path); err != nil {
				return err
			}
		}
	}
	return nil
}

// timeExport downloads one export, counting its bytes as they arrive, and
// prints the time taken, the peak live heap (as of each collection) while
// it ran and the process's peak RSS so far.
func timeExport(c *http.Client, u string) error {
	c = &http.Client{Jar: c.Jar} // no timeout: a million rows take a while
	runtime.GC()
	t := time.Now()
	var peak atomic.Uint64
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	resp, err := c.Get(u)
	var n int64
	var ttfb time.Duration
	if err == nil {
		ttfb = time.Since(t)
		n, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	close(done)
	<-stopped
	if err != nil {
		return err
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	path := u[strings.Index(u[len("http://"):], "/")+len("http://"):]
	fmt.Printf("export %-26s %6.1f MB in %6s (headers after %s), peak live heap %4d MB, peak RSS so far %4d MB\n", path, float64(n)/1e6,
		time.Since(t).Round(100*time.Millisecond), ttfb.Round(time.Millisecond), peak.Load()>>20, ru.Maxrss>>10)
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

func pct(sorted []time.Duration, p float64) time.Duration {
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*p))]
}

// load fetches url requests times, spread over the clients at once, after
// one warm-up request per client; it returns the sorted latencies.
func load(clients []*http.Client, u string, requests int) ([]time.Duration, error) {
	for _, c := range clients {
		if _, err := fetch(c, u); err != nil {
			return nil, err
		}
	}
	var mu sync.Mutex
	var out []time.Duration
	var firstErr error
	var wg sync.WaitGroup
	per := max(1, requests/len(clients))
	for _, c := range clients {
		wg.Go(func() {
			for range per {
				d, err := fetch(c, u)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				out = append(out, d)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(out)
	return out, firstErr
}

func fetch(c *http.Client, u string) (time.Duration, error) {
	t := time.Now()
	resp, err := c.Get(u)
	if err != nil {
		return 0, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(t)
	if err != nil {
		return d, err
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `data-testid="pager"`) {
		return d, fmt.Errorf("GET %s: %d", u, resp.StatusCode)
	}
	return d, nil
}

var csrfRe = regexp.MustCompile(`name="_csrf" value="([0-9a-f]+)"`)

// signIn signs in as the bench admin through the login form.
func signIn(base string) (*http.Client, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.Get(base + "/login")
	if err != nil {
		return nil, err
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfRe.FindSubmatch(body)
	if m == nil {
		return nil, fmt.Errorf("no CSRF token on the login page")
	}
	resp, err = c.PostForm(base+"/login", url.Values{"_csrf": {string(m[1])}, "email": {"bench@example.com"}, "password": {password}})
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("sign-in answered %d", resp.StatusCode)
	}
	return c, nil
}

// benchEmails are the seeded accounts: the clients' own first, then the
// makers of the transfers.
var benchEmails = []string{"bench@example.com", "finance1@example.com", "finance2@example.com", "finance3@example.com"}

// benchUser is the account of benchEmails[i]. The clients read as an
// auditor: every list and export, and no second factor to enter (admins and
// finance must have one).
func benchUser(i int, hash string) *models.User {
	role := models.RoleFinance
	if i == 0 {
		role = models.RoleAuditor
	}
	now := time.Now().UTC()
	return &models.User{Email: benchEmails[i], Name: strings.TrimSuffix(benchEmails[i], "@example.com"), Role: role, PasswordHash: hash,
		CreatedAt: now, UpdatedAt: now, PasswordChangedAt: now}
}

// toSeed reports whether the database still lacks the bench's data, with
// the password hash of the accounts to make when it does.
func toSeed(w *gorm.DB) (hash string, seed bool, err error) {
	var n int64
	if err := w.Raw("SELECT count(*) FROM users WHERE email = ?", benchEmails[0]).Scan(&n).Error; err != nil || n > 0 {
		return "", false, err
	}
	hash, err = auth.HashPassword(password)
	return hash, err == nil, err
}

// seedSQLite fills an empty database; a seeded one is left as it is.
func seedSQLite(ctx context.Context, a *app.App, nCallbacks, nDisb, nAudit int) (bool, error) {
	w := a.DB.Write
	hash, seed, err := toSeed(w)
	if err != nil || !seed {
		return false, err
	}
	for i := range benchEmails {
		if err := a.Store.CreateUser(ctx, benchUser(i, hash)); err != nil {
			return false, err
		}
	}
	span := 90 * 24 * 3600.0 // seconds of history, ending now
	steps := []struct {
		name string
		sql  string
		args []any
	}{
		{"callbacks", `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
		INSERT INTO callbacks (received_at, provider, kind, method, path, query, headers, body, source_ip, verified, verify_reason,
			dedup_key, duplicate, refs, reply_status, reply_body, status, attempts, processed_at)
		SELECT datetime('now', '-' || CAST((? - i) * ? / ? AS INTEGER) || ' seconds'),
			CASE WHEN i % 100 = 0 THEN 'oy' WHEN i % 3 = 0 THEN 'faspay' WHEN i % 3 = 1 THEN 'doku' ELSE 'ayopop' END,
			CASE WHEN i % 100 = 0 THEN 'disbursement' WHEN i % 3 = 0 THEN 'payment-notification' WHEN i % 3 = 1 THEN 'debit-notify' ELSE 'topup' END,
			'POST', '/callbacks/x', '', '{}', '{"partner_trx_id":"P-' || i || '"}', '10.0.0.' || (i % 200),
			CASE WHEN i % 50 = 0 THEN 0 ELSE 1 END, CASE WHEN i % 50 = 0 THEN 'signature did not match' ELSE 'signature matched' END,
			'k-' || i, CASE WHEN i % 97 = 0 THEN 1 ELSE 0 END,
			'P-' || i || ' 8808' || printf('%08d', i), 200, '{}',
			CASE WHEN i % 50 = 0 THEN 'rejected' WHEN i % 97 = 0 THEN 'duplicate' WHEN i % 7 = 0 THEN 'applied' ELSE 'unmatched' END,
			1, datetime('now')
		FROM seq`, []any{nCallbacks, nCallbacks, span, nCallbacks}},
		{"callback references", `INSERT INTO callback_refs (ref, callback_id)
			SELECT 'P-' || id, id FROM callbacks UNION ALL SELECT '8808' || printf('%08d', id), id FROM callbacks`, nil},
		{"disbursements", `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
		INSERT INTO disbursements (partner_trx_id, recipient_bank, recipient_account, recipient_name, amount, status, maker_id, maker_email,
			created_at, updated_at, trx_id, batch_id, note)
		SELECT 'PTX-' || printf('%07d', i),
			CASE i % 10 WHEN 0 THEN '014' WHEN 1 THEN '002' WHEN 2 THEN '008' WHEN 3 THEN '009' WHEN 4 THEN '013' WHEN 5 THEN '022'
				WHEN 6 THEN 'ovo' WHEN 7 THEN 'gopay' WHEN 8 THEN 'dana' ELSE '011' END,
			'00' || printf('%08d', (i * 7919) % 100000000),
			CASE i % 5 WHEN 0 THEN 'Budi Santoso' WHEN 1 THEN 'Siti Rahma' WHEN 2 THEN 'Agus Salim' WHEN 3 THEN 'Dewi Lestari' ELSE 'PT Maju Jaya' END || ' ' || (i % 1000),
			10000 + (i * 104729) % 20000000,
			CASE WHEN i % 20 = 0 THEN 'failed' WHEN i % 50 = 1 THEN 'waiting_approval' WHEN i % 97 = 0 THEN 'rejected' ELSE 'success' END,
			(SELECT id FROM users WHERE email = 'finance' || (1 + i % 3) || '@example.com'), 'finance' || (1 + i % 3) || '@example.com',
			datetime('now', '-' || CAST((? - i) * ? / ? AS INTEGER) || ' seconds'), datetime('now'), 'T' || i,
			CASE WHEN i % 10 = 0 THEN 1 + (i / 1000) % 20 END, ''
		FROM seq`, []any{nDisb, nDisb, span, nDisb}},
		{"audit entries", `WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ?)
		INSERT INTO audit_entries (at, actor_email, action, object_type, object_id, summary, ip, request_id)
		SELECT datetime('now', '-' || CAST((? - i) * ? / ? AS INTEGER) || ' seconds'), 'finance' || (1 + i % 3) || '@example.com',
			CASE i % 6 WHEN 0 THEN 'login.ok' WHEN 1 THEN 'disbursement.create' WHEN 2 THEN 'disbursement.approve'
				WHEN 3 THEN 'callback.replay' WHEN 4 THEN 'settings.update' ELSE 'disbursement.export' END,
			'disbursement', '' || i, 'changed partner ' || i || ' from a to b', '10.1.0.' || (i % 250), 'req-' || i
		FROM seq`, []any{nAudit, nAudit, span, nAudit}},
		{"statistics", "ANALYZE", nil},
	}
	for _, s := range steps {
		t := time.Now()
		if err := w.Exec(s.sql, s.args...).Error; err != nil {
			return false, fmt.Errorf("seed %s: %w", s.name, err)
		}
		fmt.Printf("seeded %s in %s\n", s.name, time.Since(t).Round(time.Millisecond))
	}
	return true, nil
}
