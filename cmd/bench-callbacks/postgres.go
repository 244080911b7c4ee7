package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"backoffice/internal/app"
	"backoffice/internal/config"
	"backoffice/internal/db"
)

// runPostgres is the -database mode: the dashboard's durable intake on
// PostgreSQL against a PostgreSQL floor (each raw body appended to a table
// with no index, one group per transaction, synchronous_commit=on), first
// with one dashboard, then with two sharing the database, the load split
// between them. The two replicas are two dashboards in this one process
// (each its own App, pool, writer and worker), not two processes.
//
// Everything goes into a new schema of the named database, dropped at
// the end. The database is made (C collation, as the dashboard requires)
// when it does not exist.
func runPostgres(dbURL string, conns int, duration, warmup time.Duration) error {
	ctx := context.Background()
	schemaURL, drop, err := benchSchema(ctx, dbURL)
	if err != nil {
		return err
	}
	defer drop()
	dir, err := os.MkdirTemp("", "bench-callbacks-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	bare, err := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"received"}`))
	}))
	if err != nil {
		return err
	}
	defer bare.Close()
	floor, err := openFloor(schemaURL)
	if err != nil {
		return err
	}
	floorSrv, err := serve(floor)
	if err != nil {
		floor.Close()
		return err
	}
	defer func() {
		floorSrv.Close()
		floor.Close()
	}()

	token := randomHex(16)
	var replicas []*replica
	defer func() {
		for _, r := range replicas {
			r.close()
		}
	}()
	var seq atomic.Int64
	body := func() []byte {
		n := seq.Add(1)
		return []byte(fmt.Sprintf(`{"status":{"code":"000","message":"Success"},"amount":125000,"recipient_name":"John Doe","recipient_bank":"014","recipient_account":"1234567890","trx_id":"T-%d","partner_trx_id":"P-%d","timestamp":"16-10-2021 10:34:23"}`, n, n))
	}
	serverCPU = func() time.Duration { return postgresCPU(strings.TrimPrefix(mustURL(dbURL).Path, "/")) }
	fmt.Printf("bench-callbacks (PostgreSQL): %d connections, %v per run in %d alternating rounds (after %v warm-up), GOMAXPROCS=%d\n", conns, duration, rounds, warmup, runtimeProcs())
	fmt.Printf("database: %s (a schema of its own, dropped at the end)\n", db.RedactURL(schemaURL))

	var answered int64
	for _, n := range []int{1, 2} {
		for len(replicas) < n {
			r, err := openReplica(ctx, schemaURL, filepath.Join(dir, fmt.Sprint("replica", len(replicas)+1)), token)
			if err != nil {
				return err
			}
			replicas = append(replicas, r)
		}
		var urls []string
		for _, r := range replicas {
			urls = append(urls, r.url)
		}
		var baseline, floorRun, dash loadResult
		slice := duration / time.Duration(rounds)
		for i := range rounds {
			w := warmup
			if i > 0 {
				w = warmup / 4
			}
			baseline.add(load("http://"+bare.Addr+"/callbacks/oy/disbursement", conns, w, slice, body, http.StatusOK))
			floorRun.add(load("http://"+floorSrv.Addr+"/callbacks/oy/disbursement", conns, w, slice, body, http.StatusOK))
			if profile != "" && i == 0 && n == 1 {
				if f, err := os.Create(profile); err == nil && pprof.StartCPUProfile(f) == nil {
					defer pprof.StopCPUProfile()
				}
			}
			dash.add(loadSplit(urls, conns, w, slice, body, http.StatusOK))
			pprof.StopCPUProfile()
		}
		slices.Sort(baseline.latencies)
		slices.Sort(dash.latencies)
		slices.Sort(floorRun.latencies)
		answered += dash.ok + dash.warmOK
		var syncCommit string
		if err := replicas[0].app.DB.WriteSQL().QueryRow("SHOW synchronous_commit").Scan(&syncCommit); err != nil {
			return err
		}
		name := "dashboard (durable)"
		if n == 2 {
			name = "2 dashboards (durable)"
		}
		fmt.Printf("-- %d dashboard replica(s) on one PostgreSQL database%s\n", n, map[bool]string{true: ", the connections split between them", false: ""}[n == 2])
		report("bare net/http (stores none)", baseline.result)
		report("floor (durable append only)", floorRun.result)
		report(name, dash.result)
		fmt.Printf("durable callbacks per second: %.0f (synchronous_commit=%s)\n", dash.perSecond(), syncCommit)
		fmt.Printf("ratio dashboard / bare: %.2f\n", dash.perSecond()/baseline.perSecond())
		fmt.Printf("ratio floor / bare: %.2f (no durable PostgreSQL intake on this machine can pass this); dashboard / floor: %.2f\n",
			floorRun.perSecond()/baseline.perSecond(), dash.perSecond()/floorRun.perSecond())
	}
	n, err := floor.stored(ctx)
	if err != nil {
		return err
	}
	var stored int64
	if err := replicas[0].app.DB.ReadSQL().QueryRow("SELECT count(*) FROM callbacks WHERE verified").Scan(&stored); err != nil {
		return err
	}
	fmt.Printf("answered 200 (warm-up included): %d, stored verified rows: %d; floor rows: %d\n", answered, stored, n)
	if stored < answered {
		return errors.New("some callbacks answered 200 are missing from the database")
	}
	return nil
}

