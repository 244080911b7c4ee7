package checkout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"backoffice/internal/i18n"
	"backoffice/internal/lifecycle"
	"backoffice/internal/models"
	"backoffice/internal/providers/oy"
	"backoffice/internal/providers/provider"
	"backoffice/internal/store"
)

// Timings of the create and of settling a lost answer.
const (
	sendTimeout = 40 * time.Second
	// NotFoundGrace: OY having no record of a reference this long after the
	// create was sent means it never received it.
	NotFoundGrace = 30 * time.Minute
	// stuckSending: a row still sending after this was left by a process
	// that stopped mid-request; the poller settles it with Get.
	stuckSending = 2 * time.Minute
)

var backoff = lifecycle.Backoff{First: 5 * time.Second, Max: 10 * time.Minute}

// Options configure the service.
type Options struct {
	Now func() time.Time
	// LinkURL builds the customer's URL from OY's payment_link_id, for a
	// link whose create answer was lost and was found by Get (Get returns
	// no URL).
	LinkURL func(kind models.CheckoutKind, id string) string
}

// Service runs payment links, invoices and recurring invoices.
type Service struct {
	store *store.Store
	oy    *oy.Client
	log   *slog.Logger
	opts  Options
}

// New builds the service.
func New(st *store.Store, c *oy.Client, log *slog.Logger, opts Options) *Service {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.LinkURL == nil {
		opts.LinkURL = ProductionLinkURL
	}
	if log == nil {
		log = slog.Default()
	}
	return &Service{store: st, oy: c, log: log, opts: opts}
}

// ProductionLinkURL is where OY serves a link or invoice (its samples).
func ProductionLinkURL(kind models.CheckoutKind, id string) string {
	if kind == models.KindInvoice {
		return "https://pay.oyindonesia.com/invoice/" + id
	}
	return "https://pay.oyindonesia.com/" + id
}

func (s *Service) now() time.Time { return s.opts.Now().UTC() }

// NewRef makes a partner_tx_id for a new form (letters and digits only).
func (s *Service) NewRef(kind models.CheckoutKind) string {
	if kind == models.KindInvoice {
		return lifecycle.Ref("INV", s.now())
	}
	return lifecycle.Ref("PL", s.now())
}

// ErrDuplicateRef: the partner_tx_id is already used in the dashboard.
var ErrDuplicateRef = errors.New("checkout: partner_tx_id already used")

// Create stores the link or invoice, then sends it to OY once. The
// returned checkout is as stored after OY's answer (created, refused, or
// unknown while a lost answer is settled by Get).
func (s *Service) Create(ctx context.Context, c *models.Checkout, audit *models.AuditEntry) (*models.Checkout, error) {
	next := s.now().Add(stuckSending)
	c.NextCheckAt = &next
	if err := s.store.CreateCheckout(ctx, c, audit); err != nil {
		if errors.Is(err, store.ErrDuplicate) {
			return nil, ErrDuplicateRef
		}
		return nil, err
	}
	if err := s.send(ctx, c); err != nil {
		return nil, err
	}
	return s.store.Checkout(ctx, c.ID)
}

func params(c *models.Checkout) oy.CheckoutParams {
	p := oy.CheckoutParams{PartnerTxID: c.PartnerTxID, Description: c.Description, Notes: c.Notes, SenderName: c.SenderName,
		Amount: c.Amount, Email: c.Email, PhoneNumber: c.PhoneNumber, IsOpen: c.IsOpen, Step: c.Step, IncludeAdminFee: c.IncludeAdminFee,
		Expiration: c.Expiration}
	if c.DisabledPaymentMethods != "" {
		p.DisabledPaymentMethods = strings.Split(c.DisabledPaymentMethods, ",")
	}
	if c.EnabledBanks != "" {
		p.EnabledBanks = strings.Split(c.EnabledBanks, ",")
	}
	return p
}

// Lines reads an invoice's stored line items.
func Lines(c *models.Checkout) []models.InvoiceLine {
	var out []models.InvoiceLine
	_ = json.Unmarshal([]byte(c.ItemsJSON), &out)
	return out
}

func linesJSON(lines []models.InvoiceLine) string {
	b, _ := json.Marshal(lines)
	return string(b)
}

