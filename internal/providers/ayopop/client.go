package ayopop

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"backoffice/internal/providers/retry"
)

// Paths of Ayopop's v1 biller API, relative to BaseURL.
const (
	PathInquiry  = "/api/v1/bill/check"
	PathPayment  = "/api/v1/bill/payment"
	PathStatus   = "/api/v1/bill/status"
	PathBalance  = "/api/v1/partner/balance"
	PathProducts = "/api/v1/partner/products"
)

// APIVersion is sent in the VERSION header.
const APIVersion = "1.0"

// DefaultTimeout bounds one HTTP attempt when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// maxBody caps what is read from one answer; Ayopop's answers are a few KB.
const maxBody = 1 << 20

// Config holds the partner's credentials. Secret signs the TOKEN JWT.
type Config struct {
	BaseURL    string // e.g. https://dev.openapi.ayopop.id, or the sandbox root
	PartnerID  string // partnerId in every request
	APIKey     string // KEY header
	Secret     string // HS256 key of the TOKEN header
	Timeout    time.Duration
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// Option changes a Client at construction.
type Option func(*Client)

// WithRetryPolicy sets the policy for read calls (inquiry, status, balance,
// products). Payments are never repeated by the client.
func WithRetryPolicy(p retry.Policy) Option { return func(c *Client) { c.retry = p } }

// Client talks to Ayopop's biller API. It is safe for concurrent use.
type Client struct {
	cfg     Config
	base    string
	http    *http.Client
	log     *slog.Logger
	timeout time.Duration
	retry   retry.Policy
}

// New builds a Client. Missing HTTPClient, Logger and Timeout get defaults.
func New(cfg Config, opts ...Option) *Client {
	c := &Client{
		cfg:     cfg,
		base:    strings.TrimRight(cfg.BaseURL, "/"),
		http:    cfg.HTTPClient,
		log:     cfg.Logger,
		timeout: cfg.Timeout,
		retry:   retry.Default,
	}
	if c.http == nil {
		c.http = &http.Client{}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	for _, o := range opts {
		o(c)
	}
	return c
}

// InquiryParams asks Ayopop to check an OVO account before a top-up.
type InquiryParams struct {
	AccountNumber string // OVO phone number, e.g. 081215474224
	ProductCode   string
	Amount        int64 // open-amount products only; 0 for closed (fixed) products
}

// PaymentParams pays an inquiry. RefNumber is our unique reference: keep it,
// it is the only way to ask for the status when the answer gets lost.
type PaymentParams struct {
	RefNumber     string
	AccountNumber string
	ProductCode   string
	Amount        int64 // the inquiry's amount
	InquiryID     int64
}

// StatusParams asks for a top-up by our reference.
type StatusParams struct {
	RefNumber string
}

// BalanceParams is empty: the partner comes from Config.
type BalanceParams struct{}

// ProductsParams is empty: the partner comes from Config.
type ProductsParams struct{}

// Request bodies; the same JSON is the TOKEN's payload. Field order follows the page.
type inquiryRequest struct {
	PartnerID     string `json:"partnerId"`
	AccountNumber string `json:"accountNumber"`
	ProductCode   string `json:"productCode"`
	Amount        int64  `json:"amount,omitempty"`
}

type paymentRequest struct {
	PartnerID     string `json:"partnerId"`
	RefNumber     string `json:"refNumber"`
	AccountNumber string `json:"accountNumber"`
	ProductCode   string `json:"productCode"`
	Amount        int64  `json:"amount"`
	InquiryID     int64  `json:"inquiryId"`
}

type statusRequest struct {
	PartnerID string `json:"partnerId"`
	RefNumber string `json:"refNumber"`
}

type partnerRequest struct {
	PartnerID string `json:"partnerId"`
}

// Inquiry checks the OVO account and the amount (/bill/check). Nothing is
// charged, so every failure is OutcomeRejected; transport failures are retried.
func (c *Client) Inquiry(ctx context.Context, p *InquiryParams) (*Inquiry, error) {
	const op = "inquiry"
	if p == nil || strings.TrimSpace(p.AccountNumber) == "" || strings.TrimSpace(p.ProductCode) == "" {
		return nil, invalidParams(op, "The OVO phone number and the product are required.")
	}
	if p.Amount < 0 {
		return nil, invalidParams(op, "The amount cannot be negative.")
	}
	req := inquiryRequest{PartnerID: c.cfg.PartnerID, AccountNumber: p.AccountNumber, ProductCode: p.ProductCode, Amount: p.Amount}
	env, status, err := c.read(ctx, op, PathInquiry, req)
	if err != nil {
		return nil, err
	}
	code := int(*env.ResponseCode)
	if code != CodeInquirySuccess {
		return nil, codeError(op, status, code, env.Message, OutcomeRejected, "")
	}
	var w wireInquiry
	if !hasData(env.Data) || json.Unmarshal(env.Data, &w) != nil {
		return nil, unreadableData(op, status, code, env.Message, OutcomeRejected)
	}
	return w.inquiry(code, env.Message), nil
}

// Pay sends the top-up (/bill/payment). It is never repeated automatically.
// A nil error means Ayopop answered 0 (StateSuccess) or 299 (StatePending:
// wait for the callback or ask Status after StatusCheckDelay). Any other
// answer, a timeout or an unreadable body is an *Error with OutcomeUnknown:
// the top-up may have happened, so ask Status with the same RefNumber.
func (c *Client) Pay(ctx context.Context, p *PaymentParams) (*Transaction, error) {
	const op = "payment"
	if p == nil || strings.TrimSpace(p.RefNumber) == "" || strings.TrimSpace(p.AccountNumber) == "" || strings.TrimSpace(p.ProductCode) == "" {
		return nil, invalidParams(op, "The reference number, OVO phone number and product are required.")
	}
	if p.Amount <= 0 || p.InquiryID == 0 {
		return nil, invalidParams(op, "Make an inquiry first: the payment needs its amount and inquiry ID.")
	}
	req := paymentRequest{PartnerID: c.cfg.PartnerID, RefNumber: p.RefNumber, AccountNumber: p.AccountNumber,
		ProductCode: p.ProductCode, Amount: p.Amount, InquiryID: p.InquiryID}
	env, status, err := c.once(ctx, op, PathPayment, req)
	if err != nil {
		return nil, err
	}
	return transactionAnswer(op, status, env, p.RefNumber)
}

// Status asks where a top-up stands (/bill/status). A nil error means a
// State Ayopop documents: StateSuccess, or StatePending (ask again after
// StatusCheckDelay). Everything else is an *Error with OutcomeUnknown.
func (c *Client) Status(ctx context.Context, p *StatusParams) (*Transaction, error) {
	const op = "status"
	if p == nil || strings.TrimSpace(p.RefNumber) == "" {
		return nil, invalidParams(op, "The reference number is required.")
	}
	env, status, err := c.read(ctx, op, PathStatus, statusRequest{PartnerID: c.cfg.PartnerID, RefNumber: p.RefNumber})
	if err != nil {
		return nil, err
	}
	return transactionAnswer(op, status, env, p.RefNumber)
}

// transactionAnswer interprets a payment or status answer about ref.
func transactionAnswer(op string, status int, env *envelope, ref string) (*Transaction, error) {
	code := int(*env.ResponseCode)
	switch StateOf(code) {
	case StateSuccess, StatePending:
		// A success must describe the top-up; a bare 299 may omit the details.
		var w wireTransaction
		if (code == CodeSuccess && !hasData(env.Data)) || (hasData(env.Data) && json.Unmarshal(env.Data, &w) != nil) {
			return nil, unreadableData(op, status, code, env.Message, OutcomeUnknown)
		}
		tx := w.transaction(code, env.Message)
		if tx.RefNumber == "" {
			tx.RefNumber = ref
		}
		if tx.RefNumber != ref {
			// An answer about another top-up says nothing about ours.
			return nil, &Error{Op: op, HTTPStatus: status, Code: strconv.Itoa(code), Class: Classify(code),
				ProviderMessage: env.Message.Text(), Outcome: OutcomeUnknown,
				Message: "Ayopop answered about another reference number (" + tx.RefNumber + ")." + notFinalAdvice}
		}
		return tx, nil
	case StateFailed:
		return nil, codeError(op, status, code, env.Message, OutcomeRejected, "")
	}
	return nil, codeError(op, status, code, env.Message, OutcomeUnknown, notFinalAdvice)
}

// Balance returns the partner deposit (/partner/balance).
func (c *Client) Balance(ctx context.Context, _ *BalanceParams) (*Balance, error) {
	const op = "balance"
	env, status, err := c.read(ctx, op, PathBalance, partnerRequest{PartnerID: c.cfg.PartnerID})
	if err != nil {
		return nil, err
	}
	code := int(*env.ResponseCode)
	if code != CodeSuccess {
		return nil, codeError(op, status, code, env.Message, OutcomeRejected, "")
	}
	var w wireBalance
	if !hasData(env.Data) || json.Unmarshal(env.Data, &w) != nil {
		return nil, unreadableData(op, status, code, env.Message, OutcomeRejected)
	}
	return &Balance{Code: code, ProviderMessage: env.Message, Balance: int64(w.Balance)}, nil
}

// Products lists the products the partner may sell (/partner/products).
func (c *Client) Products(ctx context.Context, _ *ProductsParams) ([]Product, error) {
	const op = "products"
	env, status, err := c.read(ctx, op, PathProducts, partnerRequest{PartnerID: c.cfg.PartnerID})
	if err != nil {
		return nil, err
	}
	code := int(*env.ResponseCode)
	if code != CodeSuccess {
		return nil, codeError(op, status, code, env.Message, OutcomeRejected, "")
	}
	var ws []wireProduct
	if !hasData(env.Data) || json.Unmarshal(env.Data, &ws) != nil {
		return nil, unreadableData(op, status, code, env.Message, OutcomeRejected)
	}
	out := make([]Product, 0, len(ws))
	for _, w := range ws {
		out = append(out, Product{Code: w.Code, Name: w.Name, Biller: w.Biller, Category: w.Category, Type: w.Type,
			Amount: int64(w.Amount), MinAmount: int64(w.MinAmount), MaxAmount: int64(w.MaxAmount),
			AdminFee: int64(w.AdminFee), Active: w.Active})
	}
	return out, nil
}

// read performs a call that moves no money, retrying transport failures,
// 5xx and unreadable answers. A status read reports OutcomeUnknown on
// failure because the top-up it asks about stays open.
func (c *Client) read(ctx context.Context, op, path string, payload any) (*envelope, int, *Error) {
	var (
		env    *envelope
		status int
	)
	err := retry.Do(ctx, c.retry, func(ctx context.Context, attempt int) (bool, error) {
		var e *Error
		env, status, e = c.once(ctx, op, path, payload)
		if e != nil {
			return true, e
		}
		if status >= 500 {
			// A well-formed answer on a 5xx is still the server struggling: try again.
			return true, codeError(op, status, int(*env.ResponseCode), env.Message, failureOutcome(op), adviceFor(op))
		}
		return false, nil
	})
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, status, e
		}
		return nil, status, transportError(op, status, err)
	}
	return env, status, nil
}

