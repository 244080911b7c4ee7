package oy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"backoffice/internal/providers/provider"
)

// MinCheckoutAmount is OY's documented minimum for links and invoices.
const MinCheckoutAmount = 15000

// MaxCheckoutAmount is the largest amount a link or invoice may ask for.
// OY's checkout page documents no maximum; its per-transaction limit (the
// disbursement code 215 and the staging mock) is Rp 100.000.000, and the
// dashboard holds links and invoices to the same figure (docs/providers/oy.md).
const MaxCheckoutAmount = 100_000_000

// Layouts for checkout requests. The page's parameter table says
// "dd-MM-yyyy HH:mm:ss" for expiration while its samples send
// "2020-08-08 08:09:12"; the samples are followed (unconfirmed).
const (
	CheckoutExpirationLayout = LayoutDateTime
	InvoiceItemDateLayout    = "2006-01-02"
)

// Checkout steps (the "step" parameter).
const (
	StepInputAmount         = "input-amount"
	StepInputPersonalInfo   = "input-personal-info"
	StepSelectPaymentMethod = "select-payment-method"
)

// CheckoutStatus is a payment link's or invoice's status, lower-cased.
type CheckoutStatus string

// Statuses from the page's callback table, its status sample and OY's
// newer docs (CONTRACT-NOTES.md). "charge_sucess" is spelled as OY does.
const (
	CheckoutCreated            CheckoutStatus = "created"
	CheckoutWaitingPayment     CheckoutStatus = "waiting_payment"
	CheckoutExpiredVA          CheckoutStatus = "expired_va"
	CheckoutExpired            CheckoutStatus = "expired"
	CheckoutChargeInProgress   CheckoutStatus = "charge_in_progress"
	CheckoutChargeSuccess      CheckoutStatus = "charge_sucess"
	CheckoutChargeFailed       CheckoutStatus = "charge_failed"
	CheckoutFailed             CheckoutStatus = "failed"
	CheckoutDisburseInProgress CheckoutStatus = "disburse_in_progress"
	CheckoutComplete           CheckoutStatus = "complete"
	CheckoutClosed             CheckoutStatus = "closed"
	CheckoutSuccess            CheckoutStatus = "success"
)

func normalizeCheckoutStatus(s string) CheckoutStatus {
	return CheckoutStatus(strings.ToLower(strings.TrimSpace(s)))
}

// Paid reports whether OY has received the customer's money.
func (s CheckoutStatus) Paid() bool {
	switch s {
	case CheckoutChargeSuccess, "charge_success", CheckoutSuccess, CheckoutDisburseInProgress, CheckoutComplete:
		return true
	}
	return false
}

// Final reports whether the link will not change any more.
func (s CheckoutStatus) Final() bool {
	switch s {
	case CheckoutComplete, CheckoutClosed, CheckoutExpired, CheckoutFailed:
		return true
	}
	return false
}

// Clerk is the status in a sentence.
func (s CheckoutStatus) Clerk() string {
	switch s {
	case CheckoutCreated:
		return "The link is open; the customer has not paid yet."
	case CheckoutWaitingPayment:
		return "The customer chose bank transfer; OY is waiting for the money."
	case CheckoutExpiredVA:
		return "The customer's transfer number expired unpaid; they can choose a payment method again."
	case CheckoutExpired:
		return "The link expired unpaid."
	case CheckoutChargeInProgress:
		return "The customer's card payment is being processed."
	case CheckoutChargeSuccess, "charge_success", CheckoutSuccess:
		return "OY has received the customer's payment."
	case CheckoutChargeFailed, CheckoutFailed:
		return "The customer's payment was rejected; no money was received."
	case CheckoutDisburseInProgress:
		return "The customer paid; OY is sending the money to our bank account."
	case CheckoutComplete:
		return "The customer paid and the money has been settled."
	case CheckoutClosed:
		return "The link was deleted."
	}
	return "OY reports a status this dashboard does not know (" + string(s) + "); check the link in OY."
}

