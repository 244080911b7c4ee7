package oy_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"backoffice/internal/providers/oy"
	"backoffice/internal/providers/oy/sandbox"
	"backoffice/internal/providers/provider"
)

// A disbursement as the dashboard makes it: inquiry first, then remit with
// a partner_trx_id stored before the call, and a status check whenever the
// outcome is unknown.
func Example() {
	sb := sandbox.New(sandbox.Options{Username: "demo", APIKey: "demo-key", SettleDelay: time.Millisecond})
	defer sb.Close()
	srv := httptest.NewServer(sb)
	defer srv.Close()

	client := oy.New(oy.Config{BaseURL: srv.URL, Username: "demo", APIKey: "demo-key"})
	ctx := context.Background()

	holder, err := client.Inquiry(ctx, &oy.InquiryParams{RecipientBank: "014", RecipientAccount: "1239812390"})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("holder found:", holder.RecipientName != "")

	d, err := client.Remit(ctx, &oy.RemitParams{RecipientBank: "014", RecipientAccount: "1239812390",
		Amount: 125000, PartnerTrxID: "DSB-0001"})
	switch {
	case provider.IsUnknown(err):
		d, err = client.RemitStatus(ctx, &oy.RemitStatusParams{PartnerTrxID: "DSB-0001"})
	case err != nil:
		fmt.Println(err)
		return
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.Code, oy.IsFinal(d.Code), d.Clerk())

	_, err = client.Inquiry(ctx, &oy.InquiryParams{RecipientBank: "014", RecipientAccount: sandbox.AccountNotFound})
	fmt.Println(err)
	// Output:
	// holder found: true
	// 101 false OY has accepted the disbursement and is sending it; wait for the final status.
	// oy: inquiry: The bank says this account number does not exist. (code 209, "Bank Account is not found", HTTP 200, outcome rejected)
}
