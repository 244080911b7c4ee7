package ayopop

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"backoffice/internal/providers/provider"
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
const DefaultTimeout = provider.DefaultTimeout

// maxBody caps what is read from one answer; Ayopop's answers are a few KB.
const maxBody = 1 << 20

// Config holds the partner's credentials. Secret signs the TOKEN JWT.
type Config struct {
	BaseURL    string // e.g. https://dev.openapi.ayopop.id, or the sandbox root
	PartnerID  string // partnerId in every request
	APIKey     string // KEY header
	Secret     string // HS256 key of the TOKEN header
	Timeout    time.Duration
	HTTPClient *http.Client // provider.SharedHTTPClient when nil
	Logger     *slog.Logger
}

// Option changes a Client at construction.
type Option func(*Client)

// DefaultInteractiveBudget bounds the inquiry behind the top-up form, every
// attempt and wait included, so a slow Ayopop cannot hold a clerk for
// three 30-second attempts.
const DefaultInteractiveBudget = 25 * time.Second

// WithInteractiveBudget bounds each interactive call (Inquiry), retries and
// waits included; DefaultInteractiveBudget unless set.
func WithInteractiveBudget(d time.Duration) Option { return func(c *Client) { c.interactive = d } }

// WithRetry sets the policy for read calls (inquiry, status, balance,
// products). Payments are never repeated by the client.
func WithRetry(p provider.RetryPolicy) Option { return func(c *Client) { c.t.SetRetry(p) } }

// Client talks to Ayopop's biller API. It is safe for concurrent use.
type Client struct {
	cfg         Config
	t           *provider.Transport
	interactive time.Duration
}

// New builds a Client. Missing HTTPClient, Logger and Timeout get defaults.
func New(cfg Config, opts ...Option) *Client {
	c := &Client{cfg: cfg, t: provider.NewTransport(provider.Config{Provider: "ayopop", Name: "Ayopop",
		BaseURL: cfg.BaseURL, Timeout: cfg.Timeout, Retry: provider.DefaultRetry, MaxBody: maxBody,
		HTTPClient: cfg.HTTPClient, Logger: cfg.Logger}), interactive: DefaultInteractiveBudget}
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
// charged: a refusal is provider.Rejected, a missing answer provider.Unknown
// (nothing moved; ask again), and missing answers are retried.
func (c *Client) Inquiry(ctx context.Context, p *InquiryParams) (*Inquiry, error) {
	const op = "inquiry"
	if p == nil || strings.TrimSpace(p.AccountNumber) == "" || strings.TrimSpace(p.ProductCode) == "" {
		return nil, invalidParams(op, "The OVO phone number and the product are required.")
	}
	if p.Amount < 0 {
		return nil, invalidParams(op, "The amount cannot be negative.")
	}
	req := inquiryRequest{PartnerID: c.cfg.PartnerID, AccountNumber: p.AccountNumber, ProductCode: p.ProductCode, Amount: p.Amount}
	env, status, err := c.read(ctx, op, PathInquiry, req, c.interactive)
	if err != nil {
		return nil, err
	}
	code := int(*env.ResponseCode)
	if code != CodeInquirySuccess {
		return nil, codeError(op, status, code, env.Message, provider.Rejected, "")
	}
	var w wireInquiry
	if !hasData(env.Data) || json.Unmarshal(env.Data, &w) != nil {
		return nil, unreadableData(op, status, code, env.Message, provider.Rejected)
	}
	return w.inquiry(code, env.Message), nil
}

// Pay sends the top-up (/bill/payment). It is never repeated automatically.
// A nil error means Ayopop answered 0 (StateSuccess) or 299 (StatePending:
// wait for the callback or ask Status after StatusCheckDelay). Any other
// answer, a timeout or an unreadable body is a provider.Unknown error:
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
	env, status, err := c.once(ctx, op, provider.Write, PathPayment, req)
	if err != nil {
		return nil, err
	}
	return transactionAnswer(op, status, env, p.RefNumber)
}

