package store

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"backoffice/internal/models"
)

// BenchmarkCallbackWriter measures durable group-committed inserts without
// HTTP in the way: run with -benchtime and -cpu to see the store's ceiling.
func BenchmarkCallbackWriter(b *testing.B) {
	s := newStoreB(b)
	w, err := s.NewCallbackWriter(nil)
	if err != nil {
		b.Fatal(err)
	}
	defer w.Close()
	body := []byte(`{"status":{"code":"000","message":"Success"},"amount":125000,"recipient_name":"John Doe","recipient_bank":"014","recipient_account":"1234567890","trx_id":"T-1","partner_trx_id":"P-1","timestamp":"16-10-2021 10:34:23"}`)
	var n atomic.Int64
	b.SetParallelism(64)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := n.Add(1)
			cb := &models.Callback{ReceivedAt: time.Now(), Provider: "oy", Kind: "disbursement", Method: "POST", Path: "/callbacks/oy/disbursement",
				Query: "token=REDACTED", Headers: `{"Content-Type":"application/json","User-Agent":"bench"}`, Body: body, SourceIP: "127.0.0.1",
				Verified: true, VerifyReason: "secret token matched", DedupKey: fmt.Sprintf("oy:disbursement:P-%d:T-%d:000", i, i),
				Refs: fmt.Sprintf("P-%d T-%d 1234567890", i, i), ReplyStatus: 200, ReplyBody: `{"status":"received"}`, Status: models.CallbackPending}
			if err := w.Write(context.Background(), cb, []string{fmt.Sprintf("P-%d", i), fmt.Sprintf("T-%d", i), "1234567890"}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "callbacks/s")
}
