package handlers

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"backoffice/internal/intake"
	"backoffice/internal/models"
	"backoffice/internal/redact"
	"backoffice/internal/store"
)

// Callbacks is the intake side the server needs.
type Callbacks struct {
	Endpoints []intake.Endpoint
	Writer    *store.CallbackWriter
	Worker    *intake.Worker
}

// callbackPaths serves the callback URLs straight from net/http, ahead of
// the router: they take no session, no CSRF check and no HTML, and they
// are the one place where thousands of requests a second arrive. The route
// table still lists them (served through the same function) so every URL
// stays documented in one place.
type callbackPaths struct {
	s         *Server
	endpoints map[string]intake.Endpoint
	next      http.Handler
	idPrefix  string
	seq       atomic.Uint64
	stats     callbackStats
}

func newCallbackPaths(s *Server, next http.Handler) *callbackPaths {
	var b [4]byte
	_, _ = rand.Read(b[:])
	cp := &callbackPaths{s: s, endpoints: map[string]intake.Endpoint{}, next: next, idPrefix: hex.EncodeToString(b[:]) + "-"}
	for _, ep := range s.callbacks.Endpoints {
		cp.endpoints[ep.Path] = ep
	}
	cp.stats.last.Store(s.now().UnixNano())
	return cp
}

func (cp *callbackPaths) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if ep, ok := cp.endpoints[r.URL.Path]; ok {
		cp.serve(w, r, ep)
		return
	}
	cp.next.ServeHTTP(w, r)
}

// nosniff is shared by every callback answer.
var nosniff = []string{"nosniff"}

// serve answers one callback request. Every request gets a request id
// (in the X-Request-Id answer header and the log); a refused or failed
// request is logged on its own line, accepted ones are counted and
// summarised once a minute (the callback log holds each of them).
func (cp *callbackPaths) serve(w http.ResponseWriter, r *http.Request, ep intake.Endpoint) {
	id := cp.idPrefix + strconv.FormatUint(cp.seq.Add(1), 36)
	h := w.Header()
	h["X-Request-Id"] = []string{id}
	h["X-Content-Type-Options"] = nosniff
	start := time.Now()
	status, cbID, reason, counted := http.StatusInternalServerError, int64(0), "", false
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			cp.s.log.Error("panic", "request_id", id, "endpoint", ep.Path, "err", fmt.Sprint(p), "stack", string(debug.Stack()))
			writeJSON(w, http.StatusInternalServerError, []byte(`{"status":"retry","reason":"internal error, send again"}`))
			reason = "internal error"
		}
		cp.stats.add(ep.Path, status, counted)
		// A refusal only counted (past its source's budget, or the disk
		// low) is not logged one per line either: the summary counts it.
		if (status >= 300 || reason != "") && !counted {
			cp.s.log.Warn("callback refused", "request_id", id, "endpoint", ep.Path, "method", r.Method, "status", status,
				"reason", reason, "callback_id", cbID, "ip", cp.s.echo.IPExtractor(r), "duration_ms", time.Since(start).Milliseconds())
		}
		cp.stats.maybeLog(cp.s.log, cp.s.now())
	}()
	status, cbID, reason, counted = cp.s.receiveCallback(w, r, ep)
}