// CheckoutParams creates a payment link (POST /api/payment-checkout/create-v2).
type CheckoutParams struct {
	PartnerTxID            string // unique; letters and digits only
	Description            string // letters, digits and spaces
	Notes                  string
	SenderName             string // letters and spaces
	Amount                 int64  // at least MinCheckoutAmount; the maximum when IsOpen
	Email                  string
	PhoneNumber            string // digits only
	IsOpen                 bool
	Step                   string // StepInputAmount (default), StepInputPersonalInfo, StepSelectPaymentMethod
	IncludeAdminFee        bool
	DisabledPaymentMethods []string  // "VA", "CREDIT_CARD", "DEBIT_CARD"
	EnabledBanks           []string  // VA banks, see CheckoutVABanks
	Expiration             time.Time // zero: OY's 24 hours
}

type wireCheckout struct {
	PartnerTxID            string `json:"partner_tx_id"`
	Description            string `json:"description"`
	Notes                  string `json:"notes"`
	SenderName             string `json:"sender_name"`
	Amount                 int64  `json:"amount"`
	Email                  string `json:"email"`
	PhoneNumber            string `json:"phone_number"`
	IsOpen                 bool   `json:"is_open"`
	Step                   string `json:"step"`
	IncludeAdminFee        bool   `json:"include_admin_fee"`
	ListDisabledPayMethods string `json:"list_disabled_payment_methods"`
	ListEnabledBanks       string `json:"list_enabled_banks"`
	Expiration             string `json:"expiration,omitempty"`
}

func (p *CheckoutParams) wire() wireCheckout {
	step := p.Step
	if step == "" {
		step = StepInputAmount
	}
	w := wireCheckout{
		PartnerTxID: p.PartnerTxID, Description: p.Description, Notes: p.Notes, SenderName: p.SenderName,
		Amount: p.Amount, Email: p.Email, PhoneNumber: p.PhoneNumber, IsOpen: p.IsOpen, Step: step,
		IncludeAdminFee: p.IncludeAdminFee, ListDisabledPayMethods: strings.Join(p.DisabledPaymentMethods, ","),
		ListEnabledBanks: strings.Join(p.EnabledBanks, ","),
	}
	if !p.Expiration.IsZero() {
		w.Expiration = p.Expiration.In(Jakarta).Format(CheckoutExpirationLayout)
	}
	return w
}

func (p *CheckoutParams) validate(op string) error {
	switch {
	case strings.TrimSpace(p.PartnerTxID) == "":
		return validation(op, "The link needs a reference (partner_tx_id); nothing was created.")
	case strings.TrimSpace(p.SenderName) == "":
		return validation(op, "The payer's name (sender_name) is required; nothing was created.")
	case !p.IsOpen && p.Amount <= 0:
		return validation(op, "A fixed-amount link needs an amount; nothing was created.")
	case p.Amount != 0 && p.Amount < MinCheckoutAmount:
		return validation(op, "The amount must be at least Rp 15.000; nothing was created.")
	case p.Amount > MaxCheckoutAmount:
		return validation(op, "The amount must be at most Rp 100.000.000; nothing was created.")
	}
	return nil
}

// InvoiceItem is one line of an invoice.
type InvoiceItem struct {
	Item           string
	Description    string
	Quantity       int64
	DateOfPurchase time.Time
	PricePerItem   int64
}

type wireInvoiceItem struct {
	Item           string `json:"item"`
	Description    string `json:"description"`
	Quantity       int64  `json:"quantity"`
	DateOfPurchase string `json:"date_of_purchase"`
	PricePerItem   int64  `json:"price_per_item"`
}

// InvoiceParams creates an invoice (POST /api/payment-checkout/create-invoice).
// Only create-invoice's documented fields are sent: the recurring fields
// belong to OY's "Recurring Invoice (Coming soon)", whose endpoint is TBD;
// the dashboard runs recurring invoices itself (internal/checkout).
type InvoiceParams struct {
	CheckoutParams
	PartnerUserID string
	FullName      string
	IsVALifetime  bool
	Attachment    string // base64 PDF, at most 2 MB
	Items         []InvoiceItem
}

type wireInvoice struct {
	wireCheckout
	PartnerUserID string            `json:"partner_user_id"`
	FullName      string            `json:"full_name"`
	IsVALifetime  bool              `json:"is_va_lifetime"`
	Attachment    string            `json:"attachment"`
	InvoiceItems  []wireInvoiceItem `json:"invoice_items"`
}