// Status asks where a top-up stands (/bill/status). A nil error means a
// State Ayopop documents: StateSuccess, or StatePending (ask again after
// StatusCheckDelay). Everything else is a provider.Unknown error.
func (c *Client) Status(ctx context.Context, p *StatusParams) (*Transaction, error) {
	const op = "status"
	if p == nil || strings.TrimSpace(p.RefNumber) == "" {
		return nil, invalidParams(op, "The reference number is required.")
	}
	env, status, err := c.read(ctx, op, PathStatus, statusRequest{PartnerID: c.cfg.PartnerID, RefNumber: p.RefNumber}, 0)
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
			return nil, unreadableData(op, status, code, env.Message, provider.Unknown)
		}
		tx := w.transaction(code, env.Message)
		if tx.RefNumber == "" {
			tx.RefNumber = ref
		}
		if tx.RefNumber != ref {
			// An answer about another top-up says nothing about ours.
			return nil, &provider.Error{Provider: "ayopop", Op: op, HTTPStatus: status, Code: strconv.Itoa(code),
				ProviderMessage: env.Message.Text(), Outcome: provider.Unknown,
				Message: "Ayopop answered about another reference number (" + tx.RefNumber + ")." + notFinalAdvice}
		}
		return tx, nil
	case StateFailed:
		return nil, codeError(op, status, code, env.Message, provider.Rejected, "")
	}
	return nil, codeError(op, status, code, env.Message, provider.Unknown, notFinalAdvice)
}

// Balance returns the partner deposit (/partner/balance).
func (c *Client) Balance(ctx context.Context, _ *BalanceParams) (*Balance, error) {
	const op = "balance"
	env, status, err := c.read(ctx, op, PathBalance, partnerRequest{PartnerID: c.cfg.PartnerID}, 0)
	if err != nil {
		return nil, err
	}
	code := int(*env.ResponseCode)
	if code != CodeSuccess {
		return nil, codeError(op, status, code, env.Message, provider.Rejected, "")
	}
	var w wireBalance
	if !hasData(env.Data) || json.Unmarshal(env.Data, &w) != nil {
		return nil, unreadableData(op, status, code, env.Message, provider.Rejected)
	}
	return &Balance{Code: code, ProviderMessage: env.Message, Balance: int64(w.Balance)}, nil
}

// Products lists the products the partner may sell (/partner/products).
func (c *Client) Products(ctx context.Context, _ *ProductsParams) ([]Product, error) {
	const op = "products"
	env, status, err := c.read(ctx, op, PathProducts, partnerRequest{PartnerID: c.cfg.PartnerID}, 0)
	if err != nil {
		return nil, err
	}
	code := int(*env.ResponseCode)
	if code != CodeSuccess {
		return nil, codeError(op, status, code, env.Message, provider.Rejected, "")
	}
	var ws []wireProduct
	if !hasData(env.Data) || json.Unmarshal(env.Data, &ws) != nil {
		return nil, unreadableData(op, status, code, env.Message, provider.Rejected)
	}
	out := make([]Product, 0, len(ws))
	for _, w := range ws {
		out = append(out, Product{Code: w.Code, Name: w.Name, Biller: w.Biller, Category: w.Category, Type: w.Type,
			Amount: int64(w.Amount), MinAmount: int64(w.MinAmount), MaxAmount: int64(w.MaxAmount),
			AdminFee: int64(w.AdminFee), Active: w.Active})
	}
	return out, nil
}

