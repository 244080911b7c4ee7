package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// Kill the server with SIGKILL in the middle of a stream of callbacks,
// start it again on the same data directory, and check that every callback
// answered with 200 is in the log and is processed exactly once.
func TestCallbacksSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "dashboard")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	data := filepath.Join(dir, "data")
	addr := freeAddr(t)
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve")
		cmd.Env = []string{"DASHBOARD_ADDR=" + addr, "DASHBOARD_DATA_DIR=" + data, "PATH=" + os.Getenv("PATH"), "HOME=" + dir}
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitHealthy(t, addr)
		return cmd
	}
	srv := start()
	token, err := os.ReadFile(filepath.Join(data, "oy-callback.token"))
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + addr + "/callbacks/oy/disbursement?token=" + strings.TrimSpace(string(token))

	var mu sync.Mutex
	acked := map[string]bool{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("K%d-%d", w, i)
				body := fmt.Sprintf(`{"status":{"code":"000","message":"Success"},"amount":125000,"recipient_bank":"014","recipient_account":"1234567890","trx_id":"T%s","partner_trx_id":"%s","timestamp":"16-10-2021 10:34:23"}`, id, id)
				resp, err := client.Post(url, "application/json", bytes.NewBufferString(body))
				if err != nil {
					continue // the server is down; OY would send again later
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					mu.Lock()
					acked[id] = true
					mu.Unlock()
				}
			}
		}()
	}
	time.Sleep(1500 * time.Millisecond)
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = srv.Wait()
	time.Sleep(200 * time.Millisecond)
	close(stop)
	wg.Wait()
	mu.Lock()
	n := len(acked)
	mu.Unlock()
	if n < 50 {
		t.Fatalf("only %d callbacks were answered before the kill; the test proves nothing", n)
	}

	srv = start()
	defer func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		_ = srv.Wait()
	}()
	db, err := sql.Open("sqlite3", "file:"+filepath.Join(data, "dashboard.db")+"?mode=ro&_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// Wait for the restarted worker to finish what was waiting.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var waiting int
		if err := db.QueryRow(`SELECT count(*) FROM callbacks WHERE status IN ('pending','failed')`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d callbacks still waiting 30 s after the restart", waiting)
		}
		time.Sleep(100 * time.Millisecond)
	}

	missing := 0
	for id := range acked {
		var cid, attempts int64
		var status string
		err := db.QueryRow(`SELECT c.id, c.status, (SELECT count(*) FROM callback_attempts a WHERE a.callback_id = c.id)
			FROM callbacks c WHERE c.verified = 1 AND c.duplicate = 0 AND c.id IN (SELECT callback_id FROM callback_refs WHERE ref = ?)`, id).Scan(&cid, &status, &attempts)
		if err == sql.ErrNoRows {
			missing++
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if attempts != 1 || status != "unmatched" {
			t.Errorf("callback %s (#%d): %d processing attempts, status %s; want exactly one", id, cid, attempts, status)
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d callbacks answered 200 before SIGKILL are not in the log", missing, n)
	}
	t.Logf("%d callbacks answered before SIGKILL: all stored and processed exactly once", n)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func waitHealthy(t *testing.T, addr string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server on %s did not become healthy", addr)
}