// CheckoutLink is OY's answer to a create.
type CheckoutLink struct {
	URL           string
	PaymentLinkID string
	Message       string
	EmailStatus   string
}

type wireCreated struct {
	Success       *jsonBool  `json:"success"`
	URL           jsonString `json:"url"`
	Message       jsonString `json:"message"`
	EmailStatus   jsonString `json:"email_status"`
	PaymentLinkID jsonString `json:"payment_link_id"`
}

// CreateCheckout creates a payment link. It is not resent automatically; on
// an Unknown error look it up with GetCheckout(partner_tx_id) first.
func (c *Client) CreateCheckout(ctx context.Context, p *CheckoutParams) (*CheckoutLink, error) {
	const op = "create payment link"
	if err := p.validate(op); err != nil {
		return nil, err
	}
	return c.create(ctx, op, "/api/payment-checkout/create-v2", p.wire())
}

// CreateInvoice creates an invoice.
func (c *Client) CreateInvoice(ctx context.Context, p *InvoiceParams) (*CheckoutLink, error) {
	const op = "create invoice"
	if err := p.validate(op); err != nil {
		return nil, err
	}
	w := wireInvoice{wireCheckout: p.wire(), PartnerUserID: p.PartnerUserID, FullName: p.FullName,
		IsVALifetime: p.IsVALifetime, Attachment: p.Attachment, InvoiceItems: []wireInvoiceItem{}}
	for _, it := range p.Items {
		wi := wireInvoiceItem{Item: it.Item, Description: it.Description, Quantity: it.Quantity, PricePerItem: it.PricePerItem}
		if !it.DateOfPurchase.IsZero() {
			wi.DateOfPurchase = it.DateOfPurchase.In(Jakarta).Format(InvoiceItemDateLayout)
		}
		w.InvoiceItems = append(w.InvoiceItems, wi)
	}
	return c.create(ctx, op, "/api/payment-checkout/create-invoice", w)
}

func (c *Client) create(ctx context.Context, op, path string, in any) (*CheckoutLink, error) {
	var r *provider.Response
	err := c.t.Do(ctx, provider.Call{Op: op, Kind: provider.Write}, func(ctx context.Context, _ int) error {
		var err error
		r, err = c.send(ctx, op, provider.Write, http.MethodPost, path, nil, in)
		return err
	})
	if err != nil {
		return nil, err
	}
	var w wireCreated
	if err := json.Unmarshal(r.Body, &w); err != nil || w.Success == nil {
		if err == nil {
			err = errors.New("no success flag in answer")
		}
		return nil, c.badAnswer(op, r, provider.Write, err)
	}
	if !*w.Success {
		return nil, checkoutRefusal(op, r.Status, string(w.Message))
	}
	if r.Status >= 300 || w.URL == "" {
		return nil, c.badAnswer(op, r, provider.Write, errors.New("success without a link"))
	}
	return &CheckoutLink{URL: string(w.URL), PaymentLinkID: string(w.PaymentLinkID), Message: string(w.Message),
		EmailStatus: string(w.EmailStatus)}, nil
}

// checkoutRefusal turns OY's "status": false messages into an *Error.
func checkoutRefusal(op string, httpStatus int, msg string) *provider.Error {
	e := &provider.Error{Provider: "oy", Op: op, HTTPStatus: httpStatus, ProviderMessage: msg, Outcome: provider.Rejected}
	low := strings.ToLower(msg)
	switch {
	case strings.Contains(low, "not found") && !strings.Contains(low, "username"):
		e.Message = "OY has no payment link with this id."
	case strings.Contains(low, "is empty"):
		e.Message = "The payment link id is missing."
	case strings.Contains(low, "not match"):
		e.Message = "This payment link belongs to another OY account."
	case strings.Contains(low, "api key"), strings.Contains(low, "username"):
		e.Message = "OY refused our credentials; check the OY settings."
	case strings.Contains(low, "ip address"):
		e.Message = "OY refused the request because this server's IP address is not registered with OY."
	case strings.Contains(low, "status transaction is"):
		e.Message = "This payment link can no longer be deleted: the customer has already started or finished paying."
	default:
		e.Message = "OY refused the request; nothing was changed."
	}
	return e
}

