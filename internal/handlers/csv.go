package handlers

import (
	"backoffice/internal/wib"
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// streamCSV writes a CSV download row by row as rows arrive, so an export
// of a million rows never sits in memory.
func (s *Server) streamCSV(c echo.Context, name string, header []string, rows func(write func(...string) error) error) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+name+"-"+time.Now().In(wib.Zone).Format("20060102-1504")+`.csv"`)
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	if err := w.Write(header); err != nil {
		return err
	}
	n := 0
	err := rows(func(cells ...string) error {
		for i, v := range cells {
			cells[i] = csvSafe(v)
		}
		if err := w.Write(cells); err != nil {
			return err
		}
		if n++; n%500 == 0 {
			w.Flush()
			c.Response().Flush()
		}
		return nil
	})
	w.Flush()
	if err != nil {
		// Headers are sent; the log has the reason and the file ends short.
		s.log.Error("csv export stopped", "request_id", requestID(c), "err", err.Error())
		return nil
	}
	return w.Error()
}

// csvSafe stops a spreadsheet from running a cell as a formula.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// parseDateRange reads the from/to filter dates (WIB, "to" inclusive) into
// [from, to) instants, writing a sentence beside each bad field.
func parseDateRange(from, to string, errs map[string]string) (start, end time.Time) {
	if from != "" {
		if t, ok := wib.ParseDate(from); ok {
			start = t
		} else {
			errs["from"] = "Use a date like 2026-11-21."
		}
	}
	if to != "" {
		if t, ok := wib.ParseDate(to); ok {
			end = t.AddDate(0, 0, 1)
		} else {
			errs["to"] = "Use a date like 2026-11-21."
		}
	}
	if !start.IsZero() && !end.IsZero() && !start.Before(end) {
		errs["to"] = "The end date is before the start date."
	}
	return start, end
}

// parseCursor reads the ?before= keyset cursor; a malformed one is a 400.
func parseCursor(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return 0, echo.NewHTTPError(http.StatusBadRequest)
	}
	return n, nil
}

// withQuery returns path with the query, setting or removing one key.
func withQuery(path string, q url.Values, key, value string) string {
	q2 := url.Values{}
	for k, v := range q {
		q2[k] = append([]string(nil), v...)
	}
	if value == "" {
		q2.Del(key)
	} else {
		q2.Set(key, value)
	}
	if enc := q2.Encode(); enc != "" {
		return path + "?" + enc
	}
	return path
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
