// Command bench-callbacks measures durable callback intake: it starts the
// dashboard on loopback (real SQLite file, synchronous=FULL), sends OY
// disbursement callbacks over many keep-alive connections, and prints
// callbacks per second stored durably with p50/p99 answer times — then the
// same load against a bare net/http handler that stores nothing, and the
// ratio between the two. A third side, the floor (floor.go), only appends
// each body to SQLite durably: the most any durable SQLite intake could do
// on the same machine in the same run. Every callback answered 200 is
// checked to be in the database afterwards.
//
//	go run ./cmd/bench-callbacks -conns 128 -duration 5s
//
// With -database postgres://… it measures on PostgreSQL instead
// (postgres.go): one and then two dashboards against a PostgreSQL floor.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"backoffice/internal/app"
	"backoffice/internal/config"
)

func main() {
	conns := flag.Int("conns", 128, "concurrent keep-alive connections")
	duration := flag.Duration("duration", 5*time.Second, "how long each run sends")
	warmup := flag.Duration("warmup", time.Second, "unmeasured sending before each run")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the dashboard's first round to this file (PostgreSQL: the first round with one dashboard)")
	memprofile := flag.String("memprofile", "", "write the allocations of the whole run to this file (go tool pprof -sample_index=alloc_space; the bare and floor sides' own handlers show apart)")
	flag.IntVar(&rounds, "rounds", 5, "alternate the bare and dashboard runs this many times")
	flag.BoolVar(&withFlood, "flood", true, "also send 8 connections of refused 200 KiB callbacks (a guessed token) and report what they write to disk")
	flag.BoolVar(&withFloor, "floor", true, "also run the floor: a handler that only appends the body to SQLite durably (an upper bound for any durable intake)")
	database := flag.String("database", "", "a postgres:// URL: measure on PostgreSQL (one and two dashboards against a PostgreSQL floor) instead of SQLite")
	flag.Parse()
	profile = *cpuprofile
	var err error
	if *database != "" {
		err = runPostgres(*database, *conns, *duration, *warmup)
	} else {
		err = run(*conns, *duration, *warmup)
	}
	if err == nil && *memprofile != "" {
		err = writeHeapProfile(*memprofile)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-callbacks:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
}

var (
	profile   string
	rounds    int
	withFloor bool
	withFlood bool
)

type result struct {
	ok, failed int64
	elapsed    time.Duration
	latencies  []time.Duration
	cpu        time.Duration // process CPU time (user + system) while measuring
	serverCPU  time.Duration // the database server's CPU time while measuring (PostgreSQL mode), 0 if unknown
	written    int64         // bytes the process sent to storage while measuring; -1 if unknown
}

// cpuPer is the process CPU spent per successful request, load generator
// included (it is the same in both runs): a steadier figure than req/s on
// a machine whose speed drifts.
func (r result) cpuPer() time.Duration {
	if r.ok == 0 {
		return 0
	}
	return r.cpu / time.Duration(r.ok)
}

// writtenPer is the bytes sent to storage per successful request (WAL
// frames, checkpoints, the log file), or "n/a" where the kernel does not
// say: on a disk that throttles, this is what bounds durable throughput.
func (r result) writtenPer() string {
	if r.written < 0 || r.ok == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1fKB", float64(r.written)/float64(r.ok)/1000)
}

// diskWritten reads write_bytes from /proc/self/io: bytes this process
// caused to be written to storage, counted when pages are dirtied (so
// nothing waits for writeback). -1 where it is not available.
func diskWritten() int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "write_bytes: "); ok {
			if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
				return n
			}
		}
	}
	return -1
}

// serverCPU is the database server's CPU time so far (set by the
// PostgreSQL mode: its processes serving the bench's database, and its
// background writers); zero when there is no server to read.
var serverCPU = func() time.Duration { return 0 }

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (r result) perSecond() float64 { return float64(r.ok) / r.elapsed.Seconds() }

