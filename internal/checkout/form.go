// Package checkout is the OY payment link and invoice workflow: the forms
// and their rules, create (sent once, settled by Get when OY's answer is
// lost), status, delete, the callback processor, and recurring invoices,
// which the dashboard runs itself through create-invoice.
package checkout

import (
	"bytes"
	"encoding/base64"
	"errors"
	"math"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/money"
	"backoffice/internal/phone"
	"backoffice/internal/providers/oy"
	"backoffice/internal/wib"
)

// Limits the forms enforce.
const (
	MaxItems          = 100
	MaxAttachment     = 2 << 20 // OY: one PDF of at most 2 MB
	DefaultExpiration = 24 * time.Hour
	// ExpirationLayout is the form's datetime-local value, WIB.
	ExpirationLayout = "2006-01-02T15:04"
)

// PaymentMethods are the methods a link may disable, as OY names them.
var PaymentMethods = []string{"VA", "CREDIT_CARD", "DEBIT_CARD"}

// Steps are the checkout pages a link may open on.
var Steps = []string{oy.StepInputAmount, oy.StepInputPersonalInfo, oy.StepSelectPaymentMethod}

// Line is one invoice line as typed.
type Line struct {
	Item, Description, Quantity, DateOfPurchase, PricePerItem string
}

// Form is a payment link or invoice form as typed, fields named as OY
// names its parameters.
type Form struct {
	PartnerTxID     string   `json:"partner_tx_id"`
	Description     string   `json:"description"`
	Notes           string   `json:"notes"`
	SenderName      string   `json:"sender_name"`
	Amount          string   `json:"amount"`
	Email           string   `json:"email"`
	PhoneNumber     string   `json:"phone_number"`
	IsOpen          bool     `json:"is_open"`
	Step            string   `json:"step"`
	IncludeAdminFee bool     `json:"include_admin_fee"`
	DisabledMethods []string `json:"list_disabled_payment_methods"`
	EnabledBanks    []string `json:"list_enabled_banks"`
	Expiration      string   `json:"expiration"`

	// Invoice only.
	Invoice        bool   `json:"invoice"`
	PartnerUserID  string `json:"partner_user_id"`
	FullName       string `json:"full_name"`
	IsVALifetime   bool   `json:"is_va_lifetime"`
	Lines          []Line `json:"lines"`
	AttachmentName string `json:"attachment_name"`
	// Attachment is the uploaded file's bytes (not kept in the template JSON).
	Attachment []byte `json:"attachment,omitempty"`
	// AttachmentTooBig: the upload was cut off at the size limit.
	AttachmentTooBig bool `json:"-"`
}

// Errors maps a field name to the sentence shown beside it, in the
// reader's language when it is shown.
type Errors map[string]i18n.Message

// Has reports whether field already has a sentence.
func (e Errors) Has(field string) bool { return !e[field].IsZero() }

func onlyRunes(s string, ok func(r rune) bool) bool {
	for _, r := range s {
		if !ok(r) {
			return false
		}
	}
	return true
}

func letterOrSpace(r rune) bool { return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r == ' ' }
func alnumOrSpace(r rune) bool  { return letterOrSpace(r) || (r >= '0' && r <= '9') }
func alnum(r rune) bool         { return alnumOrSpace(r) && r != ' ' }
func digit(r rune) bool         { return r >= '0' && r <= '9' }