// send makes the one create request of a stored checkout and records
// OY's answer. It never sends again: a lost answer is settled by Get.
func (s *Service) send(ctx context.Context, c *models.Checkout) error {
	link, outcome, err := lifecycle.Send(ctx, sendTimeout, func(ctx context.Context) (*oy.CheckoutLink, error) {
		if c.Kind == models.KindInvoice {
			p := &oy.InvoiceParams{CheckoutParams: params(c), PartnerUserID: c.PartnerUserID, FullName: c.FullName,
				IsVALifetime: c.IsVALifetime, Attachment: c.Attachment}
			for _, l := range Lines(c) {
				it := oy.InvoiceItem{Item: l.Item, Description: l.Description, Quantity: l.Quantity, PricePerItem: l.PricePerItem}
				if d, err := time.ParseInLocation("2006-01-02", l.DateOfPurchase, oy.Jakarta); err == nil {
					it.DateOfPurchase = d
				}
				p.Items = append(p.Items, it)
			}
			return s.oy.CreateInvoice(ctx, p)
		}
		p := params(c)
		return s.oy.CreateCheckout(ctx, &p)
	})
	ch := store.CheckoutChange{Source: "create", Sent: true, ActorEmail: c.MakerEmail}
	switch outcome {
	case provider.Succeeded:
		ch.To, ch.URL, ch.PaymentLinkID, ch.EmailStatus, ch.ClearCheck = models.CheckoutCreated, link.URL, link.PaymentLinkID, link.EmailStatus, true
		ch.Message = "OY created it"
		if link.EmailStatus != "" {
			ch.Message += "; email status " + link.EmailStatus
		}
	case provider.Rejected:
		ch.To, ch.ClearCheck, ch.OYMessage = models.CheckoutRefused, true, provider.MessageOf(err)
		ch.Message = "OY refused it; nothing was created: " + provider.MessageOf(err)
		if pe, ok := provider.AsError(err); ok && pe.ProviderMessage != "" {
			ch.Message += " (OY: " + pe.ProviderMessage + ")"
		}
	default:
		next := backoff.Next(0, s.now())
		ch.To, ch.NextCheckAt = models.CheckoutUnknown, &next
		ch.Message = "OY's answer did not arrive (" + provider.MessageOf(err) + "); it is looked up with Get by its partner_tx_id, never created again"
	}
	if _, err := s.store.ApplyCheckout(context.WithoutCancel(ctx), c.ID, ch, nil); err != nil {
		return err
	}
	if ch.To == models.CheckoutUnknown {
		cur, err := s.store.Checkout(ctx, c.ID)
		if err != nil {
			return err
		}
		return s.Settle(ctx, cur)
	}
	return nil
}

// Settle looks a link whose create answer was lost up with Get: found, it
// takes OY's state; not found long after it was sent, it never reached OY.
func (s *Service) Settle(ctx context.Context, c *models.Checkout) error {
	d, err := s.oy.GetCheckout(ctx, c.PartnerTxID)
	ch := store.CheckoutChange{Source: "get"}
	switch {
	case err == nil:
		to, ok := models.CheckoutStatusFor(string(d.Status))
		if !ok {
			to = models.CheckoutCreated
		}
		ch.To, ch.PaymentLinkID, ch.ClearCheck = to, d.PaymentLinkID, true
		if c.URL == "" && d.PaymentLinkID != "" {
			ch.URL = s.opts.LinkURL(c.Kind, d.PaymentLinkID)
		}
		ch.Message = "Get found it at OY (status " + strings.ToUpper(string(d.Status)) + "); it was created once"
	case provider.IsRejected(err) && notFound(err):
		sent := c.CreatedAt
		if c.SentAt != nil {
			sent = *c.SentAt
		}
		if lifecycle.NotFoundFailed(sent, s.now(), NotFoundGrace) {
			ch.To, ch.ClearCheck = models.CheckoutRefused, true
			ch.Message = "OY has no record of it 30 minutes after it was sent: it was never created and cannot be paid; make a new one"
			break
		}
		next := backoff.Next(c.Checks+1, s.now())
		ch.NextCheckAt = &next
	default:
		next := backoff.Next(c.Checks+1, s.now())
		ch.NextCheckAt = &next
	}
	_, err = s.store.ApplyCheckout(context.WithoutCancel(ctx), c.ID, ch, nil)
	return err
}

func notFound(err error) bool {
	pe, ok := provider.AsError(err)
	return ok && strings.Contains(strings.ToLower(pe.ProviderMessage), "not found") && !strings.Contains(strings.ToLower(pe.ProviderMessage), "username")
}