// receiveCallback stores the request before answering it: the reply goes
// out only after the group commit holding the request has reached disk.
// A request the dashboard could not store gets 503, so the provider
// retries. It returns the status sent, the stored callback's id, for a
// refusal the reason, and whether the request was refused and only counted,
// not stored.
func (s *Server) receiveCallback(w http.ResponseWriter, r *http.Request, ep intake.Endpoint) (status int, id int64, reason string, counted bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, intake.MaxBody))
	// Received means the whole request is in hand: a body that trickles in
	// for a minute is stamped when it ends, so received_at stays in step with
	// the order callbacks are stored in (the log's date filters rely on it).
	received := s.now().UTC()
	if err != nil {
		// Nothing of these is stored, but each is a log line: they use the
		// source's samples, and past them are only counted, quietly.
		keep, _ := s.refused.Take(s.echo.IPExtractor(r), intake.MaxBody+1, received)
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.store.CountRefusal(models.RefusalOversize, ep.Provider, ep.Kind, received)
			writeJSON(w, http.StatusRequestEntityTooLarge, []byte(`{"status":"refused","reason":"body too large"}`))
			return http.StatusRequestEntityTooLarge, 0, fmt.Sprintf("body over the %d-byte limit", intake.MaxBody), keep == intake.KeepCount
		}
		writeJSON(w, http.StatusBadRequest, []byte(`{"status":"refused","reason":"body could not be read"}`))
		return http.StatusBadRequest, 0, "body could not be read: " + err.Error(), keep == intake.KeepCount
	}
	req := &intake.Request{Method: r.Method, Path: r.URL.Path, URI: r.URL.RequestURI(), Query: r.URL.Query(), Header: r.Header,
		Body: body, SourceIP: s.echo.IPExtractor(r), Received: received}
	var out intake.Outcome
	if r.Method != ep.Method {
		out = intake.Outcome{Reason: "method " + r.Method + " is not accepted here; " + ep.Method + " is", ReplyStatus: http.StatusMethodNotAllowed,
			ReplyBody: []byte(`{"status":"refused","reason":"method not allowed"}`), NoProcessing: true}
	} else {
		out = ep.Handle(req)
	}
	cb := &models.Callback{
		ReceivedAt: received, Provider: ep.Provider, Kind: ep.Kind, Method: r.Method, Path: r.URL.Path,
		Query: redact.Query(req.Query), Headers: intake.HeadersJSON(r.Header), Body: body, SourceIP: req.SourceIP,
		Verified: out.Verified, VerifyReason: out.Reason, DedupKey: out.DedupKey, Refs: strings.Join(out.Refs, " "), Subject: out.Subject,
		ReplyStatus: out.ReplyStatus, ReplyBody: string(out.ReplyBody), Status: models.CallbackPending, Parsed: out.Parsed,
	}
	if out.StoredReply != nil {
		cb.ReplyBody = string(out.StoredReply)
	}
	refs := out.Refs
	switch {
	case !out.Verified:
		cb.Status = models.CallbackRejected
		var stored bool
		if refs, stored = s.keepRefused(cb, r.Header, refs, ep); !stored {
			writeJSON(w, out.ReplyStatus, out.ReplyBody)
			return out.ReplyStatus, 0, out.Reason, true
		}
	case out.NoProcessing:
		cb.Status = models.CallbackAcknowledged
	}
	if err := s.callbacks.Writer.Write(r.Context(), cb, refs); err != nil {
		s.log.Error("store callback", "endpoint", ep.Path, "err", err.Error())
		writeJSON(w, http.StatusServiceUnavailable, []byte(`{"status":"retry","reason":"not stored, send again"}`))
		return http.StatusServiceUnavailable, 0, "not stored: " + err.Error(), false
	}
	w.Header()["X-Callback-Id"] = []string{itoa64(cb.ID)}
	writeJSON(w, out.ReplyStatus, out.ReplyBody)
	if !out.Verified {
		reason = out.Reason
	}
	return out.ReplyStatus, cb.ID, reason, false
}

// keepRefused decides how much of a refused request to store, so that
// strangers cannot fill the disk through the callback URLs (verified
// callbacks never come here: they are always stored whole). Below the
// free-space floor nothing refused is stored; otherwise the source's
// budget for the minute decides between whole, a truncated sample and
// nothing. It trims cb to a sample when it must, counts what is not
// stored whole, and returns the references to store, or ok false when
// the request is only counted.
func (s *Server) keepRefused(cb *models.Callback, header http.Header, refs []string, ep intake.Endpoint) (_ []string, ok bool) {
	if s.disk.DiskLow() {
		s.store.CountRefusal(models.RefusalDiskLow, ep.Provider, ep.Kind, cb.ReceivedAt)
		return nil, false
	}
	keep, first := s.refused.Take(cb.SourceIP, storedSize(cb), cb.ReceivedAt)
	switch keep {
	case intake.KeepWhole:
		return refs, true
	case intake.KeepSample:
		s.store.CountRefusal(models.RefusalSampled, ep.Provider, ep.Kind, cb.ReceivedAt)
		return sampleRefused(cb, header, refs), true
	}
	if first {
		s.log.Warn("refused callbacks past their budget are counted, not stored, for the rest of the minute", "ip", cb.SourceIP, "endpoint", ep.Path)
	}
	s.store.CountRefusal(models.RefusalOverBudget, ep.Provider, ep.Kind, cb.ReceivedAt)
	return nil, false
}

