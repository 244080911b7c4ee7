package oy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"backoffice/internal/providers/retry"
)

// Base URLs from the OY page and CONTRACT-NOTES.md.
const (
	StagingBaseURL    = "https://sandbox.oyindonesia.com/staging/partner"
	StagingBaseURLNew = "https://api-stg.oyindonesia.com"
	ProductionBaseURL = "https://partner.oyindonesia.com"
)

// DefaultTimeout bounds one HTTP request.
const DefaultTimeout = 30 * time.Second

// maxBody caps how much of an answer is read; OY answers are small.
const maxBody = 1 << 20

// Config holds what the client needs. Username and APIKey are sent as
// X-OY-Username and X-Api-Key and never logged.
type Config struct {
	BaseURL    string // e.g. ProductionBaseURL or the sandbox root; no trailing slash needed
	Username   string
	APIKey     string
	Timeout    time.Duration // per HTTP request; DefaultTimeout when zero
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Option changes a Client.
type Option func(*Client)

// WithRetry sets the retry policy for reads and same-id remit resends.
func WithRetry(p retry.Policy) Option { return func(c *Client) { c.retry = p } }

// Client calls OY's partner API. It is safe for concurrent use.
type Client struct {
	baseURL  string
	username string
	apiKey   string
	timeout  time.Duration
	http     *http.Client
	log      *slog.Logger
	retry    retry.Policy
}

// New builds a client.
func New(cfg Config, opts ...Option) *Client {
	c := &Client{
		baseURL:  strings.TrimRight(cfg.BaseURL, "/"),
		username: cfg.Username,
		apiKey:   cfg.APIKey,
		timeout:  cfg.Timeout,
		http:     cfg.HTTPClient,
		log:      cfg.Logger,
		retry:    retry.Default,
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// response is one raw HTTP answer.
type response struct {
	status int
	body   []byte
}

// send performs one HTTP request. Transport failures, timeouts and
// unreadable bodies come back as *Error with OutcomeUnknown.
func (c *Client) send(ctx context.Context, op, method, path string, query url.Values, in any) (*response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()

	if base, err := url.Parse(c.baseURL); err != nil || base.Scheme == "" || base.Host == "" {
		return nil, &Error{Op: op, Outcome: OutcomeRejected, Err: errors.New("bad OY base URL"),
			Message: "The OY address in the settings is not valid; nothing was sent."}
	}
	u := c.baseURL + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, &Error{Op: op, Outcome: OutcomeRejected, Err: err,
				Message: "The request could not be prepared; nothing was sent."}
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, &Error{Op: op, Outcome: OutcomeRejected, Err: errors.New("bad OY base URL"),
			Message: "The OY address in the settings is not valid; nothing was sent."}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-OY-Username", c.username)
	req.Header.Set("X-Api-Key", c.apiKey)

	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.log.LogAttrs(ctx, slog.LevelWarn, "oy request failed", slog.String("op", op),
			slog.String("method", method), slog.String("path", path),
			slog.Duration("took", time.Since(start)), slog.String("error", redactURLError(err)))
		msg := "OY did not answer; the request may or may not have reached OY."
		if errors.Is(err, context.DeadlineExceeded) {
			msg = "OY did not answer in time; the request may or may not have reached OY."
		}
		return nil, &Error{Op: op, Outcome: OutcomeUnknown, Message: msg, Err: transportError{err}}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	c.log.LogAttrs(ctx, slog.LevelInfo, "oy request", slog.String("op", op),
		slog.String("method", method), slog.String("path", path),
		slog.Int("http_status", resp.StatusCode), slog.Duration("took", time.Since(start)))
	if err != nil {
		return nil, &Error{Op: op, HTTPStatus: resp.StatusCode, Outcome: OutcomeUnknown, Err: transportError{err},
			Message: "OY's answer was cut off; the request may or may not have gone through."}
	}
	if len(b) > maxBody {
		return nil, &Error{Op: op, HTTPStatus: resp.StatusCode, Outcome: OutcomeUnknown,
			Message: "OY's answer was unexpectedly large and was not read; the request may or may not have gone through."}
	}
	return &response{status: resp.StatusCode, body: b}, nil
}

// transportError wraps a net/http failure: errors.Is still finds
// context.DeadlineExceeded and friends, while the text is redacted.
type transportError struct{ err error }

func (t transportError) Error() string { return redactURLError(t.err) }
func (t transportError) Unwrap() error { return t.err }

// redactURLError keeps the error text but drops the URL's query, which could
// carry identifiers; credentials travel in headers and never appear here.
func redactURLError(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		u, perr := url.Parse(ue.URL)
		if perr == nil {
			u.RawQuery = ""
			u.User = nil
			return fmt.Sprintf("%s %s: %v", ue.Op, u.String(), ue.Err)
		}
		return ue.Err.Error()
	}
	return err.Error()
}

// badAnswer is the error for an HTTP answer that is not the JSON OY promises.
func badAnswer(op string, r *response, write bool, cause error) *Error {
	e := &Error{Op: op, HTTPStatus: r.status, Err: cause}
	switch {
	case r.status >= 500 || r.status == http.StatusRequestTimeout:
		e.Outcome = OutcomeUnknown
		e.Message = fmt.Sprintf("OY had a server problem (HTTP %d); the request may or may not have gone through.", r.status)
		if !write {
			e.Message = fmt.Sprintf("OY had a server problem (HTTP %d); try again in a moment.", r.status)
		}
	case r.status >= 400:
		e.Outcome = OutcomeRejected
		e.Message = fmt.Sprintf("OY refused the request (HTTP %d); nothing was done.", r.status)
		if r.status == http.StatusUnauthorized || r.status == http.StatusForbidden {
			e.Message = "OY refused our credentials or this server's IP address; check the OY settings."
		}
	default:
		e.Outcome = OutcomeUnknown
		e.Message = "OY's answer could not be read; the request may or may not have gone through."
		if !write {
			e.Message = "OY's answer could not be read; try again in a moment."
		}
	}
	return e
}

// callCoded performs a request to an endpoint answering with a
// {"status":{"code","message"}} envelope. Codes for which accept is true
// are decoded into out; any other code becomes a *Error.
func (c *Client) callCoded(ctx context.Context, op, method, path string, query url.Values, in, out any, write bool,
	describe func(string) CodeInfo, accept func(string) bool) (code string, err error) {
	r, err := c.send(ctx, op, method, path, query, in)
	if err != nil {
		return "", err
	}
	var env struct {
		Status *wireStatus `json:"status"`
	}
	if err := json.Unmarshal(r.body, &env); err != nil || env.Status == nil || env.Status.Code == "" {
		if err == nil {
			err = errors.New("no status code in answer")
		}
		return "", badAnswer(op, r, write, err)
	}
	code, message := string(env.Status.Code), string(env.Status.Message)
	c.log.LogAttrs(ctx, slog.LevelInfo, "oy answer", slog.String("op", op), slog.String("code", code))
	if !accept(code) || (r.status >= 500 && !describe(code).Final) {
		// A 5xx with a non-final code is as uncertain as a 5xx without one.
		return code, codeError(op, r.status, code, message, write, describe)
	}
	if out != nil {
		if err := json.Unmarshal(r.body, out); err != nil {
			e := badAnswer(op, r, write, err)
			e.Code, e.ProviderMessage = code, message
			return code, e
		}
	}
	return code, nil
}

func isSuccess(code string) bool { return code == "000" }

// codeError builds the *Error for an OY code.
func codeError(op string, httpStatus int, code, message string, write bool, describe func(string) CodeInfo) *Error {
	ci := describe(code)
	e := &Error{Op: op, HTTPStatus: httpStatus, Code: code, ProviderMessage: message, Message: ci.Clerk, Outcome: ci.Outcome()}
	if !write && e.Outcome != OutcomeRejected {
		// A read moves no money: a non-final code only means no answer yet.
		e.Outcome = OutcomeUnknown
		e.Message = "OY could not answer right now (code " + code + "); try again in a moment."
	}
	return e
}

// retryableRead says whether repeating a read can help.
func retryableRead(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code {
	case "999", "504", "429":
		return true
	}
	return e.Outcome == OutcomeUnknown
}

// validation builds the error for a request the client refuses to send.
func validation(op, msg string) *Error {
	return &Error{Op: op, Outcome: OutcomeRejected, Message: msg}
}
