// Package faspay is a client for Faspay's OVO Tokenize API, JSON variant
// (endpoints /cvr/1000NN/10): account activation (linking), payment, top-up
// instructions, balance, history and unlink, plus pure functions that parse
// and verify the activation callback and the payment notification.
//
// Every request is signed with sha1(md5(user_id + password + phone_no)).
// Errors are *provider.Error values carrying Faspay's code, a sentence for a
// finance clerk and a provider.Outcome telling whether money may have moved;
// an expired payment token is a *TokenExpiredError underneath. Requests go
// through the shared provider.Transport: only reads (balance, history,
// top-up instructions) are retried; activation, payment and unlink are sent
// once, because Faspay documents no idempotency for them.
//
// The sandbox subpackage imitates the provider for development and tests.
package faspay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"backoffice/internal/money"
	"backoffice/internal/providers/provider"
)

// Hosts. The development host is the one in Faspay's page; the production
// host follows Faspay's naming and is unconfirmed: set it through FASPAY_BASE_URL.
const (
	DevelopmentBaseURL = "https://debit-sandbox.faspay.co.id"
	ProductionBaseURL  = "https://debit.faspay.co.id"
)

// Paths of the JSON endpoints, in one table so a change is one edit.
var Paths = struct {
	Activation, Payment, Balance, Unlink, History, TopUpInstruction string
}{
	Activation:       "/cvr/100037/10",
	Payment:          "/cvr/100038/10",
	Balance:          "/cvr/100039/10",
	Unlink:           "/cvr/100040/10",
	History:          "/cvr/100041/10",
	TopUpInstruction: "/cvr/100042/10",
}

// Request descriptions sent in the optional "request" field, as in the docs.
const (
	reqActivation = "Account Activation OVO OpenAPI"
	reqPayment    = "Transfer OVO OpenAPI"
	reqTopUp      = "Top Up Instruction OVO Open API"
	reqBalance    = "Check Balance OVO OpenAPI"
	reqHistory    = "History OVO Open API"
	reqUnlink     = "Unlink OVO Open API"
)

// maxBody bounds how much of an answer is read.
const maxBody = 1 << 20

// Config holds the merchant's Faspay settings.
type Config struct {
	BaseURL        string // default DevelopmentBaseURL
	MerchantID     string // 5-digit merchant code (BOI)
	MerchantName   string // sent as "merchant" where the docs ask for it
	UserID         string // Faspay user id (bot...)
	Password       string
	PaymentChannel string        // default "720"
	Timeout        time.Duration // per request, default 30s
	HTTPClient     *http.Client  // provider.SharedHTTPClient when nil
	Logger         *slog.Logger
}

// Client talks to Faspay. It is safe for concurrent use.
type Client struct {
	cfg Config
	t   *provider.Transport
}

// Option changes a Client.
type Option func(*Client)

// WithRetry sets the retry policy used for reads.
func WithRetry(p provider.RetryPolicy) Option { return func(c *Client) { c.t.SetRetry(p) } }

// New builds a Client.
func New(cfg Config, opts ...Option) *Client {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DevelopmentBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.PaymentChannel == "" {
		cfg.PaymentChannel = DefaultPaymentChannel
	}
	c := &Client{cfg: cfg, t: provider.NewTransport(provider.Config{Provider: "faspay", Name: "Faspay",
		BaseURL: cfg.BaseURL, Timeout: cfg.Timeout, Retry: provider.DefaultRetry, MaxBody: maxBody,
		HTTPClient: cfg.HTTPClient, Logger: cfg.Logger})}
	for _, o := range opts {
		o(c)
	}
	return c
}

func (c *Client) sign(phone string) string { return Signature(c.cfg.UserID, c.cfg.Password, phone) }