// Poll settles every link whose check is due: lost create answers, and
// rows a stopped process left while sending.
func (s *Service) Poll(ctx context.Context) (int, error) {
	due, err := s.store.DueCheckoutChecks(ctx, s.now(), 50)
	if err != nil {
		return 0, err
	}
	for i := range due {
		c := &due[i]
		if c.Status != models.CheckoutUnknown && c.Status != models.CheckoutSending {
			continue
		}
		if err := s.Settle(ctx, c); err != nil {
			return i, err
		}
	}
	return len(due), nil
}

// RunPoller polls until ctx ends.
func (s *Service) RunPoller(ctx context.Context, every time.Duration) {
	lifecycle.Poller{Name: "checkout", Log: s.log, Every: every,
		Poll: func(ctx context.Context) error { _, err := s.Poll(ctx); return err }}.Run(ctx)
}

func paymentOf(p *oy.CheckoutPayment) *store.CheckoutPayment {
	return &store.CheckoutPayment{Amount: p.Amount, PaymentMethod: p.PaymentMethod, SenderBank: p.SenderBank, VANumber: p.VANumber,
		TxRefNumber: p.TxRefNumber, PayerName: p.SenderName}
}

// Refresh asks OY's Payment Status and applies it; it returns Get's view
// of the link too, for the detail page.
func (s *Service) Refresh(ctx context.Context, c *models.Checkout, actor string) (*oy.CheckoutDetail, error) {
	if c.Status == models.CheckoutUnknown || c.Status == models.CheckoutSending {
		return nil, s.Settle(ctx, c)
	}
	if c.Status == models.CheckoutRefused {
		return nil, nil
	}
	st, err := s.oy.PaymentStatus(ctx, &oy.PaymentStatusParams{PartnerTxID: c.PartnerTxID})
	if err != nil {
		return nil, err
	}
	ch := store.CheckoutChange{Source: "status", ActorEmail: actor, Payment: paymentOf(st),
		Message: "Payment Status says " + string(st.Status)}
	if to, ok := models.CheckoutStatusFor(string(st.Status)); ok {
		ch.To = to
	}
	if _, err := s.store.ApplyCheckout(ctx, c.ID, ch, nil); err != nil {
		return nil, err
	}
	d, err := s.oy.GetCheckout(ctx, c.PartnerTxID)
	if err != nil {
		return nil, err
	}
	return d, nil
}

// DeleteError is a delete OY did not carry out, in the clerk's words.
type DeleteError struct {
	key    string
	status models.CheckoutStatus // the link's status, when that is why
	reason string                // OY's refusal as the provider layer words it
}

// In is the sentence in ctx's language.
func (e *DeleteError) In(ctx context.Context) string {
	return i18n.T(ctx, e.key, "Status", strings.ToLower(i18n.T(ctx, e.status.LabelKey())), "Reason", e.reason)
}

func (e *DeleteError) Error() string { return e.In(i18n.With(context.Background(), i18n.EN)) }

// Delete deletes a link the customer has not started paying.
func (s *Service) Delete(ctx context.Context, c *models.Checkout, audit *models.AuditEntry) error {
	if !c.Status.Deletable() {
		return &DeleteError{key: "checkout.delete_not_deletable", status: c.Status}
	}
	err := s.oy.DeleteCheckout(ctx, c.PartnerTxID)
	switch {
	case err == nil:
		_, err = s.store.ApplyCheckout(ctx, c.ID, store.CheckoutChange{To: models.CheckoutClosed, Source: "delete", ActorEmail: audit.ActorEmail,
			Message: "deleted at OY", ClearCheck: true}, audit)
		return err
	case provider.IsRejected(err):
		return &DeleteError{key: "checkout.delete_refused", reason: provider.MessageOf(err)}
	default:
		return &DeleteError{key: "checkout.delete_unknown"}
	}
}

