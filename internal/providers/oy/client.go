package oy

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"backoffice/internal/providers/provider"
)

// Base URLs from the OY page and CONTRACT-NOTES.md.
const (
	StagingBaseURL    = "https://sandbox.oyindonesia.com/staging/partner"
	StagingBaseURLNew = "https://api-stg.oyindonesia.com"
	ProductionBaseURL = "https://partner.oyindonesia.com"
)

// DefaultTimeout bounds one HTTP request.
const DefaultTimeout = provider.DefaultTimeout

// DefaultInteractiveBudget bounds an interactive call (the account inquiry
// behind the disbursement form) including its retries: a clerk waits for it.
const DefaultInteractiveBudget = 25 * time.Second

// Config holds what the client needs. Username and APIKey are sent as
// X-OY-Username and X-Api-Key and never logged.
type Config struct {
	BaseURL    string // e.g. ProductionBaseURL or the sandbox root; no trailing slash needed
	Username   string
	APIKey     string
	Timeout    time.Duration // per HTTP request; DefaultTimeout when zero
	HTTPClient *http.Client  // provider.SharedHTTPClient when nil
	Logger     *slog.Logger
}

// Option changes a Client.
type Option func(*Client)

// WithRetry sets the retry policy for reads and same-id remit resends.
func WithRetry(p provider.RetryPolicy) Option { return func(c *Client) { c.t.SetRetry(p) } }

// WithInteractiveBudget bounds each interactive call (Inquiry), retries and
// waits included; DefaultInteractiveBudget unless set.
func WithInteractiveBudget(d time.Duration) Option { return func(c *Client) { c.interactive = d } }

// Client calls OY's partner API. It is safe for concurrent use.
type Client struct {
	t           *provider.Transport
	username    string
	apiKey      string
	interactive time.Duration
}

// New builds a client.
func New(cfg Config, opts ...Option) *Client {
	c := &Client{
		t: provider.NewTransport(provider.Config{Provider: "oy", Name: "OY", BaseURL: cfg.BaseURL,
			Timeout: cfg.Timeout, Retry: provider.DefaultRetry, HTTPClient: cfg.HTTPClient, Logger: cfg.Logger}),
		username:    cfg.Username,
		apiKey:      cfg.APIKey,
		interactive: DefaultInteractiveBudget,
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// send performs one HTTP request through the shared transport, which turns
// every failure to get a complete answer into a *provider.Error.
func (c *Client) send(ctx context.Context, op string, kind provider.Kind, method, path string, query url.Values, in any) (*provider.Response, error) {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, c.t.NotSent(op, "The request could not be prepared; nothing was sent.", err)
		}
		body = b
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-OY-Username", c.username)
	h.Set("X-Api-Key", c.apiKey)
	return c.t.Send(ctx, op, kind, &provider.Request{Method: method, Path: path, Query: query, Header: h, Body: body})
}

// badAnswer is the error for an HTTP answer that is not the JSON OY promises.
func (c *Client) badAnswer(op string, r *provider.Response, kind provider.Kind, cause error) *provider.Error {
	return c.t.BadAnswer(op, kind, r.Status, cause)
}

// kindFor is the kind of a checkout call by its HTTP method.
func kindFor(method string) provider.Kind {
	if method == http.MethodGet {
		return provider.Read
	}
	return provider.Write
}

// callCoded performs a request to an endpoint answering with a
// {"status":{"code","message"}} envelope. Codes for which accept is true
// are decoded into out; any other code becomes a *Error.
func (c *Client) callCoded(ctx context.Context, op string, kind provider.Kind, method, path string, query url.Values, in, out any,
	describe func(string) CodeInfo, accept func(string) bool) (code string, err error) {
	r, err := c.send(ctx, op, kind, method, path, query, in)
	if err != nil {
		return "", err
	}
	var env struct {
		Status *wireStatus `json:"status"`
	}
	if err := json.Unmarshal(r.Body, &env); err != nil || env.Status == nil || env.Status.Code == "" {
		if err == nil {
			err = errors.New("no status code in answer")
		}
		return "", c.badAnswer(op, r, kind, err)
	}
	code, message := string(env.Status.Code), string(env.Status.Message)
	c.t.Logger().LogAttrs(ctx, slog.LevelInfo, "oy answer", slog.String("op", op), slog.String("code", code))
	if !accept(code) || (r.Status >= 500 && !describe(code).Final) {
		// A 5xx with a non-final code is as uncertain as a 5xx without one.
		return code, codeError(op, r.Status, code, message, kind, describe)
	}
	if out != nil {
		if err := json.Unmarshal(r.Body, out); err != nil {
			e := c.badAnswer(op, r, kind, err)
			e.Code, e.ProviderMessage = code, message
			return code, e
		}
	}
	return code, nil
}

func isSuccess(code string) bool { return code == "000" }

// codeError builds the *Error for an OY code.
func codeError(op string, httpStatus int, code, message string, kind provider.Kind, describe func(string) CodeInfo) *provider.Error {
	ci := describe(code)
	e := &provider.Error{Provider: "oy", Op: op, HTTPStatus: httpStatus, Code: code, ProviderMessage: message, Message: ci.Clerk, Outcome: ci.Outcome()}
	if kind == provider.Read && e.Outcome != provider.Rejected {
		// A read moves no money: a non-final code only means no answer yet.
		e.Outcome = provider.Unknown
		e.Message = "OY could not answer right now (code " + code + "); try again in a moment."
	}
	return e
}

// retryableRead says whether repeating a read can help.
func retryableRead(err error) bool {
	switch provider.CodeOf(err) {
	case "999", "504", "429":
		return true
	}
	return provider.Retryable(err)
}

// validation builds the error for a request the client refuses to send.
func validation(op, msg string) *provider.Error {
	return provider.NotSent("oy", op, msg, nil)
}
