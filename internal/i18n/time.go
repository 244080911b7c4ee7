package i18n

import (
	"context"
	"strconv"
	"time"

	"backoffice/internal/wib"
)

// Time prints a stored time in WIB with the month in the request's
// language: "02 Des 2026 06:28:05 WIB".
func Time(ctx context.Context, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	w := t.In(wib.Zone)
	return Date(ctx, t) + " " + w.Format("15:04:05") + " WIB"
}

// Minute prints a time to the minute: "2 Des 2026 06:28 WIB".
func Minute(ctx context.Context, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	w := t.In(wib.Zone)
	return strconv.Itoa(w.Day()) + " " + MonthShort(ctx, w.Month()) + " " + strconv.Itoa(w.Year()) + " " + w.Format("15:04") + " WIB"
}

// Date prints the WIB calendar date: "02 Des 2026".
func Date(ctx context.Context, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	w := t.In(wib.Zone)
	d := strconv.Itoa(w.Day())
	if len(d) == 1 {
		d = "0" + d
	}
	return d + " " + MonthShort(ctx, w.Month()) + " " + strconv.Itoa(w.Year())
}

// DayMonth prints "2 Des", for chart axes.
func DayMonth(ctx context.Context, t time.Time) string {
	w := t.In(wib.Zone)
	return strconv.Itoa(w.Day()) + " " + MonthShort(ctx, w.Month())
}

// MonthShort is the month's short name in the request's language.
func MonthShort(ctx context.Context, m time.Month) string {
	return catalogueOf().months[From(ctx)][m-1]
}

// Weekday is the weekday's short name in the request's language.
func Weekday(ctx context.Context, d time.Weekday) string {
	return catalogueOf().weekdays[From(ctx)][d]
}
