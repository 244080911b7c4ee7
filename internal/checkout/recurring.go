package checkout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/internal/wib"
)

// RecurringOpenFor is how long each invoice a schedule sends stays payable.
const RecurringOpenFor = 7 * 24 * time.Hour

// Schedule is a recurring invoice's schedule as typed.
type Schedule struct {
	Start, End string // YYYY-MM-DD (WIB)
	Period     string // "days" or "monthly"
	EveryDays  string
	MonthDay   string
}

// Validate checks the schedule; today is the WIB date it may not start before.
func (sc Schedule) Validate(today time.Time, e Errors) (*models.RecurringInvoice, bool) {
	r := &models.RecurringInvoice{Status: models.RecurringActive, StartDate: strings.TrimSpace(sc.Start), EndDate: strings.TrimSpace(sc.End)}
	start, err := time.Parse("2006-01-02", r.StartDate)
	switch {
	case err != nil:
		e["recurring_start_date"] = i18n.M("recurring.err_start")
	case start.Before(today):
		e["recurring_start_date"] = i18n.M("recurring.err_start_past")
	}
	if r.EndDate != "" {
		end, err := time.Parse("2006-01-02", r.EndDate)
		switch {
		case err != nil:
			e["recurring_end_date"] = i18n.M("recurring.err_end")
		case !e.Has("recurring_start_date") && end.Before(start):
			e["recurring_end_date"] = i18n.M("recurring.err_end_before")
		}
	}
	switch sc.Period {
	case "days":
		n, err := strconv.Atoi(strings.TrimSpace(sc.EveryDays))
		if err != nil || n < 1 || n > 366 {
			e["recurring_frequency"] = i18n.M("recurring.err_every")
		}
		r.EveryDays = n
	case "monthly":
		n, err := strconv.Atoi(strings.TrimSpace(sc.MonthDay))
		if err != nil || n < 1 || n > 31 {
			e["month_day"] = i18n.M("recurring.err_month_day")
		}
		r.MonthDay = n
	default:
		e["period"] = i18n.M("recurring.err_period")
	}
	return r, len(e) == 0
}

// CreateRecurring stores a recurring invoice template: the invoice form
// (checked now as each invoice will be) and its schedule.
func (s *Service) CreateRecurring(ctx context.Context, f Form, sc Schedule, maker *models.User, audit *models.AuditEntry) (*models.RecurringInvoice, Errors, error) {
	f.Invoice = true
	f.Expiration = ""
	f.PartnerTxID = "REC1P1" // each period gets its own; this only passes the check
	_, e := f.Validate(s.now())
	if e == nil {
		e = Errors{}
	}
	r, _ := sc.Validate(wibToday(s.now()), e)
	if len(e) > 0 {
		return nil, e, nil
	}
	f.PartnerTxID = ""
	b, err := json.Marshal(f)
	if err != nil {
		return nil, nil, err
	}
	r.TemplateJSON, r.Title, r.MakerID, r.MakerEmail = string(b), strings.TrimSpace(f.SenderName+" · "+f.Description), &maker.ID, maker.Email
	if c, e := f.validateFor(s.now()); e == nil {
		r.Amount = c.Amount
	}
	// Audit summaries stay English (docs/i18n.md).
	audit.Summary = fmt.Sprintf("recurring invoice for %s, %s", r.Title, Describe(i18n.With(ctx, i18n.EN), r))
	if err := s.store.CreateRecurring(ctx, r, audit); err != nil {
		return nil, nil, err
	}
	return r, nil, nil
}

func (f Form) validateFor(now time.Time) (*models.Checkout, Errors) {
	f.PartnerTxID = "X"
	return f.Validate(now)
}

// Describe is the schedule in words, in ctx's language.
func Describe(ctx context.Context, r *models.RecurringInvoice) string {
	var s string
	if r.EveryDays > 0 {
		s = i18n.T(ctx, "recurring.describe_days", "Days", r.EveryDays, "Start", dayText(ctx, r.StartDate))
	} else {
		s = i18n.T(ctx, "recurring.describe_monthly", "Day", r.MonthDay, "Start", dayText(ctx, r.StartDate))
		if r.MonthDay > 28 {
			s += " " + i18n.T(ctx, "recurring.describe_short_months", "Day", r.MonthDay)
		}
	}
	if r.EndDate != "" {
		s += " " + i18n.T(ctx, "recurring.describe_until", "End", dayText(ctx, r.EndDate))
	} else {
		s += " " + i18n.T(ctx, "recurring.describe_until_ended")
	}
	return s
}

