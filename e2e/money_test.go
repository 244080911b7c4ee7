//go:build browser

package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBulkBatchShowsNamesAndWaitsForASecondApproval: finance uploads a
// file whose total is above the two-approval threshold (each row is
// below it); the batch page lists the name the bank returned for every
// row, the one that differs from the file stands out, and nothing goes on
// without saying the names were read. The admin's approval is the first of
// two: the batch says it waits for the second, and nothing is sent.
func TestBulkBatchShowsNamesAndWaitsForASecondApproval(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)
	p := newBrowser(t, ctx)
	p.openAndSignIn(finance)
	p.open("/disbursements/batches/new")
	p.waitVisible(`[data-testid=page-batch-new]`)
	file := filepath.Join(t.TempDir(), "vendors-december.csv")
	csv := "bank_code,account,amount,note,email,name\n" +
		"014,0123456789,30000000,Invoice 7,,Nobody We Know\n" +
		"014,0123456780,25000000,Invoice 8,,\n"
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	p.do("choose the file", chromedp.SetUploadFiles(chromedp.CSS(`input[name=file]`), []string{file}))
	if resp := p.click(`[data-testid=upload]`); resp.Status != 200 {
		t.Errorf("uploading answers %d, want 200", resp.Status)
	}
	p.waitVisible(`[data-testid=page-batch]`)
	batch := p.location().Path

	// The rows are checked with the bank in the background.
	start := time.Now()
	for p.count(`[data-testid=valid-rows]`) == 0 {
		if time.Since(start) > 15*time.Second {
			p.fatal("the batch is still %q after 15 s", p.text(`[data-testid=batch-status]`))
		}
		time.Sleep(300 * time.Millisecond)
		p.open(batch)
		p.waitVisible(`[data-testid=page-batch]`)
	}
	names := p.visibleTexts(`[data-testid=valid-row] [data-testid=bank-name]`)
	if len(names) != 2 || names[0] == "" || names[1] == "" {
		t.Fatalf("bank-returned names shown to the maker: %q", names)
	}
	if n := p.count(`[data-testid=valid-row].mismatch [data-testid=name-mismatch]`); n != 1 {
		t.Errorf("%d rows stand out as differing from the file, want 1", n)
	}
	p.screenshot("30-batch-names")
	p.tick(`[data-testid=names-checked]`)
	if resp := p.click(`[data-testid=batch-submit]`); resp.Status != 200 {
		t.Errorf("sending for approval answers %d, want 200", resp.Status)
	}
	p.waitVisible(`[data-testid=batch-approval]`)

	q := p.freshContext()
	q.openAndSignIn(admin)
	q.open(batch)
	q.waitVisible(`[data-testid=batch-approval]`)
	if got := q.text(`[data-testid=approval-count] strong`); got != "0 of 2" {
		t.Errorf("approvals before the first = %q, want 0 of 2 (Rp 55.000.000 is above Rp 50.000.000)", got)
	}
	if got := q.text(`[data-testid=approval-balance-value]`); !strings.HasPrefix(got, "Rp ") {
		t.Errorf("the approver is not shown OY's balance read now: %q", got)
	}
	if n := q.count(`[data-testid=valid-row]`); n != 2 {
		t.Errorf("the approver sees %d rows with their bank names, want 2", n)
	}
	q.screenshot("31-batch-approve")
	q.tick(`[data-testid=batch-approve-form] [data-testid=names-checked]`)
	q.tick(`[data-testid=batch-approve-form] [data-testid=approve-confirm]`)
	if resp := q.click(`[data-testid=batch-approve]`); resp.Status != 200 {
		t.Errorf("approving answers %d, want 200", resp.Status)
	}
	q.waitVisible(`[data-testid=batch-approval]`)
	if got := q.text(`[data-testid=flash]`); !strings.Contains(got, "Approval 1 of 2") {
		t.Errorf("flash after the first approval = %q", got)
	}
	if got := q.text(`[data-testid=batch-status]`); got != "Waiting approval" {
		t.Errorf("batch status after one approval of two = %q, want Waiting approval", got)
	}
	if got := q.text(`[data-testid=batch-approvers]`); !strings.Contains(got, "second approval") {
		t.Errorf("the batch does not say it waits for its second approval: %q", got)
	}
	q.screenshot("32-batch-waits-for-second-approval")

	// The overview keeps what waits apart from what was disbursed today.
	q.open("/")
	q.waitVisible(`[data-testid=page-overview]`)
	if got := q.text(`[data-testid=figure-waiting]`); !strings.HasPrefix(got, "Rp ") || got == "Rp 0" {
		t.Errorf("waiting for approval on the overview = %q, want the batch's rows in it", got)
	}
	if n := q.count(`[data-testid=card-in-flight]`); n != 1 {
		t.Errorf("the overview has %d in-flight cards, want 1", n)
	}
	q.screenshot("33-overview-disbursements")
}