// Validate checks every documented limitation and returns the checkout to
// store (status sending) or a sentence per wrong field. now is the time the
// default expiration counts from.
func (f *Form) Validate(now time.Time) (*models.Checkout, Errors) {
	e := Errors{}
	c := &models.Checkout{Kind: models.KindPaymentLink, Status: models.CheckoutSending, IsOpen: f.IsOpen, IncludeAdminFee: f.IncludeAdminFee}
	if f.Invoice {
		c.Kind = models.KindInvoice
	}
	ref := strings.TrimSpace(f.PartnerTxID)
	switch {
	case ref == "" && !f.IsOpen:
		e["partner_tx_id"] = i18n.M("checkout.err_ref_fixed")
	case ref == "":
		e["partner_tx_id"] = i18n.M("checkout.err_ref_empty")
	case len(ref) > 64 || !onlyRunes(ref, alnum):
		e["partner_tx_id"] = i18n.M("checkout.err_ref_format")
	}
	c.PartnerTxID = ref

	c.Description = strings.TrimSpace(f.Description)
	if !onlyRunes(c.Description, alnumOrSpace) || len(c.Description) > 255 {
		e["description"] = i18n.M("checkout.err_description")
	}
	c.Notes = strings.TrimSpace(f.Notes)
	if !onlyRunes(c.Notes, alnumOrSpace) || len(c.Notes) > 255 {
		e["notes"] = i18n.M("checkout.err_notes")
	}
	c.SenderName = strings.TrimSpace(f.SenderName)
	switch {
	case c.SenderName == "" && f.Step == oy.StepSelectPaymentMethod:
		e["sender_name"] = i18n.M("checkout.err_sender_step")
	case c.SenderName == "":
		e["sender_name"] = i18n.M("checkout.err_sender_empty")
	case !onlyRunes(c.SenderName, letterOrSpace) || len(c.SenderName) > 255:
		e["sender_name"] = i18n.M("checkout.err_sender_format")
	}

	c.Step = f.Step
	if c.Step == "" {
		c.Step = oy.StepInputAmount
	}
	if !slices.Contains(Steps, c.Step) {
		e["step"] = i18n.M("checkout.err_step")
	}

	var lineTotal int64
	linesOK := true
	var items []models.InvoiceLine
	if f.Invoice {
		items, lineTotal, linesOK = f.validateLines(e)
	}
	amountText := strings.TrimSpace(f.Amount)
	if amountText == "" && f.Invoice && linesOK && lineTotal > 0 {
		c.Amount = lineTotal
	} else if amountText != "" {
		v, err := money.ParseInput(amountText)
		switch {
		case err != nil:
			e["amount"] = i18n.M("checkout.err_amount_format")
		case v < oy.MinCheckoutAmount:
			e["amount"] = i18n.M("checkout.err_amount_min")
		case v > oy.MaxCheckoutAmount:
			e["amount"] = i18n.M("checkout.err_amount_max")
		case f.Invoice && linesOK && lineTotal > 0 && v != lineTotal:
			e["amount"] = i18n.M("checkout.err_amount_lines", "Total", money.Format(lineTotal))
		}
		c.Amount = v
	}
	if c.Amount == 0 && !e.Has("amount") {
		switch {
		case !f.IsOpen:
			e["amount"] = i18n.M("checkout.err_amount_fixed")
		case c.Step == oy.StepInputPersonalInfo:
			e["amount"] = i18n.M("checkout.err_amount_personal")
		case c.Step == oy.StepSelectPaymentMethod:
			e["amount"] = i18n.M("checkout.err_amount_method")
		}
	}

	c.Email = strings.TrimSpace(f.Email)
	if c.Email != "" {
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email {
			e["email"] = i18n.M("checkout.err_email")
		}
	}
	c.PhoneNumber = strings.TrimSpace(f.PhoneNumber)
	if c.PhoneNumber != "" {
		if !onlyRunes(c.PhoneNumber, digit) {
			e["phone_number"] = i18n.M("checkout.err_phone_digits")
		} else if _, err := phone.Normalise(c.PhoneNumber); err != nil {
			// Digits only here, so the number is too short or long, or not a mobile one.
			if errors.Is(err, phone.ErrLength) {
				e["phone_number"] = i18n.M("checkout.err_phone_length")
			} else {
				e["phone_number"] = i18n.M("checkout.err_phone_not_id")
			}
		}
	}

	for _, m := range f.DisabledMethods {
		if !slices.Contains(PaymentMethods, m) {
			e["list_disabled_payment_methods"] = i18n.M("checkout.err_methods")
		}
	}
	if !e.Has("list_disabled_payment_methods") && len(f.DisabledMethods) > 0 &&
		!slices.ContainsFunc(PaymentMethods, func(m string) bool { return !slices.Contains(f.DisabledMethods, m) }) {
		e["list_disabled_payment_methods"] = i18n.M("checkout.err_methods_all")
	}
	c.DisabledPaymentMethods = strings.Join(f.DisabledMethods, ",")
	for _, b := range f.EnabledBanks {
		if !slices.Contains(oy.CheckoutVABanks, b) {
			e["list_enabled_banks"] = i18n.M("checkout.err_banks")
		}
	}
	if len(f.EnabledBanks) > 0 && slices.Contains(f.DisabledMethods, "VA") && !e.Has("list_enabled_banks") {
		e["list_enabled_banks"] = i18n.M("checkout.err_banks_va_off")
	}
	c.EnabledBanks = strings.Join(f.EnabledBanks, ",")

	exp := now.Add(DefaultExpiration)
	if s := strings.TrimSpace(f.Expiration); s != "" {
		t, err := time.ParseInLocation(ExpirationLayout, s, wib.Zone)
		switch {
		case err != nil:
			e["expiration"] = i18n.M("checkout.err_expiration")
		case !t.After(now.Add(5 * time.Minute)):
			e["expiration"] = i18n.M("checkout.err_expiration_soon")
		default:
			exp = t
		}
	}
	c.Expiration = exp.UTC().Truncate(time.Second)

	if f.Invoice {
		c.PartnerUserID = strings.TrimSpace(f.PartnerUserID)
		c.FullName = strings.TrimSpace(f.FullName)
		c.IsVALifetime = f.IsVALifetime
		if len(c.PartnerUserID) > 64 {
			e["partner_user_id"] = i18n.M("invoices.err_customer_id")
		}
		if len(c.FullName) > 255 {
			e["full_name"] = i18n.M("invoices.err_full_name")
		}
		if f.IsVALifetime && (c.PartnerUserID == "" || slices.Contains(f.DisabledMethods, "VA")) {
			e["is_va_lifetime"] = i18n.M("invoices.err_va_lifetime")
		}
		if linesOK {
			c.ItemsJSON = linesJSON(items)
		}
		switch {
		case f.AttachmentTooBig || len(f.Attachment) > MaxAttachment:
			e["attachment"] = i18n.M("invoices.err_attachment_size")
		case len(f.Attachment) > 0 && !bytes.HasPrefix(f.Attachment, []byte("%PDF-")):
			e["attachment"] = i18n.M("invoices.err_attachment_pdf")
		case len(f.Attachment) > 0:
			c.Attachment = base64.StdEncoding.EncodeToString(f.Attachment)
			c.AttachmentName = f.AttachmentName
		}
	}
	if len(e) > 0 {
		return nil, e
	}
	return c, nil
}

