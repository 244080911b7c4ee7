package handlers

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// maxSignInBurstRSS is what the dashboard process may reach while 200
// sign-ins arrive at once (each argon2id check needs 19 MiB).
const maxSignInBurstRSS = 150 << 20

// The real binary (built without -race, as it ships) is served in a
// subprocess; 200 sign-ins from 200 addresses arrive together, each one
// under every throttle so all of them reach the password hash, and the
// process's peak resident memory (VmHWM) is read from /proc.
func TestSignInBurstKeepsMemoryBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and serves the real binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "dashboard")
	build := exec.Command("go", "build", "-o", bin, "backoffice/cmd/dashboard")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	srv := exec.Command(bin, "serve")
	srv.Env = append(os.Environ(), "DASHBOARD_ADDR="+addr, "DASHBOARD_DATA_DIR="+filepath.Join(dir, "data"),
		"DATABASE_URL="+filepath.Join(dir, "data", "dashboard.db"), "DASHBOARD_BASE_URL=http://"+addr, "DASHBOARD_LOG_LEVEL=warn")
	logf, _ := os.Create(filepath.Join(dir, "server.log"))
	defer logf.Close()
	srv.Stdout, srv.Stderr = logf, logf
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = srv.Process.Signal(syscall.SIGTERM)
		_ = srv.Wait()
	})
	base := "http://" + addr
	jar, _ := cookiejar.New(nil)
	var csrf string
	for deadline := time.Now().Add(30 * time.Second); ; {
		resp, err := (&http.Client{Jar: jar, Timeout: time.Second}).Get(base + "/login")
		if err == nil {
			var body strings.Builder
			_, _ = bufio.NewReader(resp.Body).WriteTo(&body)
			resp.Body.Close()
			if m := csrfRe.FindStringSubmatch(body.String()); m != nil {
				csrf = m[1]
				break
			}
		}
		if time.Now().After(deadline) {
			b, _ := os.ReadFile(filepath.Join(dir, "server.log"))
			t.Fatalf("the server did not come up: %v\n%s", err, b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	before := procMemory(t, srv.Process.Pid, "VmRSS")

	const n = 200
	var wg sync.WaitGroup
	statuses := make(map[int]int)
	var mu sync.Mutex
	start := make(chan struct{})
	for i := range n {
		ip := fmt.Sprintf("127.0.%d.%d", 10+i/250, 1+i%250)
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
		c := &http.Client{Jar: jar, Timeout: 60 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
		form := url.Values{"email": {fmt.Sprintf("guess%d@example.com", i)}, "password": {"wrong password here"}, "_csrf": {csrf}}
		wg.Go(func() {
			<-start
			resp, err := c.PostForm(base+"/login", form)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				statuses[0]++
				return
			}
			resp.Body.Close()
			statuses[resp.StatusCode]++
		})
	}
	close(start)
	wg.Wait()
	peak := procMemory(t, srv.Process.Pid, "VmHWM")
	t.Logf("200 parallel sign-ins: statuses %v; RSS before %d MiB, peak %d MiB", statuses, before>>20, peak>>20)
	if statuses[0] > 0 || statuses[http.StatusUnauthorized] == 0 {
		t.Fatalf("answers %v: want failures (401) and busy refusals (429) only", statuses)
	}
	for s := range statuses {
		if s != http.StatusUnauthorized && s != http.StatusTooManyRequests {
			t.Fatalf("answers %v: want failures (401) and busy refusals (429) only", statuses)
		}
	}
	if peak > maxSignInBurstRSS {
		t.Fatalf("peak RSS %d MiB, want under %d MiB", peak>>20, maxSignInBurstRSS>>20)
	}
}

var procLineRe = regexp.MustCompile(`(?m)^(\w+):\s+(\d+) kB$`)

// procMemory reads one kB field of /proc/<pid>/status, in bytes.
func procMemory(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range procLineRe.FindAllStringSubmatch(string(b), -1) {
		if m[1] == field {
			kb, _ := strconv.ParseInt(m[2], 10, 64)
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
