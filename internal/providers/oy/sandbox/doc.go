// Package sandbox is OY! Indonesia's partner API in memory, for `make run`
// and tests. Mount it with http.StripPrefix("/sandbox/oy", sb); it serves
// OY's real paths (/api/inquiry, /api/remit, …) and checks X-OY-Username
// (201 "User is not found") and X-Api-Key (208 "API Key is not Valid").
//
// Staging mock numbers, exactly as OY's page lists them (recipient_account):
//
//	inquiry      2222222222 → 205, 8888888888 → 209, others → 000
//	remit        1234567890 → 999 (every time), 1111111111 → 203,
//	             2222222222 → 205, 3333333333 → 204, 4444444444 → 201,
//	             5555555555 → 202, others → 101
//	remit-status 1234567890 → 999, 6666666666 → 102, 7777777777 → 300,
//	             8888888888 → 209, 9999999999 → 301, others → 000
//
// A remit answers 101 and, after Options.SettleDelay, takes the state from
// the remit-status table. Final states (000, 300, 209) release the pending
// amount, 000 takes it from the balance, and the documented disbursement
// callback is POSTed to Options.DisbursementCallbackURL; 102 and 301 stay
// pending with no callback. remit-status with send_callback=true sends the
// callback again. A reused partner_trx_id answers 203, an amount over the
// available balance 206, under 10,000 or with sen 210, over
// Options.MaxAmountPerTx 215, an unknown bank 205, a missing field 990.
//
// Slow answers: inquiry and remit for AccountSlow (5040504050) wait
// Options.SlowDelay (35 s, past the client's 30 s timeout); any account can
// be made slow with Options.SlowAccounts or SetSlow. The remit is recorded
// before the wait, so a timed-out remit is found by remit-status.
//
// The VA aggregator and payment checkout are kept in memory as well; see
// docs/providers/oy.md for their simulate endpoints.
package sandbox
