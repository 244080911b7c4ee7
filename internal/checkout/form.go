// Package checkout is the OY payment link and invoice workflow: the forms
// and their rules, create (sent once, settled by Get when OY's answer is
// lost), status, delete, the callback processor, and recurring invoices,
// which the dashboard runs itself through create-invoice.
package checkout

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"

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

// Errors maps a field name to the sentence shown beside it.
type Errors map[string]string

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
		e["partner_tx_id"] = "A fixed-amount link (is_open off) needs its reference, partner_tx_id."
	case ref == "":
		e["partner_tx_id"] = "Give it a reference (partner_tx_id); the dashboard follows the payment by it."
	case len(ref) > 64 || !onlyRunes(ref, alnum):
		e["partner_tx_id"] = "The reference may hold only letters and digits (no spaces or symbols), at most 64."
	}
	c.PartnerTxID = ref

	c.Description = strings.TrimSpace(f.Description)
	if !onlyRunes(c.Description, alnumOrSpace) || len(c.Description) > 255 {
		e["description"] = "The description may hold only letters, digits and spaces (OY refuses anything else)."
	}
	c.Notes = strings.TrimSpace(f.Notes)
	if !onlyRunes(c.Notes, alnumOrSpace) || len(c.Notes) > 255 {
		e["notes"] = "The notes may hold only letters, digits and spaces (OY refuses anything else)."
	}
	c.SenderName = strings.TrimSpace(f.SenderName)
	switch {
	case c.SenderName == "" && f.Step == oy.StepSelectPaymentMethod:
		e["sender_name"] = "Opening on the payment-method step needs the payer's name (sender_name)."
	case c.SenderName == "":
		e["sender_name"] = "Type the payer's name (sender_name); OY requires it."
	case !onlyRunes(c.SenderName, letterOrSpace) || len(c.SenderName) > 255:
		e["sender_name"] = "The payer's name may hold only letters and spaces (no digits, dots or apostrophes)."
	}

	c.Step = f.Step
	if c.Step == "" {
		c.Step = oy.StepInputAmount
	}
	if !slices.Contains(Steps, c.Step) {
		e["step"] = "Choose the page the customer starts on from the list."
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
			e["amount"] = "Type the amount in whole rupiah, like 150000 or 150.000."
		case v < oy.MinCheckoutAmount:
			e["amount"] = "The amount must be at least Rp 15.000, OY's minimum."
		case v > oy.MaxCheckoutAmount:
			e["amount"] = "The amount must be at most Rp 100.000.000."
		case f.Invoice && linesOK && lineTotal > 0 && v != lineTotal:
			e["amount"] = fmt.Sprintf("The amount must equal the line items' total, %s; leave it empty to use the total.", money.Format(lineTotal))
		}
		c.Amount = v
	}
	if c.Amount == 0 && e["amount"] == "" {
		switch {
		case !f.IsOpen:
			e["amount"] = "A fixed-amount link (is_open off) needs an amount."
		case c.Step == oy.StepInputPersonalInfo:
			e["amount"] = "Opening on the personal-info step needs an amount."
		case c.Step == oy.StepSelectPaymentMethod:
			e["amount"] = "Opening on the payment-method step needs an amount and the payer's name."
		}
	}

	c.Email = strings.TrimSpace(f.Email)
	if c.Email != "" {
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email {
			e["email"] = "Type one email address, like budi@example.co.id, or leave it empty."
		}
	}
	c.PhoneNumber = strings.TrimSpace(f.PhoneNumber)
	if c.PhoneNumber != "" {
		if !onlyRunes(c.PhoneNumber, digit) {
			e["phone_number"] = "Type the phone number in digits only, like 081234567890 or 6281234567890 (no +, spaces or dashes)."
		} else if _, err := phone.Normalise(c.PhoneNumber); err != nil {
			e["phone_number"] = err.Error()
		}
	}

	for _, m := range f.DisabledMethods {
		if !slices.Contains(PaymentMethods, m) {
			e["list_disabled_payment_methods"] = "Choose payment methods from the list."
		}
	}
	if e["list_disabled_payment_methods"] == "" && len(f.DisabledMethods) > 0 &&
		!slices.ContainsFunc(PaymentMethods, func(m string) bool { return !slices.Contains(f.DisabledMethods, m) }) {
		e["list_disabled_payment_methods"] = "Leave at least one payment method enabled; OY needs one to take the payment."
	}
	c.DisabledPaymentMethods = strings.Join(f.DisabledMethods, ",")
	for _, b := range f.EnabledBanks {
		if !slices.Contains(oy.CheckoutVABanks, b) {
			e["list_enabled_banks"] = "Choose banks from the list: OY offers BRI, Mandiri, BNI, Permata and CIMB for checkout transfers."
		}
	}
	if len(f.EnabledBanks) > 0 && slices.Contains(f.DisabledMethods, "VA") && e["list_enabled_banks"] == "" {
		e["list_enabled_banks"] = "Banks apply to bank transfer (VA), which is disabled; enable VA or clear the banks."
	}
	c.EnabledBanks = strings.Join(f.EnabledBanks, ",")

	exp := now.Add(DefaultExpiration)
	if s := strings.TrimSpace(f.Expiration); s != "" {
		t, err := time.ParseInLocation(ExpirationLayout, s, wib.Zone)
		switch {
		case err != nil:
			e["expiration"] = "Pick the date and time the link stops working (WIB)."
		case !t.After(now.Add(5 * time.Minute)):
			e["expiration"] = "The expiry must be at least 5 minutes from now."
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
			e["partner_user_id"] = "The customer id is at most 64 characters."
		}
		if len(c.FullName) > 255 {
			e["full_name"] = "The customer's full name is at most 255 characters."
		}
		if f.IsVALifetime && (c.PartnerUserID == "" || slices.Contains(f.DisabledMethods, "VA")) {
			e["is_va_lifetime"] = "A lifetime VA needs the customer id (partner_user_id) and bank transfer (VA) enabled."
		}
		if linesOK {
			c.ItemsJSON = linesJSON(items)
		}
		switch {
		case f.AttachmentTooBig || len(f.Attachment) > MaxAttachment:
			e["attachment"] = "The attachment is larger than 2 MB, OY's limit; attach a smaller PDF."
		case len(f.Attachment) > 0 && !bytes.HasPrefix(f.Attachment, []byte("%PDF-")):
			e["attachment"] = "The attachment is not a PDF (its content is not a PDF, whatever its name); attach a PDF."
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
		e["items"] = "Add at least one line item."
		return nil, 0, false
	case len(lines) > MaxItems:
		e["items"] = fmt.Sprintf("An invoice holds at most %d line items; this one has %d.", MaxItems, len(lines))
		return nil, 0, false
	}
	var out []models.InvoiceLine
	var total int64
	ok := true
	for i, l := range lines {
		n := i + 1
		bad := func(msg string) {
			if _, seen := e["items"]; !seen {
				e["items"] = fmt.Sprintf("Line %d: %s", n, msg)
			}
			ok = false
		}
		item := strings.TrimSpace(l.Item)
		q, qErr := strconv.ParseInt(strings.TrimSpace(l.Quantity), 10, 64)
		p, pErr := money.ParseInput(strings.TrimSpace(l.PricePerItem))
		date := strings.TrimSpace(l.DateOfPurchase)
		switch {
		case item == "":
			bad("name the item.")
		case len(item) > 255 || len(l.Description) > 255:
			bad("the item and its description are at most 255 characters each.")
		case qErr != nil || q < 1:
			bad("the quantity is a whole number of at least 1.")
		case pErr != nil || p < 1:
			bad("the price per item is a whole number of rupiah, at least Rp 1.")
		case q > math.MaxInt64/p || total > math.MaxInt64-q*p:
			bad("quantity times price is far beyond any invoice; check both.")
		case date != "" && !validDate(date):
			bad("pick the date of purchase from the calendar.")
		default:
			total += q * p
			out = append(out, models.InvoiceLine{Item: item, Description: strings.TrimSpace(l.Description), Quantity: q, DateOfPurchase: date, PricePerItem: p})
			continue
		}
		return nil, 0, false
	}
	if ok && total > oy.MaxCheckoutAmount {
		e["items"] = fmt.Sprintf("The line items add up to %s, above the Rp 100.000.000 an invoice may ask for.", money.Format(total))
		return nil, 0, false
	}
	return out, total, ok
}

func validDate(s string) bool {
	_, err := time.Parse("2006-01-02", s)
	return err == nil
}