func (r result) pct(p float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	return r.latencies[min(len(r.latencies)-1, int(float64(len(r.latencies))*p))]
}

func run(conns int, duration, warmup time.Duration) error {
	dir, err := os.MkdirTemp("", "bench-callbacks-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// The bare baseline: reads the body, answers like the dashboard, stores nothing.
	bare, err := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"received"}`))
	}))
	if err != nil {
		return err
	}
	defer bare.Close()

	var floor *floorStore
	var floorSrv *bareServer
	if withFloor {
		if floor, err = openFloor(filepath.Join(dir, "floor.db")); err != nil {
			return err
		}
		if floorSrv, err = serve(floor); err != nil {
			floor.Close()
			return err
		}
		defer func() {
			floorSrv.Close()
			floor.Close()
		}()
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	env := map[string]string{"DASHBOARD_ADDR": addr, "DASHBOARD_DATA_DIR": dir}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return err
	}
	logFile, err := os.Create(filepath.Join(dir, "dashboard.log"))
	if err != nil {
		return err
	}
	defer logFile.Close()
	log := slog.New(slog.NewJSONHandler(logFile, nil))
	a, err := app.Open(context.Background(), cfg, log)
	if err != nil {
		return err
	}
	if err := a.Build(app.Options{}); err != nil {
		return err
	}
	hs := &http.Server{Handler: a.Server.Handler()}
	go func() { _ = hs.Serve(ln) }()
	defer func() {
		_ = hs.Shutdown(context.Background())
		_ = a.Close()
	}()

	fmt.Printf("bench-callbacks: %d connections, %v per run in %d alternating rounds (after %v warm-up), GOMAXPROCS=%d\n", conns, duration, rounds, warmup, runtimeProcs())
	fmt.Printf("database: %s (set TMPDIR to put it elsewhere)\n", cfg.DatabaseURL)
	url := "http://" + addr + "/callbacks/oy/disbursement?token=" + cfg.OY.CallbackToken

	var seq atomic.Int64
	body := func() []byte {
		n := seq.Add(1)
		return []byte(fmt.Sprintf(`{"status":{"code":"000","message":"Success"},"amount":125000,"recipient_name":"John Doe","recipient_bank":"014","recipient_account":"1234567890","trx_id":"T-%d","partner_trx_id":"P-%d","timestamp":"16-10-2021 10:34:23"}`, n, n))
	}
	// The two runs alternate in rounds, so a change in the machine's speed
	// (it is shared) moves both sides of the ratio alike.
	var baseline, floorRun, dash loadResult
	slice := duration / time.Duration(rounds)
	for i := range rounds {
		w := warmup
		if i > 0 {
			w = warmup / 4
		}
		baseline.add(load("http://"+bare.Addr+"/callbacks/oy/disbursement", conns, w, slice, body, http.StatusOK))
		if floor != nil {
			floorRun.add(load("http://"+floorSrv.Addr+"/callbacks/oy/disbursement", conns, w, slice, body, http.StatusOK))
		}
		if profile != "" && i == 0 {
			if f, err := os.Create(profile); err == nil && pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
		dash.add(load(url, conns, w, slice, body, http.StatusOK))
		pprof.StopCPUProfile()
	}
	slices.Sort(baseline.latencies)
	slices.Sort(dash.latencies)
	slices.Sort(floorRun.latencies)

	var stored int64
	if err := a.DB.ReadSQL().QueryRow("SELECT count(*) FROM callbacks WHERE verified = 1").Scan(&stored); err != nil {
		return err
	}
	var sync string
	_ = a.DB.WriteSQL().QueryRow("PRAGMA synchronous").Scan(&sync)

	report := func(name string, r result) {
		fmt.Printf("%-28s %9.0f req/s  ok=%-8d failed=%-5d p50=%-9v p99=%-9v cpu/req=%v (%.2f cores busy) disk/req=%s\n", name, r.perSecond(), r.ok, r.failed,
			r.pct(0.50).Round(10*time.Microsecond), r.pct(0.99).Round(10*time.Microsecond), r.cpuPer().Round(time.Microsecond), r.cpu.Seconds()/r.elapsed.Seconds(), r.writtenPer())
	}
	report("bare net/http (stores none)", baseline.result)
	if floor != nil {
		report("floor (durable append only)", floorRun.result)
	}
	report("dashboard (durable)", dash.result)
	fmt.Printf("durable callbacks per second: %.0f (synchronous=%s: 2 means FULL)\n", dash.perSecond(), sync)
	fmt.Printf("ratio dashboard / bare: %.2f\n", dash.perSecond()/baseline.perSecond())
	if floor != nil {
		fmt.Printf("ratio floor / bare: %.2f (no durable SQLite intake on this machine can pass this); dashboard / floor: %.2f\n",
			floorRun.perSecond()/baseline.perSecond(), dash.perSecond()/floorRun.perSecond())
		n, err := floor.stored(context.Background())
		if err != nil {
			return err
		}
		if n < floorRun.ok+floorRun.warmOK {
			return fmt.Errorf("floor: %d answered 200 but only %d rows stored", floorRun.ok+floorRun.warmOK, n)
		}
	}
	fmt.Printf("answered 200 (warm-up included): %d, stored verified rows: %d\n", dash.ok+dash.warmOK, stored)
	if stored < dash.ok+dash.warmOK {
		return errors.New("some callbacks answered 200 are missing from the database")
	}
	if withFlood {
		return refusedFlood(a, "http://"+addr+"/callbacks/oy/disbursement?token=guessed", warmup, duration)
	}
	return nil
}

// refusedFlood sends what the issue saw (8 clients, refused 200 KiB
// bodies) and reports what the dashboard wrote to disk meanwhile, log
// included, and how much of it the callbacks table holds.
func refusedFlood(a *app.App, url string, warmup, duration time.Duration) error {
	big := []byte(`{"status":{"code":"000","message":"Success"},"amount":125000,"trx_id":"FORGED","partner_trx_id":"FORGED","note":"` + strings.Repeat("x", 200<<10) + `"}`)
	r := load(url, 8, warmup/4, duration, func() []byte { return big }, http.StatusUnauthorized)
	var rows, size int64
	if err := a.DB.ReadSQL().QueryRow("SELECT count(*), coalesce(sum(length(body) + length(headers)), 0) FROM callbacks WHERE verified = 0").Scan(&rows, &size); err != nil {
		return err
	}
	fmt.Printf("refused flood (8 conns, 200 KiB) %6.0f req/s  refused=%-7d other=%-5d disk written %.1f MB/s (%s per request); stored refused rows: %d (%.1f MB)\n",
		r.perSecond(), r.ok, r.failed, float64(r.written)/r.elapsed.Seconds()/1e6, r.writtenPer(), rows, float64(size)/1e6)
	return nil
}

type bareServer struct {
	Addr string
	srv  *http.Server
}

func (b *bareServer) Close() { _ = b.srv.Close() }

func serve(h http.Handler) (*bareServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &http.Server{Handler: h}
	go func() { _ = s.Serve(ln) }()
	return &bareServer{Addr: ln.Addr().String(), srv: s}, nil
}

// loadResult adds the warm-up's successes, which are stored too.
type loadResult struct {
	result
	warmOK int64
}

// add sums another round into r (latencies are sorted by the caller).
func (r *loadResult) add(o loadResult) {
	r.ok += o.ok
	r.failed += o.failed
	r.elapsed += o.elapsed
	r.cpu += o.cpu
	r.serverCPU += o.serverCPU
	if r.written >= 0 && o.written >= 0 {
		r.written += o.written
	} else {
		r.written = -1
	}
	r.latencies = append(r.latencies, o.latencies...)
	r.warmOK += o.warmOK
}

// load keeps conns HTTP/1.1 keep-alive connections busy, one request in
// flight on each. Requests are written and responses read by hand, so the
// load generator costs little CPU next to the server it measures (net/http's
// client would take most of a core on its own).
func load(url string, conns int, warmup, duration time.Duration, body func() []byte, want int) loadResult {
	return loadSplit([]string{url}, conns, warmup, duration, body, want)
}

// loadSplit is load with the connections shared out among urls in turn
// (one dashboard replica each).
func loadSplit(urls []string, conns int, warmup, duration time.Duration, body func() []byte, want int) loadResult {
	var measuring atomic.Bool
	var ok, failed, warmOK atomic.Int64
	stop := make(chan struct{})
	lat := make([][]time.Duration, conns)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			host, path := splitURL(urls[i%len(urls)])
			var c net.Conn
			var br *bufio.Reader
			req := make([]byte, 0, 1024)
			for {
				select {
				case <-stop:
					if c != nil {
						c.Close()
					}
					return
				default:
				}
				if c == nil {
					var err error
					if c, err = net.Dial("tcp", host); err != nil {
						failed.Add(1)
						time.Sleep(10 * time.Millisecond)
						continue
					}
					br = bufio.NewReaderSize(c, 4096)
				}
				b := body()
				req = append(req[:0], "POST "...)
				req = append(req, path...)
				req = append(req, " HTTP/1.1\r\nHost: "...)
				req = append(req, host...)
				req = append(req, "\r\nContent-Type: application/json\r\nContent-Length: "...)
				req = strconv.AppendInt(req, int64(len(b)), 10)
				req = append(req, "\r\n\r\n"...)
				req = append(req, b...)
				start := time.Now()
				status, err := roundTrip(c, br, req)
				d := time.Since(start)
				if err != nil {
					c.Close()
					c = nil
				}
				good := err == nil && status == want
				if !measuring.Load() {
					if good {
						warmOK.Add(1)
					}
					continue
				}
				if good {
					ok.Add(1)
					lat[i] = append(lat[i], d)
				} else {
					failed.Add(1)
				}
			}
		}()
	}
	time.Sleep(warmup)
	measuring.Store(true)
	start, cpu0, written0, server0 := time.Now(), processCPU(), diskWritten(), serverCPU()
	time.Sleep(duration)
	measuring.Store(false)
	elapsed, cpu, written, server := time.Since(start), processCPU()-cpu0, diskWritten(), serverCPU()-server0
	if written >= 0 && written0 >= 0 {
		written -= written0
	} else {
		written = -1
	}
	close(stop)
	wg.Wait()
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	slices.Sort(all)
	return loadResult{result: result{ok: ok.Load(), failed: failed.Load(), elapsed: elapsed, latencies: all, cpu: cpu, serverCPU: server, written: written}, warmOK: warmOK.Load()}
}

// roundTrip writes one request and reads one response with a Content-Length.
func roundTrip(c net.Conn, br *bufio.Reader, req []byte) (int, error) {
	if err := c.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
		return 0, err
	}
	if _, err := c.Write(req); err != nil {
		return 0, err
	}
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) < 12 {
		return 0, errors.New("short status line")
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, err
	}
	length := -1
	for {
		h, err := br.ReadSlice('\n')
		if err != nil {
			return 0, err
		}
		if len(h) <= 2 {
			break
		}
		if k, v, ok := bytes.Cut(h, []byte(":")); ok && bytes.EqualFold(k, []byte("Content-Length")) {
			if length, err = strconv.Atoi(string(bytes.TrimSpace(v))); err != nil {
				return 0, err
			}
		}
	}
	if length < 0 {
		return 0, errors.New("response without Content-Length")
	}
	if _, err := br.Discard(length); err != nil {
		return 0, err
	}
	return status, nil
}

func splitURL(u string) (host, path string) {
	rest := strings.TrimPrefix(u, "http://")
	i := strings.IndexByte(rest, '/')
	return rest[:i], rest[i:]
}

func runtimeProcs() int { return runtime.GOMAXPROCS(0) }

// writeHeapProfile writes every allocation made since start (sampled).
func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
