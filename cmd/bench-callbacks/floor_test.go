package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
)

// The floor answers 200 only for bodies it has committed, and commits
// every one of them, also when many arrive at once and groups form.
func TestFloorStoresEveryAnsweredBody(t *testing.T) {
	f, err := openFloor(filepath.Join(t.TempDir(), "floor.db"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f)
	const senders, each = 16, 40
	var wg sync.WaitGroup
	errs := make(chan error, senders*each)
	for s := range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				body := fmt.Sprintf(`{"partner_trx_id":"P-%d-%d"}`, s, i)
				resp, err := http.Post(srv.URL+"/callbacks/oy/disbursement", "application/json", bytes.NewBufferString(body))
				if err != nil {
					errs <- err
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					errs <- fmt.Errorf("status %d for %s", resp.StatusCode, body)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	srv.Close()

	n, err := f.stored(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != senders*each {
		t.Fatalf("stored %d rows, want %d", n, senders*each)
	}
	var distinct int64
	if err := f.db.ReadSQL().QueryRow("SELECT count(DISTINCT body) FROM floor").Scan(&distinct); err != nil {
		t.Fatal(err)
	}
	if distinct != senders*each {
		t.Fatalf("%d distinct bodies stored, want %d", distinct, senders*each)
	}
	var mode string
	if err := f.db.WriteSQL().QueryRow("PRAGMA synchronous").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != "2" {
		t.Fatalf("floor writes with synchronous=%s, want 2 (FULL), like the dashboard", mode)
	}
	f.Close()
}