// validateLines checks the line items and adds them up in int64 rupiah.
func (f *Form) validateLines(e Errors) ([]models.InvoiceLine, int64, bool) {
	var lines []Line
	for _, l := range f.Lines {
		if strings.TrimSpace(l.Item+l.Description+l.Quantity+l.DateOfPurchase+l.PricePerItem) != "" {
			lines = append(lines, l)
		}
	}
	switch {
	case len(lines) == 0:
		e["items"] = i18n.M("invoices.err_no_lines")
		return nil, 0, false
	case len(lines) > MaxItems:
		e["items"] = i18n.M("invoices.err_too_many_lines", "Max", MaxItems, "Lines", len(lines))
		return nil, 0, false
	}
	var out []models.InvoiceLine
	var total int64
	ok := true
	for i, l := range lines {
		n := i + 1
		bad := func(key string) {
			if _, seen := e["items"]; !seen {
				e["items"] = i18n.M(key, "Line", n)
			}
			ok = false
		}
		item := strings.TrimSpace(l.Item)
		q, qErr := strconv.ParseInt(strings.TrimSpace(l.Quantity), 10, 64)
		p, pErr := money.ParseInput(strings.TrimSpace(l.PricePerItem))
		date := strings.TrimSpace(l.DateOfPurchase)
		switch {
		case item == "":
			bad("invoices.err_line_item")
		case len(item) > 255 || len(l.Description) > 255:
			bad("invoices.err_line_long")
		case qErr != nil || q < 1:
			bad("invoices.err_line_qty")
		case pErr != nil || p < 1:
			bad("invoices.err_line_price")
		case q > math.MaxInt64/p || total > math.MaxInt64-q*p:
			bad("invoices.err_line_overflow")
		case date != "" && !validDate(date):
			bad("invoices.err_line_date")
		default:
			total += q * p
			out = append(out, models.InvoiceLine{Item: item, Description: strings.TrimSpace(l.Description), Quantity: q, DateOfPurchase: date, PricePerItem: p})
			continue
		}
		return nil, 0, false
	}
	if ok && total > oy.MaxCheckoutAmount {
		e["items"] = i18n.M("invoices.err_lines_total", "Total", money.Format(total))
		return nil, 0, false
	}
	return out, total, ok
}

func validDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}