func report(name string, r result) {
	var server time.Duration
	if r.ok > 0 {
		server = r.serverCPU / time.Duration(r.ok)
	}
	fmt.Printf("%-28s %9.0f req/s  ok=%-8d failed=%-5d p50=%-9v p99=%-9v cpu/req=%v (%.2f cores busy) postgres cpu/req=%v (%.2f cores busy)\n", name, r.perSecond(), r.ok, r.failed,
		r.pct(0.50).Round(10*time.Microsecond), r.pct(0.99).Round(10*time.Microsecond), r.cpuPer().Round(time.Microsecond), r.cpu.Seconds()/r.elapsed.Seconds(),
		server.Round(time.Microsecond), r.serverCPU.Seconds()/r.elapsed.Seconds())
}

// postgresCPU sums the CPU time of the PostgreSQL server processes on this
// machine that serve database name (their command line names it) or none
// (the WAL writer, checkpointer and other background processes), from
// /proc. Zero where /proc cannot be read (the server is elsewhere).
func postgresCPU(name string) time.Duration {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	var ticks int64
	for _, d := range dirs {
		if d.Name()[0] < '0' || d.Name()[0] > '9' {
			continue
		}
		cmd, err := os.ReadFile("/proc/" + d.Name() + "/cmdline")
		if err != nil || !bytes.HasPrefix(cmd, []byte("postgres: ")) {
			continue
		}
		line := string(cmd)
		if !strings.Contains(line, " "+name+" ") && (strings.Contains(line, "127.0.0.1") || strings.Contains(line, "[local]") || strings.Contains(line, "autovacuum worker")) {
			continue // a client of another database
		}
		stat, err := os.ReadFile("/proc/" + d.Name() + "/stat")
		if err != nil {
			continue
		}
		// Fields after the command's closing parenthesis: state is the 3rd
		// field of the line, utime and stime the 14th and 15th.
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) < 13 {
			continue
		}
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		ticks += u + s
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ
}

// replica is one dashboard on the shared database, serving on loopback.
type replica struct {
	app *app.App
	hs  *http.Server
	url string
	log *os.File
}

func openReplica(ctx context.Context, dbURL, dir, token string) (*replica, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	env := map[string]string{"DASHBOARD_ADDR": ln.Addr().String(), "DASHBOARD_DATA_DIR": dir, "DATABASE_URL": dbURL, "OY_CALLBACK_TOKEN": token}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		ln.Close()
		return nil, err
	}
	logFile, err := os.Create(filepath.Join(dir, "dashboard.log"))
	if err != nil {
		ln.Close()
		return nil, err
	}
	a, err := app.Open(ctx, cfg, slog.New(slog.NewJSONHandler(logFile, nil)))
	if err == nil {
		err = a.Build(app.Options{})
	}
	if err != nil {
		ln.Close()
		logFile.Close()
		return nil, err
	}
	hs := &http.Server{Handler: a.Server.Handler()}
	go func() { _ = hs.Serve(ln) }()
	return &replica{app: a, hs: hs, log: logFile, url: "http://" + ln.Addr().String() + "/callbacks/oy/disbursement?token=" + token}, nil
}

func (r *replica) close() {
	_ = r.hs.Shutdown(context.Background())
	_ = r.app.Close()
	r.log.Close()
}

// benchSchema makes the database named by dbURL if it is missing (C
// collation), then a schema with a random name in it; it returns a URL
// whose connections use that schema, with synchronous_commit=on, and a
// function that drops the schema.
func benchSchema(ctx context.Context, dbURL string) (string, func(), error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", nil, fmt.Errorf("-database: %w", err)
	}
	if _, err := db.EnsureDatabase(ctx, u.String()); err != nil {
		return "", nil, fmt.Errorf("-database: %w", err)
	}
	admin, err := db.OpenSQL(u.String())
	if err != nil {
		return "", nil, err
	}
	schema := "bench_" + randomHex(6)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("-database: create schema: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("synchronous_commit", "on")
	u.RawQuery = q.Encode()
	drop := func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			fmt.Fprintln(os.Stderr, "bench-callbacks: drop schema:", err)
		}
		admin.Close()
	}
	return u.String(), drop, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func mustURL(raw string) *url.URL {
	u, err := url.Parse(raw)
	if err != nil {
		return &url.URL{}
	}
	return u
}