// read performs a call that moves no money, repeating it through the
// shared transport when the answer is missing, unreadable or a 5xx. A read
// without a trustworthy answer is provider.Unknown: nothing moved, but the
// answer (for status: the top-up's fate) is still open.
func (c *Client) read(ctx context.Context, op, path string, payload any, budget time.Duration) (*envelope, int, *provider.Error) {
	var (
		env    *envelope
		status int
	)
	err := c.t.Do(ctx, provider.Call{Op: op, Kind: provider.Read, Again: readAgain, Budget: budget}, func(ctx context.Context, _ int) error {
		var e *provider.Error
		env, status, e = c.once(ctx, op, provider.Read, path, payload)
		if e != nil {
			return e
		}
		if status >= 500 {
			// A well-formed answer on a 5xx is still the server struggling: try again.
			return codeError(op, status, int(*env.ResponseCode), env.Message, provider.Unknown, adviceFor(op))
		}
		return nil
	})
	if err != nil {
		return nil, status, provider.Explain("ayopop", op, err)
	}
	return env, status, nil
}

// readAgain: a missing or unreadable answer, or any 5xx.
func readAgain(err error) bool {
	if e, ok := provider.AsError(err); ok && e.HTTPStatus >= 500 {
		return true
	}
	return provider.Retryable(err)
}

// once performs one HTTP exchange and decodes the envelope.
func (c *Client) once(ctx context.Context, op string, kind provider.Kind, path string, payload any) (*envelope, int, *provider.Error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return nil, 0, c.t.NotSent(op, "The request could not be built; nothing was sent.", err)
	}
	token, err := SignToken([]byte(c.cfg.Secret), body)
	if err != nil {
		return nil, 0, c.t.NotSent(op, "The Ayopop partner secret is not configured (AYOPOP_SECRET); nothing was sent.", err)
	}
	h := http.Header{}
	h.Set("KEY", c.cfg.APIKey)
	h.Set("TOKEN", token)
	h.Set("VERSION", APIVersion)
	h.Set("Content-Type", "application/json")
	r, err := c.t.Send(ctx, op, kind, &provider.Request{Method: http.MethodPost, Path: path, Header: h, Body: body})
	if err != nil {
		return nil, 0, provider.Explain("ayopop", op, err)
	}
	env, err := decodeEnvelope(r.Body)
	if err != nil {
		e := unreadable(op, r.Status)
		e.Err = err
		return nil, r.Status, e
	}
	c.t.Logger().LogAttrs(ctx, slog.LevelInfo, "ayopop answer", slog.String("op", op),
		slog.String("code", strconv.FormatInt(int64(*env.ResponseCode), 10)))
	return env, r.Status, nil
}

// adviceFor: payment and status are about a top-up whose fate a
// failure leaves open.
func adviceFor(op string) string {
	if op == "payment" || op == "status" {
		return notFinalAdvice
	}
	return " Nothing was charged; try again."
}

func invalidParams(op, msg string) *provider.Error {
	return provider.NotSent("ayopop", op, msg, nil)
}

func codeError(op string, status, code int, msg Message, outcome provider.Outcome, advice string) *provider.Error {
	if code >= 200 && code <= 299 && outcome == provider.Unknown {
		outcome = provider.Pending
	}
	return &provider.Error{Provider: "ayopop", Op: op, HTTPStatus: status, Code: strconv.Itoa(code),
		ProviderMessage: msg.Text(), Outcome: outcome, Message: CodeMessage(code) + advice}
}

// unreadable is an answer without a readable envelope: no trustworthy answer.
func unreadable(op string, status int) *provider.Error {
	msg := "Ayopop's answer could not be read."
	if status >= 500 {
		msg = fmt.Sprintf("Ayopop answered with a server error (HTTP %d).", status)
	}
	return &provider.Error{Provider: "ayopop", Op: op, HTTPStatus: status, Outcome: provider.Unknown, Message: msg + adviceFor(op)}
}

// unreadableData is a readable code whose data could not be decoded.
func unreadableData(op string, status, code int, msg Message, outcome provider.Outcome) *provider.Error {
	return &provider.Error{Provider: "ayopop", Op: op, HTTPStatus: status, Code: strconv.Itoa(code),
		ProviderMessage: msg.Text(), Outcome: outcome,
		Message: "Ayopop answered but the details could not be read." + adviceFor(op)}
}
