package handlers

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/wib"
)

// TestRecordsInIndonesian: an admin who chose Bahasa Indonesia reads the
// overview, its chart, the callback log and a callback, and the audit log
// in Indonesian; a filter or a range that cannot be read is refused with
// an Indonesian sentence beside the field (422, kept); a replay's flash is
// Indonesian. What providers and staff wrote (a callback's reason, the
// audit summaries) is shown as it was stored.
func TestRecordsInIndonesian(t *testing.T) {
	a := newTestApp(t)
	tok := "?token=" + a.cfg.OY.CallbackToken
	good := a.send("POST", "/callbacks/oy/disbursement"+tok, nil, oyDisbursementBody)
	bad := a.send("POST", "/callbacks/oy/disbursement?token=nope", nil, oyDisbursementBody)
	a.drain()
	seedFlow(t, a, wib.StartOfDay(a.clock.Now()))

	b := a.signedIn(models.RoleAdmin)
	if p := b.post("/language", url.Values{"lang": {"id"}, "return": {"/"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("toggle: %d", p.Status)
	}
	id := func(key string, args ...any) string { return i18n.In(i18n.ID, key, args...) }

	// The overview: heading, cards, the chart's axis, bars and table.
	d := doc(t, b.get("/?range=7"))
	if h := text(d.Find("h1")); h != "Ringkasan" {
		t.Errorf("overview heading %q", h)
	}
	if got := text(d.Find(testid("card-waiting") + " .label")); got != "Menunggu persetujuan" {
		t.Errorf("waiting card %q", got)
	}
	var ys []string
	d.Find(testid("flow-y-tick")).Each(func(_ int, s *goquery.Selection) { ys = append(ys, text(s)) })
	if len(ys) < 3 || !strings.HasSuffix(ys[len(ys)-1], " rb") {
		t.Errorf("value axis in Indonesian %q, want ribu (rb)", ys)
	}
	today := a.clock.Now()
	if got, want := text(d.Find(testid("flow-x-tick")).Last()), i18n.DayMonth(i18n.With(t.Context(), i18n.ID), today); got != want {
		t.Errorf("last day label %q, want %q", got, want)
	}
	if got, want := text(d.Find(testid("flow-bar-out")).Last().Find("title")), i18n.Date(i18n.With(t.Context(), i18n.ID), today)+": dana keluar Rp 150.000"; got != want {
		t.Errorf("bar title %q, want %q", got, want)
	}
	if got := text(d.Find(testid("flow-table") + " thead th").First()); got != "Tanggal" {
		t.Errorf("table's first column %q", got)
	}
	if got := text(d.Find(testid("flow-preset-7"))); got != "7 hari terakhir" {
		t.Errorf("preset %q", got)
	}

	// A reversed range: 422, the sentence beside the last day, values kept.
	from, to := today.In(wib.Zone).AddDate(0, 0, -2).Format("2006-01-02"), today.In(wib.Zone).AddDate(0, 0, -5).Format("2006-01-02")
	p := b.get("/?" + url.Values{"range": {"custom"}, "from": {from}, "to": {to}}.Encode())
	d = doc(t, p)
	if p.Status != http.StatusUnprocessableEntity || text(d.Find(testid("error-to"))) != id("chart.to_before_from") {
		t.Errorf("reversed range: %d, %q", p.Status, text(d.Find(testid("error-to"))))
	}
	if v, _ := d.Find("input[name=to]").Attr("value"); v != to {
		t.Errorf("the last day typed was not kept: %q", v)
	}

	// The callback log: heading, headers, badges, status chips, filters.
	d = doc(t, b.get("/callback-log"))
	if h := text(d.Find("h1")); h != "Log callback" {
		t.Errorf("callback log heading %q", h)
	}
	var heads []string
	d.Find(testid("callback-table") + " th").Each(func(_ int, s *goquery.Selection) { heads = append(heads, text(s)) })
	if strings.Join(heads, "|") != "#|Diterima|Penyedia|Jenis|Referensi|Verifikasi|Pemrosesan|Balasan" {
		t.Errorf("callback table headers %q", heads)
	}
	if !strings.Contains(text(d.Find(testid("callback-table"))), "Tidak terverifikasi") {
		t.Error("the unverified callback is not marked Tidak terverifikasi")
	}
	if got := text(d.Find(testid("count-unmatched"))); !strings.HasPrefix(got, "Tidak cocok") {
		t.Errorf("unmatched chip %q", got)
	}
	if got := text(d.Find(`select[name=kind] option[value=disbursement]`)); got != "Status pencairan dana OY" {
		t.Errorf("type option %q", got)
	}
	// A filter that cannot be read: 422 and the Indonesian sentence.
	p = b.get("/callback-log?verified=maybe")
	if d = doc(t, p); p.Status != http.StatusUnprocessableEntity || text(d.Find(testid("error-verified"))) != id("callbacks.wrong_verified") {
		t.Errorf("verified=maybe: %d %q", p.Status, text(d.Find(testid("error-verified"))))
	}

	// One callback: facts in Indonesian, the stored reason as written.
	d = doc(t, b.get("/callback-log/"+itoa(bad.ID)))
	if h := text(d.Find("h1")); h != "Callback #"+itoa(bad.ID) {
		t.Errorf("detail heading %q", h)
	}
	if got, stored := text(d.Find(testid("verify-reason"))), a.callback(bad.ID).VerifyReason; got != stored || stored == "" {
		t.Errorf("stored reason shown as %q, stored %q", got, stored)
	}
	if got := text(d.Find(testid("processing"))); !strings.Contains(got, id("callbacks.attempts_unverified")) {
		t.Errorf("processing %q", got)
	}
	if got := text(d.Find(`dt`).First()); got != "Verifikasi" {
		t.Errorf("first fact %q", got)
	}

	// Replays: the refusal and the result come back as Indonesian flashes.
	p = b.post("/callback-log/"+itoa(bad.ID)+"/replay", nil)
	if d = doc(t, b.get(p.Location)); text(d.Find(testid("flash"))) != id("callbacks.replay_unverified") {
		t.Errorf("replay of an unverified callback: flash %q", text(d.Find(testid("flash"))))
	}
	p = b.post("/callback-log/"+itoa(good.ID)+"/replay", nil)
	if d = doc(t, b.get(p.Location)); !strings.HasPrefix(text(d.Find(testid("flash"))), "Diproses ulang: ") {
		t.Errorf("replay: flash %q", text(d.Find(testid("flash"))))
	}
	p = b.post("/callback-log/replay", url.Values{"provider": {"oy"}})
	if d = doc(t, b.get(p.Location)); text(d.Find(testid("flash"))) != id("callbacks.bulk_queued", "Count", 1) || id("callbacks.bulk_queued", "Count", 1) != "1 callback diantrekan untuk diproses ulang." {
		t.Errorf("bulk replay: flash %q", text(d.Find(testid("flash"))))
	}

	// The audit log: Indonesian headings around English summaries as written.
	d = doc(t, b.get("/audit-log"))
	if h := text(d.Find("h1")); h != "Log audit" {
		t.Errorf("audit log heading %q", h)
	}
	heads = nil
	d.Find(testid("audit-table") + " th").Each(func(_ int, s *goquery.Selection) { heads = append(heads, text(s)) })
	if len(heads) != 6 || heads[0] != "Waktu" || heads[2] != "Tindakan" {
		t.Errorf("audit headers %q", heads)
	}
	if rows := text(d.Find(testid("audit-table"))); !strings.Contains(rows, "processed oy disbursement callback again") || !strings.Contains(rows, "Callback "+itoa(good.ID)) {
		t.Errorf("the replay's entry: summary as written, record named in Indonesian: %q", rows)
	}
	if got := text(d.Find(`select[name=actor] option`).First()); got != "Semua staf" {
		t.Errorf("staff filter's first option %q", got)
	}
}