// Activate starts linking an OVO account. Send the customer's browser to the
// returned RedirectURL (OTP and PIN); the result arrives with the activation callback.
func (c *Client) Activate(ctx context.Context, p *ActivationParams) (*Activation, error) {
	const op = "activation"
	if p == nil || p.PhoneNo == "" || p.CustName == "" {
		return nil, invalid(op, "The phone number and the customer name are both required.")
	}
	body := struct {
		Request        string `json:"request"`
		MerchantID     string `json:"merchant_id"`
		PaymentChannel string `json:"payment_channel"`
		PhoneNo        string `json:"phone_no"`
		CustName       string `json:"cust_name"`
		Signature      string `json:"signature"`
	}{reqActivation, c.cfg.MerchantID, c.cfg.PaymentChannel, p.PhoneNo, p.CustName, c.sign(p.PhoneNo)}
	var r activationResponse
	if err := c.call(ctx, op, Paths.Activation, body, provider.Write, &r, &r.envelope); err != nil {
		return nil, err
	}
	out, err := activationFromResponse(&r)
	if err != nil {
		return nil, &provider.Error{Provider: "faspay", Op: op, Code: CodeSuccess, Outcome: provider.Unknown, Err: err,
			Message: "Faspay accepted the activation but sent no OVO page to open; start the linking again."}
	}
	return out, nil
}

func activationFromResponse(r *activationResponse) (*Activation, error) {
	if r.RedirectURL == "" {
		return nil, errors.New("redirectURL missing")
	}
	return &Activation{
		Response: string(r.Response), Status: string(r.Status), Message: string(r.Message),
		RedirectURL: cleanRedirect(string(r.RedirectURL)), RawRedirect: string(r.RedirectURL),
		ResponseCode: NormalizeCode(string(r.ResponseCode)), ResponseDesc: string(r.ResponseDesc),
	}, nil
}

// Pay asks Faspay to charge a linked OVO account. The answer is PENDING: the
// customer confirms with the PIN at RedirectURL and the payment notification
// tells the final state. Code 02 returns a *provider.Error matching
// ErrPaymentTokenExpired with the renewal URL (see TokenExpired).
// Pay is never retried: an Unknown failure must be checked in the
// history or the notifications before charging again.
func (c *Client) Pay(ctx context.Context, p *PaymentParams) (*Payment, error) {
	const op = "payment"
	if p == nil || p.BillNo == "" || p.PhoneNo == "" {
		return nil, invalid(op, "The bill number and the phone number are both required.")
	}
	if p.BillTotal <= 0 {
		return nil, invalid(op, "The amount must be more than zero rupiah.")
	}
	payType := p.PayType
	if payType == "" {
		payType = PayCash
	}
	if !payType.Valid() {
		return nil, invalid(op, "The payment type must be cash, points, or cash and points.")
	}
	currency := p.BillCurrency
	if currency == "" {
		currency = "IDR"
	}
	body := struct {
		Request        string `json:"request"`
		MerchantID     string `json:"merchant_id"`
		BillNo         string `json:"bill_no"`
		BillDesc       string `json:"bill_desc"`
		BillTotal      string `json:"bill_total"`
		BillCurrency   string `json:"bill_currency"`
		PaymentChannel string `json:"payment_channel"`
		PhoneNo        string `json:"phone_no"`
		CustName       string `json:"cust_name"`
		Email          string `json:"email"`
		PayType        string `json:"pay_type"`
		Signature      string `json:"signature"`
	}{reqPayment, c.cfg.MerchantID, p.BillNo, p.BillDesc, strconv.FormatInt(p.BillTotal, 10), currency,
		c.cfg.PaymentChannel, p.PhoneNo, p.CustName, p.Email, string(payType), c.sign(p.PhoneNo)}
	var r paymentResponse
	if err := c.call(ctx, op, Paths.Payment, body, provider.Write, &r, &r.envelope); err != nil {
		return nil, err
	}
	out, err := paymentFromResponse(&r)
	if err != nil {
		return nil, &provider.Error{Provider: "faspay", Op: op, Code: NormalizeCode(string(r.ResponseCode)), ProviderMessage: string(r.ResponseDesc),
			Outcome: provider.Unknown, Err: err,
			Message: "Faspay accepted the payment but its answer could not be read fully; check the transaction history before charging again."}
	}
	return out, nil
}

func paymentFromResponse(r *paymentResponse) (*Payment, error) {
	out := &Payment{
		Response: string(r.Response), Status: string(r.Status), TrxID: string(r.TrxID), BillNo: string(r.BillNo),
		PaymentDayRaw: string(r.PaymentDay), RedirectURL: cleanRedirect(string(r.RedirectURL)), RawRedirect: string(r.RedirectURL),
		ResponseCode: NormalizeCode(string(r.ResponseCode)), ResponseDesc: string(r.ResponseDesc),
	}
	amount, err := money.ParseDecimal(string(r.Amount))
	if err != nil {
		return nil, fmt.Errorf("amount: %w", err)
	}
	out.Amount = amount
	if out.PaymentDayRaw != "" {
		if out.PaymentDay, err = ParseTime(out.PaymentDayRaw); err != nil {
			return nil, fmt.Errorf("payment_day: %w", err)
		}
	}
	if out.TrxID == "" {
		return nil, errors.New("trx_id missing")
	}
	return out, nil
}

