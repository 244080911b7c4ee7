package store

import (
	"context"
	"fmt"
	"time"

	"backoffice/internal/wib"
)

// Money in and out per WIB day, for the overview charts. Each series is one
// grouped query bounded by the range on an indexed time column; days with
// nothing are filled in here, so the result has one entry per day.

// DayFlow is the money that moved on one WIB day.
type DayFlow struct {
	Day time.Time // 00:00 WIB of the day
	// Money out: succeeded disbursements (by when they succeeded) and
	// succeeded OVO top-ups (price plus admin fee, by when they succeeded).
	Disbursed, Topups Totals
	// Money in: VA payments, paid payment links and invoices, paid OVO
	// charges.
	VA, Checkout, OVO Totals
}

// Out is the money that left on the day.
func (d DayFlow) Out() int64 { return d.Disbursed.Sum + d.Topups.Sum }

// In is the money that came in on the day.
func (d DayFlow) In() int64 { return d.VA.Sum + d.Checkout.Sum + d.OVO.Sum }

// flowSeries are the grouped queries, one per series: table, time column,
// amount expression and extra condition.
var flowSeries = []struct {
	name, table, at, amount, where string
	pick                           func(*DayFlow) *Totals
}{
	{"disbursed", "disbursements", "final_at", "amount", "status = 'success'", func(d *DayFlow) *Totals { return &d.Disbursed }},
	{"topups", "topups", "final_at", "amount + admin_fee", "status = 'success'", func(d *DayFlow) *Totals { return &d.Topups }},
	{"va", "va_payments", "paid_at", "amount", "", func(d *DayFlow) *Totals { return &d.VA }},
	{"checkout", "checkouts", "paid_at", "paid_amount", "", func(d *DayFlow) *Totals { return &d.Checkout }},
	// A paid OVO charge is final and never updated again (lifecycle.Stages
	// refuses any move out of a final status), so its last update is when
	// it was paid.
	{"ovo", "ovo_payments", "updated_at", "amount", "status = 'paid'", func(d *DayFlow) *Totals { return &d.OVO }},
}

// flowSQL is the grouped query of one series.
func flowSQL(d dialect, i int) string {
	f := flowSeries[i]
	where := f.at + " >= ? AND " + f.at + " < ?"
	if f.where != "" {
		where = f.where + " AND " + where
	}
	return "SELECT " + d.wibDay(f.at) + " AS day, count(*) AS count, coalesce(sum(" + f.amount + "), 0) AS sum FROM " +
		f.table + " WHERE " + where + " GROUP BY day"
}

// MoneyFlow is the money in and out per WIB day from the day of from to the
// day of to, both included, oldest first.
func (s *Store) MoneyFlow(ctx context.Context, from, to time.Time) ([]DayFlow, error) {
	first, last := wib.StartOfDay(from), wib.StartOfDay(to)
	if last.Before(first) {
		return nil, nil
	}
	var days []DayFlow
	index := map[string]int{}
	for d := first; !d.After(last); d = d.AddDate(0, 0, 1) {
		index[d.Format("2006-01-02")] = len(days)
		days = append(days, DayFlow{Day: d})
	}
	end := last.AddDate(0, 0, 1)
	r := s.listDB(ctx)
	for i, f := range flowSeries {
		var rows []struct {
			Day        string
			Count, Sum int64
		}
		if err := r.Raw(flowSQL(s.d, i), first.UTC(), end.UTC()).Scan(&rows).Error; err != nil {
			return nil, fmt.Errorf("store: money flow %s: %w", f.name, err)
		}
		for _, row := range rows {
			if j, ok := index[row.Day]; ok {
				*f.pick(&days[j]) = Totals{Count: row.Count, Sum: row.Sum}
			}
		}
	}
	return days, nil
}
