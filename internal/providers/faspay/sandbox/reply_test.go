package sandbox_test

import (
	"strings"
	"testing"

	"backoffice/internal/providers/faspay"
	"backoffice/internal/providers/faspay/sandbox"
	"backoffice/internal/providers/provider"
)

// TestBillNoMustBeNumeric: Faspay documents bill_no as Numeric (32).
func TestBillNoMustBeNumeric(t *testing.T) {
	e := newEnv(t, func(o *sandbox.Options) { o.PreLinked = []string{docsPhone} })
	for _, bad := range []string{"INV1001", "12-34", "1 2", strings.Repeat("9", 33)} {
		_, err := e.pay(t, docsPhone, bad, 1000, faspay.PayCash)
		if !provider.IsRejected(err) || provider.CodeOf(err) != "01" || !strings.Contains(err.Error(), "Invalid bill_no") {
			t.Errorf("bill_no %q: %v", bad, err)
		}
	}
	if _, err := e.pay(t, docsPhone, strings.Repeat("9", 32), 1000, faspay.PayCash); err != nil {
		t.Errorf("32 digits: %v", err)
	}
}

// TestNotificationReplyChecked: an answer that is not Faspay's documented
// reply counts as no OK, as at Faspay.
func TestNotificationReplyChecked(t *testing.T) {
	n := sandbox.Notification{TrxID: "T1", BillNo: "1001", MerchantID: "99999"}
	good := `{"response":"Payment Notification","trx_id":"T1","merchant_id":"99999","merchant":"M","bill_no":"1001","response_code":"00","response_desc":"Success","response_date":"2026-01-02 03:04:05"}`
	if err := sandbox.CheckNotificationReply([]byte(good), n); err != nil {
		t.Errorf("documented reply: %v", err)
	}
	for name, body := range map[string]string{
		"empty":          ``,
		"not JSON":       `OK`,
		"code 01":        strings.Replace(good, `"response_code":"00"`, `"response_code":"01"`, 1),
		"other bill_no":  strings.Replace(good, `"bill_no":"1001"`, `"bill_no":"1002"`, 1),
		"other trx_id":   strings.Replace(good, `"trx_id":"T1"`, `"trx_id":"T2"`, 1),
		"other merchant": strings.Replace(good, `"merchant_id":"99999"`, `"merchant_id":"1"`, 1),
		"no date":        strings.Replace(good, `"response_date":"2026-01-02 03:04:05"`, `"response_date":""`, 1),
	} {
		if err := sandbox.CheckNotificationReply([]byte(body), n); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
