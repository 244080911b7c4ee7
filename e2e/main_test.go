//go:build browser

// Package e2e drives the real dashboard binary with a real browser
// (Debian's chromium through chromedp). Run it with
//
//	go test -tags browser -count=1 ./e2e/
//
// TestMain builds cmd/dashboard, creates one staff account per role in a
// fresh data directory, serves on a free 127.0.0.1 port, and at the end
// stops the server with SIGTERM and checks that it exits 0 within 10 s.
// Set E2E_SCREENSHOTS to a directory to keep full-page screenshots.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// account is a staff member the tests sign in as.
type account struct {
	Email, Name, Role, RoleLabel, Password string
}

// The accounts TestMain creates with `dashboard user add`, one per role.
var (
	// Passwords may not contain the person's name or email, nor be common.
	admin   = account{"ada.admin@example.com", "Ada Admin", "admin", "Admin", "e2e-kopi-tubruk-pagi-1"}
	finance = account{"fina.finance@example.com", "Fina Finance", "finance", "Finance", "e2e-nasi-goreng-siang-2"}
	auditor = account{"audra.auditor@example.com", "Audra Auditor", "auditor", "Auditor", "e2e-sate-ayam-malam-3"}
	roles   = []account{admin, finance, auditor}
	// admin2 is the second admin who approves what admin asks for (four eyes).
	admin2 = account{"bima.admin@example.com", "Bima Admin", "admin", "Admin", "e2e-es-teh-manis-sore-4"}
)

var (
	baseURL  string // http://127.0.0.1:port of the running dashboard
	chromium string // path of the browser binary
	shotDir  string // E2E_SCREENSHOTS, or "" to keep screenshots only in t.TempDir()

	signedInMu sync.Mutex
	signedIn   = map[string]bool{} // emails that signed in successfully, for the audit log test
)

func noteSignedIn(email string) {
	signedInMu.Lock()
	defer signedInMu.Unlock()
	signedIn[email] = true
}