// TopUpInstruction returns the ways a customer can top up OVO.
func (c *Client) TopUpInstruction(ctx context.Context, p *TopUpInstructionParams) (*TopUpInstruction, error) {
	const op = "topup_instruction"
	if p == nil || p.PhoneNo == "" {
		return nil, invalid(op, "The phone number is required.")
	}
	body := struct {
		Request        string `json:"request"`
		MerchantID     string `json:"merchant_id"`
		Merchant       string `json:"merchant"`
		PhoneNo        string `json:"phone_no"`
		PaymentChannel string `json:"payment_channel"`
		Signature      string `json:"signature"`
	}{reqTopUp, c.cfg.MerchantID, c.cfg.MerchantName, p.PhoneNo, c.cfg.PaymentChannel, c.sign(p.PhoneNo)}
	var r topUpResponse
	if err := c.call(ctx, op, Paths.TopUpInstruction, body, provider.Read, &r, &r.envelope); err != nil {
		return nil, err
	}
	out, err := topUpFromResponse(&r)
	if err != nil {
		return nil, &provider.Error{Provider: "faspay", Op: op, Code: CodeSuccess, Outcome: provider.Unknown, Err: err,
			Message: "Faspay's top-up instructions could not be read; try again later."}
	}
	return out, nil
}

func topUpFromResponse(r *topUpResponse) (*TopUpInstruction, error) {
	out := &TopUpInstruction{
		Response: string(r.Response), PhoneNo: string(r.PhoneNo), MerchantID: string(r.MerchantID),
		PaymentChannel: string(r.PaymentChannel), Merchant: string(r.Merchant),
		ResponseCode: NormalizeCode(string(r.ResponseCode)), ResponseDesc: string(r.ResponseDesc),
	}
	keys, vals, err := numberedEntries(r.TopUpInstruction, "instruction_")
	if err != nil {
		return nil, fmt.Errorf("topup_instruction: %w", err)
	}
	for i, v := range vals {
		var item struct {
			Option flexString `json:"option"`
			Icon   flexString `json:"icon"`
			URL    flexString `json:"url"`
		}
		if err := json.Unmarshal(v, &item); err != nil {
			return nil, fmt.Errorf("%s: %w", keys[i], err)
		}
		out.Options = append(out.Options, TopUpOption{Key: keys[i], Option: string(item.Option), Icon: string(item.Icon), URL: string(item.URL)})
	}
	return out, nil
}

// Balance returns the OVO cash and points balance of a linked account.
func (c *Client) Balance(ctx context.Context, p *BalanceParams) (*Balance, error) {
	const op = "balance"
	if p == nil || p.PhoneNo == "" {
		return nil, invalid(op, "The phone number is required.")
	}
	body := struct {
		Request        string `json:"request"`
		MerchantID     string `json:"merchant_id"`
		PaymentChannel string `json:"payment_channel"`
		PhoneNo        string `json:"phone_no"`
		Signature      string `json:"signature"`
	}{reqBalance, c.cfg.MerchantID, c.cfg.PaymentChannel, p.PhoneNo, c.sign(p.PhoneNo)}
	var r balanceResponse
	if err := c.call(ctx, op, Paths.Balance, body, provider.Read, &r, &r.envelope); err != nil {
		return nil, err
	}
	out, err := balanceFromResponse(&r)
	if err != nil {
		return nil, &provider.Error{Provider: "faspay", Op: op, Code: CodeSuccess, Outcome: provider.Unknown, Err: err,
			Message: "Faspay's balance answer could not be read; try again later."}
	}
	return out, nil
}

func balanceFromResponse(r *balanceResponse) (*Balance, error) {
	if r.Detail == nil || r.Detail.Cash == nil || r.Detail.Points == nil {
		return nil, errors.New("detail.cash or detail.points missing")
	}
	cash, err := money.ParseDecimal(string(r.Detail.Cash.Balance))
	if err != nil {
		return nil, fmt.Errorf("cash balance: %w", err)
	}
	points, err := money.ParseDecimal(string(r.Detail.Points.Balance))
	if err != nil {
		return nil, fmt.Errorf("points balance: %w", err)
	}
	return &Balance{
		Response: string(r.Response), PhoneNo: string(r.PhoneNo), PaymentChannel: string(r.PaymentChannel),
		MerchantID: string(r.MerchantID), Cash: cash, Points: points,
		ResponseCode: NormalizeCode(string(r.ResponseCode)), ResponseDesc: string(r.ResponseDesc),
	}, nil
}