// once performs one HTTP exchange and decodes the envelope.
func (c *Client) once(ctx context.Context, op, path string, payload any) (*envelope, int, *Error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, 0, &Error{Op: op, Outcome: OutcomeRejected, Message: "The request could not be built.", err: err}
	}
	token, err := SignToken([]byte(c.cfg.Secret), body)
	if err != nil {
		return nil, 0, &Error{Op: op, Outcome: OutcomeRejected, Message: "The Ayopop partner secret is not configured (AYOPOP_SECRET).", err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, 0, &Error{Op: op, Outcome: OutcomeRejected, Message: "The Ayopop base URL is not valid (AYOPOP_BASE_URL).", err: err}
	}
	req.Header.Set("KEY", c.cfg.APIKey)
	req.Header.Set("TOKEN", token)
	req.Header.Set("VERSION", APIVersion)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")

	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		c.logCall(ctx, op, path, 0, "", start, err)
		return nil, 0, transportError(op, 0, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		c.logCall(ctx, op, path, resp.StatusCode, "", start, err)
		return nil, resp.StatusCode, transportError(op, resp.StatusCode, err)
	}
	if len(raw) > maxBody {
		c.logCall(ctx, op, path, resp.StatusCode, "", start, errors.New("answer too large"))
		return nil, resp.StatusCode, unreadable(op, resp.StatusCode, failureOutcome(op))
	}
	env, err := decodeEnvelope(raw)
	if err != nil {
		c.logCall(ctx, op, path, resp.StatusCode, "", start, err)
		e := unreadable(op, resp.StatusCode, failureOutcome(op))
		e.err = err
		return nil, resp.StatusCode, e
	}
	c.logCall(ctx, op, path, resp.StatusCode, strconv.FormatInt(int64(*env.ResponseCode), 10), start, nil)
	return env, resp.StatusCode, nil
}

