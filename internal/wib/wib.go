// Package wib holds the one time zone the dashboard shows: Western Indonesia
// Time. Times are stored in UTC and shown, parsed and bucketed by day here.
package wib

import "time"

// Zone is Western Indonesia Time. Indonesia keeps no daylight saving, so a
// fixed zone is exact and needs no tz database on the server.
var Zone = time.FixedZone("WIB", 7*60*60)

// Format prints a stored UTC time in WIB with the zone written.
func Format(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(Zone).Format("02 Jan 2006 15:04:05") + " WIB"
}

// Date prints the WIB calendar date.
func Date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.In(Zone).Format("02 Jan 2006")
}

// ParseDate reads a YYYY-MM-DD date as the start of that day in WIB.
func ParseDate(v string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", v, Zone)
	return t, err == nil
}

// StartOfDay is the start of t's WIB calendar day.
func StartOfDay(t time.Time) time.Time {
	y, m, d := t.In(Zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Zone)
}