func signedInEmails() []string {
	signedInMu.Lock()
	defer signedInMu.Unlock()
	var out []string
	for e := range signedIn {
		out = append(out, e)
	}
	return out
}

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	fail := func(format string, args ...any) int {
		fmt.Fprintf(os.Stderr, "e2e: "+format+"\n", args...)
		return 1
	}
	var err error
	if chromium, err = findChromium(); err != nil {
		return fail("%v", err)
	}
	if shotDir = os.Getenv("E2E_SCREENSHOTS"); shotDir != "" {
		if shotDir, err = filepath.Abs(shotDir); err != nil {
			return fail("E2E_SCREENSHOTS: %v", err)
		}
		if err := os.MkdirAll(shotDir, 0o755); err != nil {
			return fail("E2E_SCREENSHOTS: %v", err)
		}
	}

	tmp, err := os.MkdirTemp("", "backoffice-e2e-")
	if err != nil {
		return fail("temp dir: %v", err)
	}
	defer os.RemoveAll(tmp)

	root, err := repoRoot()
	if err != nil {
		return fail("%v", err)
	}
	bin := filepath.Join(tmp, "dashboard")
	build := exec.Command("go", "build", "-o", bin, "./cmd/dashboard")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return fail("go build ./cmd/dashboard: %v\n%s", err, out)
	}

	addr, err := freeAddr()
	if err != nil {
		return fail("free port: %v", err)
	}
	baseURL = "http://" + addr
	dataDir := filepath.Join(tmp, "data")
	env := serverEnv(addr, dataDir)

	for _, a := range append([]account{admin2}, roles...) {
		cmd := exec.Command(bin, "user", "add", "--email", a.Email, "--name", a.Name, "--role", a.Role, "--password-stdin")
		cmd.Env = env
		cmd.Stdin = strings.NewReader(a.Password + "\n")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fail("dashboard user add %s: %v\n%s", a.Email, err, out)
		}
	}

	logPath := filepath.Join(tmp, "server.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return fail("server log: %v", err)
	}
	defer logFile.Close()
	srv := exec.Command(bin, "serve")
	srv.Env = env
	srv.Stdout, srv.Stderr = logFile, logFile
	if err := srv.Start(); err != nil {
		return fail("start dashboard serve: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- srv.Wait() }()
	dumpLog := func() {
		b, _ := os.ReadFile(logPath)
		fmt.Fprintf(os.Stderr, "--- dashboard serve output ---\n%s--- end ---\n", b)
	}

	if err := waitHealthy(baseURL+"/healthz", exited, 20*time.Second); err != nil {
		_ = srv.Process.Kill()
		dumpLog()
		return fail("dashboard did not become healthy: %v", err)
	}

	code := m.Run()

	// Graceful shutdown: SIGTERM, then a clean exit 0 within 10 s.
	if err := srv.Process.Signal(syscall.SIGTERM); err != nil {
		dumpLog()
		return fail("SIGTERM: %v", err)
	}
	select {
	case err := <-exited:
		if err != nil {
			dumpLog()
			return fail("dashboard serve did not exit cleanly after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		_ = srv.Process.Kill()
		<-exited
		dumpLog()
		return fail("dashboard serve still running 10 s after SIGTERM")
	}

	// Anything the server logged at ERROR level is a bug the pages hid.
	if errs := errorLines(logPath); len(errs) > 0 {
		fmt.Fprintf(os.Stderr, "e2e: the server logged %d error(s):\n%s\n", len(errs), strings.Join(errs, "\n"))
		code = 1
	}
	if code != 0 && testing.Verbose() {
		dumpLog()
	}
	return code
}

// findChromium returns Debian's chromium. The tests fail, not skip, when it
// is missing: CI installs it, and a silent skip would hide a broken setup.
func findChromium() (string, error) {
	const debian = "/usr/bin/chromium"
	if fi, err := os.Stat(debian); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
		return debian, nil
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p, nil
	}
	return "", errors.New("chromium not found at /usr/bin/chromium nor as `chromium` on PATH; " +
		"the browser tests need it (Debian/Ubuntu: apt-get install chromium). No browser is downloaded.")
}

// repoRoot is the module root, found from this file's location.
func repoRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot locate the test source file")
	}
	root := filepath.Dir(filepath.Dir(file))
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return "", fmt.Errorf("no go.mod in %s: %w", root, err)
	}
	return root, nil
}

// freeAddr picks a free port on 127.0.0.1 by listening on :0 and closing.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// serverEnv is this process's environment without any dashboard or provider
// setting, plus the test server's address and data directory, so a
// developer's shell cannot point the tests at a real database or provider.
func serverEnv(addr, dataDir string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(k, "DASHBOARD_"), k == "DATABASE_URL",
			strings.HasPrefix(k, "OY_"), strings.HasPrefix(k, "FASPAY_"),
			strings.HasPrefix(k, "DOKU_"), strings.HasPrefix(k, "AYOPOP_"):
			continue
		}
		env = append(env, kv)
	}
	return append(env,
		"DASHBOARD_ADDR="+addr,
		"DASHBOARD_DATA_DIR="+dataDir,
		"DATABASE_URL="+filepath.Join(dataDir, "dashboard.db"),
		"DASHBOARD_BASE_URL=http://"+addr,
		"OY_CALLBACK_TOKEN="+oyCallbackToken,
		// Tests stand in for other sources with X-Forwarded-For.
		"DASHBOARD_TRUSTED_PROXIES=127.0.0.1/32",
	)
}

func waitHealthy(url string, exited <-chan error, limit time.Duration) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(limit)
	for {
		select {
		case err := <-exited:
			return fmt.Errorf("the server exited before it was healthy: %v", err)
		default:
		}
		resp, err := client.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s after %s: %v", url, limit, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// errorLines returns the JSON log lines at level ERROR.
func errorLines(path string) []string {
	b, err := os.ReadFile(path)
	if err != nil {
		return []string{err.Error()}
	}
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		if strings.Contains(sc.Text(), `"level":"ERROR"`) {
			out = append(out, sc.Text())
		}
	}
	return out
}

// testContext is the deadline every test runs under.
func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}