// dayText is a stored YYYY-MM-DD date with the month in ctx's language.
func dayText(ctx context.Context, ymd string) string {
	t, err := time.ParseInLocation("2006-01-02", ymd, wib.Zone)
	if err != nil {
		return ymd
	}
	return i18n.Date(ctx, t)
}

func wibToday(t time.Time) time.Time {
	d, _ := time.Parse("2006-01-02", t.In(wib.Zone).Format("2006-01-02"))
	return d
}

// PeriodRef is the partner_tx_id of period n's invoice: fixed, so a period
// can only ever be one invoice, here and at OY.
func PeriodRef(r *models.RecurringInvoice, n int) string {
	return fmt.Sprintf("REC%dP%d", r.ID, n+1)
}

// Upcoming lists the next dates a template will send, for its page.
func Upcoming(r *models.RecurringInvoice, k int) []time.Time {
	var out []time.Time
	for n := r.NextPeriod; len(out) < k; n++ {
		d, ok := r.PeriodDate(n)
		if !ok {
			break
		}
		out = append(out, d)
	}
	return out
}

// RunRecurring makes every invoice that is due: one per period up to
// today (WIB), each period once however many schedulers run (the store's
// claim), periods missed while the server was down made late and marked
// catch-up. A schedule past its end date is ended.
func (s *Service) RunRecurring(ctx context.Context) (made int, err error) {
	templates, err := s.store.ActiveRecurring(ctx)
	if err != nil {
		return 0, err
	}
	today := wibToday(s.now())
	for i := range templates {
		r := &templates[i]
		for n := r.NextPeriod; ; n++ {
			due, ok := r.PeriodDate(n)
			if !ok {
				if err := s.store.SetRecurringStatus(ctx, r.ID, []models.RecurringStatus{models.RecurringActive}, models.RecurringEnded, 0,
					&models.AuditEntry{At: s.now(), ActorEmail: "scheduler", Action: "recurring_invoice.end", ObjectType: "recurring_invoice",
						ObjectID: strconv.FormatInt(r.ID, 10), Summary: "schedule finished: its end date has passed"}); err != nil && !errors.Is(err, store.ErrRecurringState) {
					return made, err
				}
				break
			}
			if due.After(today) || ctx.Err() != nil {
				break
			}
			c, err := s.periodInvoice(r, n, due.Before(today))
			if err != nil {
				s.log.Error("recurring invoice template", "id", r.ID, "err", err.Error())
				break
			}
			claimed, err := s.store.ClaimPeriod(ctx, r, n, c)
			if err != nil {
				return made, err
			}
			if !claimed {
				continue
			}
			made++
			if err := s.send(ctx, c); err != nil {
				return made, err
			}
		}
	}
	return made, nil
}

func (s *Service) periodInvoice(r *models.RecurringInvoice, n int, catchUp bool) (*models.Checkout, error) {
	var f Form
	if err := json.Unmarshal([]byte(r.TemplateJSON), &f); err != nil {
		return nil, err
	}
	f.Invoice, f.PartnerTxID, f.Expiration = true, PeriodRef(r, n), ""
	c, e := f.Validate(s.now())
	if e != nil {
		return nil, fmt.Errorf("template no longer valid: %v", e)
	}
	c.Expiration = s.now().Add(RecurringOpenFor).Truncate(time.Second)
	c.CatchUp, c.Source, c.MakerID, c.MakerEmail = catchUp, "recurring", r.MakerID, r.MakerEmail
	next := s.now().Add(stuckSending)
	c.NextCheckAt = &next
	return c, nil
}

// RunScheduler runs RunRecurring at start and every interval until ctx ends.
func (s *Service) RunScheduler(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := s.RunRecurring(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("recurring invoices", "err", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SetRecurring pauses, resumes or ends a template. Resuming skips the
// periods that fell due while it was paused.
func (s *Service) SetRecurring(ctx context.Context, r *models.RecurringInvoice, to models.RecurringStatus, audit *models.AuditEntry) error {
	var from []models.RecurringStatus
	skip := 0
	switch to {
	case models.RecurringPaused:
		from = []models.RecurringStatus{models.RecurringActive}
	case models.RecurringActive:
		from = []models.RecurringStatus{models.RecurringPaused}
		today := wibToday(s.now())
		for n := r.NextPeriod; ; n++ {
			d, ok := r.PeriodDate(n)
			if !ok || !d.Before(today) {
				skip = n
				break
			}
		}
	case models.RecurringEnded:
		from = []models.RecurringStatus{models.RecurringActive, models.RecurringPaused}
	}
	return s.store.SetRecurringStatus(ctx, r.ID, from, to, skip, audit)
}