// History returns one page of OVO Tokenize transactions between two dates (WIB).
func (c *Client) History(ctx context.Context, p *HistoryParams) (*History, error) {
	const op = "history"
	if p == nil || p.PhoneNo == "" {
		return nil, invalid(op, "The phone number is required.")
	}
	if p.StartDate.IsZero() || p.EndDate.IsZero() {
		return nil, invalid(op, "Both the start date and the end date are required.")
	}
	start, end := p.StartDate.In(Jakarta).Format(DateLayout), p.EndDate.In(Jakarta).Format(DateLayout)
	if start > end {
		return nil, invalid(op, "The start date must not be after the end date.")
	}
	page, limit := max(p.Page, 1), p.Limit
	if limit <= 0 {
		limit = 10
	}
	body := struct {
		Request        string `json:"request"`
		MerchantID     string `json:"merchant_id"`
		Merchant       string `json:"merchant"`
		PhoneNo        string `json:"phone_no"`
		PaymentChannel string `json:"payment_channel"`
		StartDate      string `json:"start_date"`
		EndDate        string `json:"end_date"`
		Page           string `json:"page"`
		Limit          string `json:"limit"`
		Signature      string `json:"signature"`
	}{reqHistory, c.cfg.MerchantID, c.cfg.MerchantName, p.PhoneNo, c.cfg.PaymentChannel, start, end,
		strconv.Itoa(page), strconv.Itoa(limit), c.sign(p.PhoneNo)}
	var r historyResponse
	if err := c.call(ctx, op, Paths.History, body, provider.Read, &r, &r.envelope); err != nil {
		return nil, err
	}
	out, err := historyFromResponse(&r)
	if err != nil {
		return nil, &provider.Error{Provider: "faspay", Op: op, Code: CodeSuccess, Outcome: provider.Unknown, Err: err,
			Message: "Faspay's transaction history could not be read; try again later."}
	}
	return out, nil
}

func historyFromResponse(r *historyResponse) (*History, error) {
	out := &History{
		Response: string(r.Response), PhoneNo: string(r.PhoneNo), MerchantID: string(r.MerchantID),
		PaymentChannel: string(r.PaymentChannel), Merchant: string(r.Merchant), RawRefunds: r.ListRefund,
		ResponseCode: NormalizeCode(string(r.ResponseCode)), ResponseDesc: string(r.ResponseDesc),
	}
	keys, vals, err := numberedEntries(r.ListTransaction, "transaction_")
	if err != nil {
		return nil, fmt.Errorf("list_transaction: %w", err)
	}
	for i, v := range vals {
		var it historyItem
		if err := json.Unmarshal(v, &it); err != nil {
			return nil, fmt.Errorf("%s: %w", keys[i], err)
		}
		tx := HistoryTransaction{Key: keys[i], PaymentDateRaw: string(it.PaymentDate), Status: string(it.Status), TrxID: string(it.TrxID)}
		if tx.Amount, err = money.ParseDecimal(string(it.TrxAmount)); err != nil {
			return nil, fmt.Errorf("%s trx_amount: %w", keys[i], err)
		}
		if tx.PaymentDateRaw != "" {
			if tx.PaymentDate, err = ParseTime(tx.PaymentDateRaw); err != nil {
				return nil, fmt.Errorf("%s payment_date: %w", keys[i], err)
			}
		}
		if tx.Details, err = parseAmountDetails(it.AmountDetail); err != nil {
			return nil, fmt.Errorf("%s amount_detail: %w", keys[i], err)
		}
		out.Transactions = append(out.Transactions, tx)
	}
	return out, nil
}