// CheckoutPayment is a link's payment state (status API and callback).
type CheckoutPayment struct {
	PartnerTxID    string
	TxRefNumber    string
	Amount         int64
	SenderName     string
	SenderPhone    string
	SenderNote     string
	Status         CheckoutStatus
	SenderBank     string
	PaymentMethod  string // CC, DC, VA
	VANumber       string
	SettlementType string // realtime / non-realtime
	Created        time.Time
	Updated        time.Time
	RawCreated     string
	RawUpdated     string
}

type wirePayment struct {
	PartnerTxID    jsonString      `json:"partner_tx_id"`
	TxRefNumber    jsonString      `json:"tx_ref_number"`
	Amount         jsonAmount      `json:"amount"`
	SenderName     jsonString      `json:"sender_name"`
	SenderPhone    jsonString      `json:"sender_phone"`
	SenderNote     jsonString      `json:"sender_note"`
	Status         json.RawMessage `json:"status"`
	SenderBank     jsonString      `json:"sender_bank"`
	PaymentMethod  jsonString      `json:"payment_method"`
	VANumber       jsonString      `json:"va_number"`
	SettlementType jsonString      `json:"settlement_type"`
	Created        jsonString      `json:"created"`
	Updated        jsonString      `json:"updated"`
	Message        jsonString      `json:"message"`
}

func (w *wirePayment) payment(status string) *CheckoutPayment {
	return &CheckoutPayment{
		PartnerTxID: string(w.PartnerTxID), TxRefNumber: string(w.TxRefNumber), Amount: int64(w.Amount),
		SenderName: string(w.SenderName), SenderPhone: string(w.SenderPhone), SenderNote: string(w.SenderNote),
		Status: normalizeCheckoutStatus(status), SenderBank: string(w.SenderBank), PaymentMethod: string(w.PaymentMethod),
		VANumber: string(w.VANumber), SettlementType: string(w.SettlementType),
		Created: parseAnyTime(string(w.Created)), Updated: parseAnyTime(string(w.Updated)),
		RawCreated: string(w.Created), RawUpdated: string(w.Updated),
	}
}

// statusWord reads "status" when it is the payment's status word; false
// when OY put a failure flag or code object there instead.
func statusWord(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	var s string
	if json.Unmarshal(raw, &s) != nil || strings.TrimSpace(s) == "" {
		return "", false
	}
	return s, true
}

// PaymentStatusParams asks for a link's latest state
// (GET /api/payment-checkout/status).
type PaymentStatusParams struct {
	PartnerTxID  string
	SendCallback bool // OY sends the latest callback again
}