// ProcessCallback applies an OY checkout callback. OY signs nothing, so
// the state is confirmed with Payment Status first; a partner_tx_id the
// dashboard does not hold is looked up with Get before it is unmatched.
func (s *Service) ProcessCallback(ctx context.Context, cb *models.Callback) store.ProcessResult {
	parsed, _ := cb.Parsed.(*oy.CheckoutCallback)
	if parsed == nil {
		var err error
		if parsed, err = oy.ParseCheckoutCallback(cb.Body); err != nil {
			return store.ProcessResult{Outcome: models.CallbackUnmatched, Detail: "The body could not be read: " + err.Error()}
		}
	}
	ref := parsed.PartnerTxID
	c, err := s.store.CheckoutByRef(ctx, ref)
	if errors.Is(err, store.ErrNotFound) {
		c, err = s.importFromOY(ctx, ref)
		if c == nil && err == nil {
			return store.ProcessResult{Outcome: models.CallbackUnmatched,
				Detail: "No payment link or invoice in the dashboard or at OY (Get) has this partner_tx_id; the callback is kept and changes nothing."}
		}
	}
	if err != nil {
		return retryLater(err)
	}
	id := strconv.FormatInt(c.ID, 10)
	confirmed, err := s.oy.PaymentStatus(ctx, &oy.PaymentStatusParams{PartnerTxID: ref})
	if err != nil {
		r := retryLater(fmt.Errorf("could not confirm with OY's Payment Status: %s", provider.MessageOf(err)))
		r.RecordType, r.RecordID = string(c.Kind), id
		return r
	}
	to, ok := models.CheckoutStatusFor(string(confirmed.Status))
	detail := fmt.Sprintf("Callback said %s; Payment Status confirmed %s.", parsed.Status, confirmed.Status)
	if !ok {
		detail += " The dashboard does not know this status; nothing changed."
	}
	cbID := cb.ID
	ch := store.CheckoutChange{To: to, Payment: paymentOf(confirmed), Source: "callback", CallbackID: &cbID, Message: detail}
	return store.ProcessResult{RecordType: string(c.Kind), RecordID: id, Detail: detail, Outcome: models.CallbackApplied,
		Change: store.CheckoutMove{ID: c.ID, Change: ch}}
}

// importFromOY reads a link the dashboard does not hold with Get and
// stores it; nil, nil when OY has none either.
func (s *Service) importFromOY(ctx context.Context, ref string) (*models.Checkout, error) {
	d, err := s.oy.GetCheckout(ctx, ref)
	if provider.IsRejected(err) && notFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("could not look the partner_tx_id up with OY's Get: %s", provider.MessageOf(err))
	}
	c := &models.Checkout{Kind: models.KindPaymentLink, PartnerTxID: d.PartnerTxID, Status: models.CheckoutCreated,
		Description: d.Description, Notes: d.Notes, SenderName: d.SenderName, Amount: d.Amount, Email: d.Email, PhoneNumber: d.PhoneNumber,
		IsOpen: d.IsOpen, Step: d.Step, IncludeAdminFee: d.IncludeAdminFee, DisabledPaymentMethods: strings.Join(d.DisabledPaymentMethods, ","),
		EnabledBanks: strings.Join(d.EnabledBanks, ","), PaymentLinkID: d.PaymentLinkID, MakerEmail: "OY"}
	if !d.ExpirationTime.IsZero() {
		c.Expiration = d.ExpirationTime.UTC()
	}
	if d.Invoice != nil {
		c.Kind, c.FullName, c.IsVALifetime = models.KindInvoice, d.Invoice.FullName, d.Invoice.IsVALifetime
		var lines []models.InvoiceLine
		for _, it := range d.Invoice.Items {
			l := models.InvoiceLine{Item: it.Item, Description: it.Description, Quantity: it.Quantity, PricePerItem: it.PricePerItem}
			if !it.DateOfPurchase.IsZero() {
				l.DateOfPurchase = it.DateOfPurchase.In(oy.Jakarta).Format("2006-01-02")
			}
			lines = append(lines, l)
		}
		c.ItemsJSON = linesJSON(lines)
	}
	if d.PaymentLinkID != "" {
		c.URL = s.opts.LinkURL(c.Kind, d.PaymentLinkID)
	}
	if c.PartnerTxID == "" {
		c.PartnerTxID = ref
	}
	err = s.store.ImportCheckout(ctx, c)
	if errors.Is(err, store.ErrDuplicate) {
		return s.store.CheckoutByRef(ctx, ref)
	}
	return c, err
}

func retryLater(err error) store.ProcessResult {
	t := time.Now().UTC().Add(time.Minute)
	return store.ProcessResult{Outcome: models.CallbackFailed, Error: err.Error(), NextTryAt: &t}
}