// parseAmountDetails accepts the documented single object, an array of them
// (a cash-and-points payment) or a numbered map.
func parseAmountDetails(raw json.RawMessage) ([]AmountDetail, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" || string(raw) == `""` {
		return nil, nil
	}
	var items []amountDetail
	switch raw[0] {
	case '[':
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, err
		}
	case '{':
		var one amountDetail
		if err := json.Unmarshal(raw, &one); err == nil && (one.Type != "" || one.Amt != "") {
			items = []amountDetail{one}
			break
		}
		_, vals, err := numberedEntries(raw, "detail_")
		if err != nil {
			return nil, err
		}
		for _, v := range vals {
			var d amountDetail
			if err := json.Unmarshal(v, &d); err != nil {
				return nil, err
			}
			items = append(items, d)
		}
	default:
		return nil, fmt.Errorf("unexpected %.20s", raw)
	}
	out := make([]AmountDetail, 0, len(items))
	for _, d := range items {
		amt, err := money.ParseDecimal(string(d.Amt))
		if err != nil {
			return nil, err
		}
		out = append(out, AmountDetail{Type: string(d.Type), Amount: amt})
	}
	return out, nil
}

// Unlink disconnects a linked OVO account from the merchant.
func (c *Client) Unlink(ctx context.Context, p *UnlinkParams) (*Unlink, error) {
	const op = "unlink"
	if p == nil || p.PhoneNo == "" {
		return nil, invalid(op, "The phone number is required.")
	}
	body := struct {
		Request        string `json:"request"`
		MerchantID     string `json:"merchant_id"`
		Merchant       string `json:"merchant"`
		PhoneNo        string `json:"phone_no"`
		PaymentChannel string `json:"payment_channel"`
		Signature      string `json:"signature"`
	}{reqUnlink, c.cfg.MerchantID, c.cfg.MerchantName, p.PhoneNo, c.cfg.PaymentChannel, c.sign(p.PhoneNo)}
	var r envelope
	if err := c.call(ctx, op, Paths.Unlink, body, provider.Write, &r, &r); err != nil {
		return nil, err
	}
	return &Unlink{Response: string(r.Response), ResponseCode: NormalizeCode(string(r.ResponseCode)), ResponseDesc: string(r.ResponseDesc)}, nil
}

func invalid(op, msg string) *provider.Error {
	return provider.NotSent("faspay", op, msg, nil)
}

// call posts body to path and decodes the answer into out, whose envelope is
// env. It returns nil only for response_code 00 on a 2xx answer. Reads are
// repeated by the transport when the answer is missing or unknown.
func (c *Client) call(ctx context.Context, op, path string, body any, kind provider.Kind, out any, env *envelope) error {
	payload, err := json.Marshal(body)
	if err != nil {
		return c.t.NotSent(op, "The request could not be built; nothing was sent.", err)
	}
	return c.t.Do(ctx, provider.Call{Op: op, Kind: kind}, func(ctx context.Context, _ int) error {
		if fe := c.attempt(ctx, op, kind, path, payload, out, env); fe != nil {
			return fe
		}
		return nil
	})
}

func (c *Client) attempt(ctx context.Context, op string, kind provider.Kind, path string, payload []byte, out any, env *envelope) *provider.Error {
	r, err := c.t.Send(ctx, op, kind, &provider.Request{Method: http.MethodPost, Path: path, Body: payload})
	if err != nil {
		return provider.Explain("faspay", op, err)
	}
	status := r.Status
	decErr := decodeJSON(r.Body, out) // out embeds env
	if decErr != nil || strings.TrimSpace(string(env.ResponseCode)) == "" {
		*env = envelope{}
		if decErr == nil {
			decErr = errors.New("no response_code in answer")
		}
		return c.t.BadAnswer(op, kind, status, decErr)
	}
	code := NormalizeCode(string(env.ResponseCode))
	c.t.Logger().LogAttrs(ctx, slog.LevelInfo, "faspay answer", slog.String("op", op), slog.String("response_code", code))
	if code == CodeSuccess && status >= 200 && status < 300 {
		return nil
	}
	fe := &provider.Error{Provider: "faspay", Op: op, HTTPStatus: status, Code: code, ProviderMessage: string(env.ResponseDesc)}
	if code == CodeSuccess {
		fe.Outcome = provider.Unknown
		fe.Message = fmt.Sprintf("Faspay answered success with HTTP %d; check before trying again.", status)
		return fe
	}
	fe.Message, fe.Outcome = clerkMessage(code, fe.ProviderMessage)
	if code == CodeTokenExpired {
		fe.Err = &TokenExpiredError{RegenerateURL: cleanRedirect(string(env.URL))}
	}
	return fe
}

func decodeJSON(raw []byte, out any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after JSON")
	}
	return nil
}