// PaymentStatus returns the latest state of a payment link or invoice.
func (c *Client) PaymentStatus(ctx context.Context, p *PaymentStatusParams) (*CheckoutPayment, error) {
	const op = "payment status"
	if strings.TrimSpace(p.PartnerTxID) == "" {
		return nil, validation(op, "A payment link reference (partner_tx_id) is needed to ask OY for its status.")
	}
	q := url.Values{"partner_tx_id": {p.PartnerTxID}, "send_callback": {"false"}}
	if p.SendCallback {
		q.Set("send_callback", "true")
	}
	var out *CheckoutPayment
	err := c.t.Do(ctx, provider.Call{Op: op, Kind: provider.Read, Again: retryableRead}, func(ctx context.Context, _ int) error {
		r, err := c.send(ctx, op, provider.Read, http.MethodGet, "/api/payment-checkout/status", q, nil)
		if err != nil {
			return err
		}
		var w wirePayment
		if err := json.Unmarshal(r.Body, &w); err != nil {
			return c.badAnswer(op, r, provider.Read, err)
		}
		word, ok := statusWord(w.Status)
		if !ok {
			if isFalse(w.Status) && r.Status < 500 {
				return checkoutRefusal(op, r.Status, string(w.Message))
			}
			var env struct {
				Status wireStatus `json:"status"`
			}
			if json.Unmarshal(r.Body, &env) == nil && env.Status.Code != "" {
				return codeError(op, r.Status, string(env.Status.Code), string(env.Status.Message), provider.Read, Describe)
			}
			return c.badAnswer(op, r, provider.Read, errors.New("no status in answer"))
		}
		if r.Status >= 300 {
			return c.badAnswer(op, r, provider.Read, errors.New("status with an HTTP error"))
		}
		out = w.payment(word)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func isFalse(raw json.RawMessage) bool {
	var b jsonBool
	return len(bytes.TrimSpace(raw)) > 0 && b.UnmarshalJSON(raw) == nil && !bool(b)
}

// CheckoutDetail is a payment link or invoice as GET
// /api/payment-checkout/{id} returns it.
type CheckoutDetail struct {
	PartnerTxID            string
	PaymentLinkID          string
	Amount                 int64
	Username               string
	SenderName             string
	SenderPhoneNumber      string
	SenderNotes            string
	Status                 CheckoutStatus
	TxRefNumber            string
	Description            string
	IsOpen                 bool
	Step                   string
	Notes                  string
	PhoneNumber            string
	Email                  string
	IncludeAdminFee        bool
	DisabledPaymentMethods []string
	EnabledBanks           []string
	ExpirationTime         time.Time
	RawExpirationTime      string
	Invoice                *InvoiceData // nil for a plain payment link
}

// InvoiceData is the invoice part of a CheckoutDetail.
type InvoiceData struct {
	FullName           string
	IsVALifetime       bool
	IsScheduled        bool
	RecurringStartDate string
	RecurringEndDate   string
	RecurringFrequency int
	Items              []InvoiceItem // nil when RawItems could not be read
	RawItems           string        // OY sends the items as a JSON string
}

type wireDetail struct {
	PartnerTxID                jsonString `json:"partnerTxId"`
	PaymentLinkID              jsonString `json:"paymentLinkId"`
	Amount                     jsonAmount `json:"amount"`
	Username                   jsonString `json:"username"`
	SenderName                 jsonString `json:"senderName"`
	SenderPhoneNumber          jsonString `json:"senderPhoneNumber"`
	SenderNotes                jsonString `json:"senderNotes"`
	Status                     jsonString `json:"status"`
	TxRefNumber                jsonString `json:"txRefNumber"`
	Description                jsonString `json:"description"`
	IsOpen                     jsonBool   `json:"isOpen"`
	Step                       jsonString `json:"step"`
	Notes                      jsonString `json:"notes"`
	PhoneNumber                jsonString `json:"phoneNumber"`
	Email                      jsonString `json:"email"`
	IncludeAdminFee            jsonBool   `json:"includeAdminFee"`
	ListDisabledPaymentMethods jsonString `json:"listDisabledPaymentMethods"`
	ListEnabledBanks           jsonString `json:"listEnabledBanks"`
	ExpirationTime             jsonString `json:"expirationTime"`
	InvoiceData                *struct {
		FullName           jsonString `json:"fullName"`
		IsVaLifetime       jsonBool   `json:"isVaLifetime"`
		IsScheduled        jsonBool   `json:"isScheduled"`
		RecurringStartDate jsonString `json:"recurringStartDate"`
		RecurringEndDate   jsonString `json:"recurringEndDate"`
		RecurringFrequency jsonInt    `json:"recurringFrequency"`
		InvoiceItems       jsonString `json:"invoiceItems"`
	} `json:"invoiceData"`
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		out = append(out, strings.Trim(f, `"`))
	}
	return out
}

// parseInvoiceItems reads OY's invoiceItems JSON string; date_of_purchase
// comes as Unix ms in the Get sample and as "2006-01-02" in requests.
func parseInvoiceItems(raw string) []InvoiceItem {
	var items []struct {
		Item           jsonString      `json:"item"`
		Description    jsonString      `json:"description"`
		Quantity       jsonInt         `json:"quantity"`
		DateOfPurchase json.RawMessage `json:"date_of_purchase"`
		PricePerItem   jsonAmount      `json:"price_per_item"`
	}
	if strings.TrimSpace(raw) == "" || json.Unmarshal([]byte(raw), &items) != nil {
		return nil
	}
	out := make([]InvoiceItem, 0, len(items))
	for _, it := range items {
		var when time.Time
		var ms jsonInt
		var s jsonString
		if ms.UnmarshalJSON(it.DateOfPurchase) == nil && ms != 0 {
			when = msTime(int64(ms))
		} else if s.UnmarshalJSON(it.DateOfPurchase) == nil {
			when = parseAnyTime(string(s))
		}
		out = append(out, InvoiceItem{Item: string(it.Item), Description: string(it.Description), Quantity: int64(it.Quantity),
			DateOfPurchase: when, PricePerItem: int64(it.PricePerItem)})
	}
	return out
}

// checkoutCall runs GET or DELETE on /api/payment-checkout/{id}, whose
// answers are {"status": bool, "message": …, "data": …}.
// GET is a Read (repeated); DELETE is a Write (sent once).
func (c *Client) checkoutCall(ctx context.Context, op, method, id string, data any) error {
	if strings.TrimSpace(id) == "" {
		return validation(op, "The payment link id is missing.")
	}
	kind := kindFor(method)
	return c.t.Do(ctx, provider.Call{Op: op, Kind: kind, Again: retryableRead}, func(ctx context.Context, _ int) error {
		r, err := c.send(ctx, op, kind, method, "/api/payment-checkout/"+url.PathEscape(id), nil, nil)
		if err != nil {
			return err
		}
		var w struct {
			Status  *jsonBool       `json:"status"`
			Message jsonString      `json:"message"`
			Data    json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(r.Body, &w); err != nil || w.Status == nil {
			if err == nil {
				err = errors.New("no status flag in answer")
			}
			return c.badAnswer(op, r, kind, err)
		}
		if !*w.Status {
			if r.Status >= 500 {
				return c.badAnswer(op, r, kind, errors.New(string(w.Message)))
			}
			return checkoutRefusal(op, r.Status, string(w.Message))
		}
		if data != nil {
			if err := json.Unmarshal(w.Data, data); err != nil {
				return c.badAnswer(op, r, provider.Read, err)
			}
		}
		return nil
	})
}

// GetCheckout reads a payment link or invoice by payment_link_id or partner_tx_id.
func (c *Client) GetCheckout(ctx context.Context, id string) (*CheckoutDetail, error) {
	var w wireDetail
	if err := c.checkoutCall(ctx, "get payment link", http.MethodGet, id, &w); err != nil {
		return nil, err
	}
	d := &CheckoutDetail{
		PartnerTxID: string(w.PartnerTxID), PaymentLinkID: string(w.PaymentLinkID), Amount: int64(w.Amount),
		Username: string(w.Username), SenderName: string(w.SenderName), SenderPhoneNumber: string(w.SenderPhoneNumber),
		SenderNotes: string(w.SenderNotes), Status: normalizeCheckoutStatus(string(w.Status)), TxRefNumber: string(w.TxRefNumber),
		Description: string(w.Description), IsOpen: bool(w.IsOpen), Step: string(w.Step), Notes: string(w.Notes),
		PhoneNumber: string(w.PhoneNumber), Email: string(w.Email), IncludeAdminFee: bool(w.IncludeAdminFee),
		DisabledPaymentMethods: splitList(string(w.ListDisabledPaymentMethods)), EnabledBanks: splitList(string(w.ListEnabledBanks)),
		ExpirationTime: parseAnyTime(string(w.ExpirationTime)), RawExpirationTime: string(w.ExpirationTime),
	}
	if inv := w.InvoiceData; inv != nil {
		d.Invoice = &InvoiceData{
			FullName: string(inv.FullName), IsVALifetime: bool(inv.IsVaLifetime), IsScheduled: bool(inv.IsScheduled),
			RecurringStartDate: string(inv.RecurringStartDate), RecurringEndDate: string(inv.RecurringEndDate),
			RecurringFrequency: int(inv.RecurringFrequency), RawItems: string(inv.InvoiceItems),
			Items: parseInvoiceItems(string(inv.InvoiceItems)),
		}
	}
	return d, nil
}

// DeleteCheckout deletes a link whose customer has not chosen a payment
// method yet. It is not resent: a repeat would report "not eligible".
func (c *Client) DeleteCheckout(ctx context.Context, id string) error {
	return c.checkoutCall(ctx, "delete payment link", http.MethodDelete, id, nil)
}