func (c *Client) logCall(ctx context.Context, op, path string, status int, code string, start time.Time, err error) {
	attrs := []slog.Attr{
		slog.String("op", op), slog.String("path", path), slog.Int("http_status", status),
		slog.String("code", code), slog.Duration("duration", time.Since(start)),
	}
	level := slog.LevelInfo
	if err != nil {
		level = slog.LevelWarn
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	c.log.LogAttrs(ctx, level, "ayopop call", attrs...)
}

// failureOutcome is what an unanswered call means for the money.
func failureOutcome(op string) Outcome {
	if op == "payment" || op == "status" {
		return OutcomeUnknown
	}
	return OutcomeRejected
}

func adviceFor(op string) string {
	if failureOutcome(op) == OutcomeUnknown {
		return notFinalAdvice
	}
	return " Nothing was charged; try again."
}

func invalidParams(op, msg string) *Error {
	return &Error{Op: op, Outcome: OutcomeRejected, Message: msg}
}

func codeError(op string, status, code int, msg Message, outcome Outcome, advice string) *Error {
	if code >= 200 && code <= 299 && outcome == OutcomeUnknown {
		outcome = OutcomePending
	}
	return &Error{Op: op, HTTPStatus: status, Code: strconv.Itoa(code), Class: Classify(code),
		ProviderMessage: msg.Text(), Outcome: outcome, Message: CodeMessage(code) + advice}
}

func unreadable(op string, status int, outcome Outcome) *Error {
	msg := "Ayopop's answer could not be read."
	if status >= 500 {
		msg = fmt.Sprintf("Ayopop answered with a server error (HTTP %d).", status)
	}
	return &Error{Op: op, HTTPStatus: status, Outcome: outcome, Message: msg + adviceFor(op)}
}

// unreadableData is a readable code whose data could not be decoded.
func unreadableData(op string, status, code int, msg Message, outcome Outcome) *Error {
	return &Error{Op: op, HTTPStatus: status, Code: strconv.Itoa(code), Class: Classify(code),
		ProviderMessage: msg.Text(), Outcome: outcome,
		Message: "Ayopop answered but the details could not be read." + adviceFor(op)}
}

func transportError(op string, status int, err error) *Error {
	msg := "Ayopop could not be reached."
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		msg = "Ayopop did not answer in time."
	} else if errors.Is(err, context.Canceled) {
		msg = "The request to Ayopop was cancelled before it finished."
	}
	return &Error{Op: op, HTTPStatus: status, Outcome: failureOutcome(op), Message: msg + adviceFor(op), err: err}
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}
