//go:build walstat

package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"backoffice/internal/models"
)

// Diagnostics of the callback write path, not part of the suite (build tag
// walstat). TestWALStat runs group-committed inserts from 128 writers and
// the worker's "unmatched" bookkeeping in groups of 250, with checkpoints
// off, and reports CPU, bytes written and WAL frames per callback by b-tree
// (names need dbstat, hence the second tag):
//
//	go test -tags 'walstat sqlite_dbstat' -run WALStat -v -count=1 ./internal/store
//
// Environment: EXTRA_SQL runs on the writer first (an experimental schema
// change), CKPT sets wal_autocheckpoint (default 0: off, so the WAL holds
// every frame), BOOKKEEP=0 leaves the bookkeeping out.
// BenchmarkFinishUnmatched measures the bookkeeping alone, in wall and CPU
// time per callback:
//
//	go test -tags walstat -run '^$' -bench FinishUnmatched -benchtime 200x ./internal/store
func TestWALStat(t *testing.T) {
	s := newStore(t)
	wsql := s.db.WriteSQL()
	if x := os.Getenv("EXTRA_SQL"); x != "" {
		if _, err := wsql.Exec(x); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := wsql.Exec("PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		t.Fatal(err)
	}
	ckpt := "0"
	if c := os.Getenv("CKPT"); c != "" {
		ckpt = c
	}
	if _, err := wsql.Exec("PRAGMA wal_autocheckpoint=" + ckpt); err != nil {
		t.Fatal(err)
	}
	feed := make(chan []*models.Callback, 1024)
	w, err := s.NewCallbackWriter(func(cbs []*models.Callback) { feed <- cbs })
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var todo []ProcessResult
		flush := func() {
			if len(todo) > 0 && os.Getenv("BOOKKEEP") != "0" {
				if err := s.FinishCallbacks(context.Background(), todo); err != nil {
					t.Error(err)
				}
			}
			todo = todo[:0]
		}
		tick := time.NewTicker(25 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case cbs, ok := <-feed:
				if !ok {
					flush()
					return
				}
				for _, cb := range cbs {
					todo = append(todo, ProcessResult{CallbackID: cb.ID, Outcome: models.CallbackUnmatched,
						Detail: "No record in the dashboard matches the references of this oy disbursement callback; it is kept and changes nothing."})
				}
				if len(todo) >= 250 {
					flush()
				}
			case <-tick.C:
				flush()
			}
		}
	}()
	const n = 40000
	var next atomic.Int64
	var ru0 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	start := time.Now()
	io0 := writeBytes()
	var pw sync.WaitGroup
	for range 128 {
		pw.Add(1)
		go func() {
			defer pw.Done()
			for {
				i := next.Add(1)
				if i > n {
					return
				}
				body := []byte(fmt.Sprintf(`{"status":{"code":"000","message":"Success"},"amount":125000,"recipient_name":"John Doe","recipient_bank":"014","recipient_account":"1234567890","trx_id":"T-%d","partner_trx_id":"P-%d","timestamp":"16-10-2021 10:34:23"}`, i, i))
				cb := &models.Callback{ReceivedAt: time.Now(), Provider: "oy", Kind: "disbursement", Method: "POST", Path: "/callbacks/oy/disbursement",
					Query: "token=REDACTED", Headers: `{"Content-Length":"216","Content-Type":"application/json"}`, Body: body, SourceIP: "127.0.0.1",
					Verified: true, VerifyReason: "secret token matched", DedupKey: fmt.Sprintf("oy:disbursement:P-%d:T-%d:000", i, i),
					Refs: fmt.Sprintf("P-%d T-%d 1234567890", i, i), Subject: fmt.Sprintf("P-%d", i), ReplyStatus: 200, ReplyBody: `{"status":"received"}`, Status: models.CallbackPending}
				if err := w.Write(context.Background(), cb, []string{fmt.Sprintf("P-%d", i), fmt.Sprintf("T-%d", i), "1234567890"}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	pw.Wait()
	w.Close()
	close(feed)
	wg.Wait()
	wall := time.Since(start)
	t.Logf("written to storage: %.1f KB per callback", float64(writeBytes()-io0)/n/1000)
	var ru1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	cpu := time.Duration(ru1.Utime.Nano()+ru1.Stime.Nano()) - time.Duration(ru0.Utime.Nano()+ru0.Stime.Nano())

	wal, err := os.ReadFile(s.db.Path + "-wal")
	if err != nil {
		t.Fatal(err)
	}
	pageSize := int(binary.BigEndian.Uint32(wal[8:12]))
	frames := map[uint32]int{}
	commits, total := 0, 0
	for off := 32; off+24+pageSize <= len(wal); off += 24 + pageSize {
		pg := binary.BigEndian.Uint32(wal[off:])
		frames[pg]++
		total++
		if binary.BigEndian.Uint32(wal[off+4:]) != 0 {
			commits++
		}
	}
	names := map[uint32]string{}
	rows, err := s.db.ReadSQL().Query("SELECT name, pageno FROM dbstat")
	if err == nil {
		for rows.Next() {
			var name string
			var pg uint32
			_ = rows.Scan(&name, &pg)
			names[pg] = name
		}
		rows.Close()
	} else {
		t.Log("dbstat:", err)
	}
	by := map[string]int{}
	for pg, c := range frames {
		name := names[pg]
		if name == "" {
			name = fmt.Sprintf("(page %d)", pg)
			if pg != 1 {
				name = "(unknown)"
			}
		}
		by[name] += c
	}
	type kv struct {
		k string
		v int
	}
	var list []kv
	for k, v := range by {
		list = append(list, kv{k, v})
	}
	sort.Slice(list, func(i, j int) bool { return list[i].v > list[j].v })
	var rowBytes float64
	_ = s.db.ReadSQL().QueryRow("SELECT avg(length(CAST(received_at AS BLOB))+length(provider)+length(kind)+length(method)+length(path)+length(query)+length(headers)+length(body)+length(source_ip)+length(verify_reason)+length(dedup_key)+length(refs)+length(subject)+length(reply_body)+length(status)) FROM callbacks").Scan(&rowBytes)
	t.Logf("%d callbacks in %v: %.0f/s, CPU %.1f µs per callback; %d commits (%.1f callbacks each); WAL %.2f frames (%.1f KB) per callback; row payload ~%.0f bytes",
		n, wall.Round(time.Millisecond), float64(n)/wall.Seconds(), float64(cpu.Microseconds())/n, commits, float64(n)/float64(commits), float64(total)/n, float64(total*(pageSize+24))/n/1000, rowBytes)
	for _, e := range list {
		if e.v*100 < n {
			continue
		}
		t.Logf("  %-32s %7d frames  %.3f per callback", e.k, e.v, float64(e.v)/n)
	}
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func writeBytes() int64 {
	b, _ := os.ReadFile("/proc/self/io")
	var n int64
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "write_bytes: "); ok {
			n, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	return n
}

// BenchmarkFinishUnmatched measures the worker's bookkeeping of a group of
// 250 unmatched callbacks (one transaction): ns/op is per callback.
func BenchmarkFinishUnmatched(b *testing.B) {
	s := newStoreB(b)
	if x := os.Getenv("EXTRA_SQL"); x != "" {
		if _, err := s.db.WriteSQL().Exec(x); err != nil {
			b.Fatal(err)
		}
	}
	w, err := s.NewCallbackWriter(nil)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	const group = 250
	var i int64
	write := func() []ProcessResult {
		var wg sync.WaitGroup
		res := make([]ProcessResult, group)
		for k := range group {
			i++
			n := i
			wg.Add(1)
			go func() {
				defer wg.Done()
				body := []byte(fmt.Sprintf(`{"status":{"code":"000","message":"Success"},"amount":125000,"recipient_name":"John Doe","recipient_bank":"014","recipient_account":"1234567890","trx_id":"T-%d","partner_trx_id":"P-%d","timestamp":"16-10-2021 10:34:23"}`, n, n))
				cb := &models.Callback{ReceivedAt: time.Now(), Provider: "oy", Kind: "disbursement", Method: "POST", Path: "/callbacks/oy/disbursement",
					Query: "token=REDACTED", Headers: `{"Content-Length":"216","Content-Type":"application/json"}`, Body: body, SourceIP: "127.0.0.1",
					Verified: true, VerifyReason: "secret token matched", DedupKey: fmt.Sprintf("oy:disbursement:P-%d:T-%d:000", n, n),
					Refs: fmt.Sprintf("P-%d T-%d 1234567890", n, n), Subject: fmt.Sprintf("P-%d", n), ReplyStatus: 200, ReplyBody: `{"status":"received"}`, Status: models.CallbackPending}
				if err := w.Write(context.Background(), cb, []string{fmt.Sprintf("P-%d", n), fmt.Sprintf("T-%d", n), "1234567890"}); err != nil {
					b.Error(err)
				}
				res[k] = ProcessResult{CallbackID: cb.ID, Outcome: models.CallbackUnmatched,
					Detail: "No record in the dashboard matches the references of this oy disbursement callback; it is kept and changes nothing."}
			}()
		}
		wg.Wait()
		return res
	}
	var cpu time.Duration
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		res := write()
		b.StartTimer()
		c0 := cpuNow()
		if err := s.FinishCallbacks(context.Background(), res); err != nil {
			b.Fatal(err)
		}
		cpu += cpuNow() - c0
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/group, "ns/callback")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/group, "cpu-ns/callback")
}