// storedSize is about how many bytes a stored callback takes: the parts
// whose size the sender controls.
func storedSize(cb *models.Callback) int64 {
	return int64(len(cb.Body) + len(cb.Headers) + len(cb.Query) + 2*len(cb.Refs) + len(cb.Subject) + len(cb.DedupKey) + len(cb.VerifyReason) + len(cb.ReplyBody))
}

// sampleRefused trims a refused callback to a sample: the body's first
// intake.SampleBytes (its full size kept in TruncatedFrom), and every
// other part the sender controls clipped. It returns the references kept.
func sampleRefused(cb *models.Callback, header http.Header, refs []string) []string {
	if n := len(cb.Body); n > intake.SampleBytes {
		cb.Body, cb.TruncatedFrom = cb.Body[:intake.SampleBytes:intake.SampleBytes], int64(n)
	}
	cb.Headers = intake.HeadersJSONWithin(header, 2<<10)
	cb.Query = intake.Clip(cb.Query, 1<<10)
	cb.Subject = intake.Clip(cb.Subject, 256)
	cb.DedupKey = intake.Clip(cb.DedupKey, 256)
	cb.VerifyReason = intake.Clip(cb.VerifyReason, 512)
	cb.ReplyBody = intake.Clip(cb.ReplyBody, 512)
	var kept []string
	size := 0
	for _, ref := range refs {
		if len(ref) > 128 || size+len(ref) > 512 {
			continue
		}
		kept = append(kept, ref)
		size += len(ref) + 1
	}
	cb.Refs = strings.Join(kept, " ")
	return kept
}

// serveCallbackRoute serves a callback URL reached through the router
// (the table's row for it); requests normally take the direct path.
func (s *Server) serveCallbackRoute(ep intake.Endpoint) echo.HandlerFunc {
	return func(c echo.Context) error {
		s.receiveCallback(c.Response(), c.Request(), ep)
		return nil
	}
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h["Content-Type"] = []string{echo.MIMEApplicationJSON}
	h["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// callbackStats counts answered callbacks per endpoint and status for the
// once-a-minute summary line.
type callbackStats struct {
	mu      sync.Mutex
	counts  map[string]map[int]int64
	counted map[string]int64 // refused and only counted, per endpoint
	last    atomic.Int64     // unix nanoseconds of the last summary
}

// summaryEvery is how often accepted callbacks are summarised in the log.
const summaryEvery = time.Minute

func (cs *callbackStats) add(path string, status int, counted bool) {
	cs.mu.Lock()
	if cs.counts == nil {
		cs.counts = map[string]map[int]int64{}
		cs.counted = map[string]int64{}
	}
	if counted {
		cs.counted[path]++
	}
	m := cs.counts[path]
	if m == nil {
		m = map[int]int64{}
		cs.counts[path] = m
	}
	m[status]++
	cs.mu.Unlock()
}

// maybeLog writes the summary when a minute has passed since the last one.
func (cs *callbackStats) maybeLog(log *slog.Logger, now time.Time) {
	last := cs.last.Load()
	if now.UnixNano()-last < int64(summaryEvery) || !cs.last.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	cs.flush(log, time.Duration(now.UnixNano()-last))
}

// flush logs and resets the counts.
func (cs *callbackStats) flush(log *slog.Logger, over time.Duration) {
	cs.mu.Lock()
	counts, counted := cs.counts, cs.counted
	cs.counts, cs.counted = nil, nil
	cs.mu.Unlock()
	for path, m := range counts {
		attrs := []any{"endpoint", path, "over_s", int(over.Seconds())}
		var total int64
		for status, n := range m {
			attrs = append(attrs, "status_"+strconv.Itoa(status), n)
			total += n
		}
		attrs = append(attrs, "total", total)
		if n := counted[path]; n > 0 {
			attrs = append(attrs, "refused_not_stored", n)
		}
		log.Info("callbacks answered", attrs...)
	}
}
