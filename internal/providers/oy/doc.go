// Package oy is the client for OY! Indonesia's partner API: disbursement
// (inquiry, remit, remit status, balance), the VA aggregator, payment
// checkout links and invoices, and the callbacks OY sends for them.
//
// Every method takes a context first, typed params in and a typed result
// out. Amounts are whole rupiah (int64) parsed exactly from OY's decimals.
// Failures are *provider.Error values carrying OY's code, a sentence for the
// finance clerk and a provider.Outcome saying whether money may have moved:
//
//   - provider.Rejected: OY refused, or nothing was sent; nothing happened.
//   - provider.Pending: OY holds the request; wait for the callback/status.
//   - provider.Unknown: no trustworthy answer. Ask RemitStatus with the same
//     partner_trx_id; never send again with a new id.
//
// Requests go through the shared provider.Transport; this package adds OY's
// headers, code tables and types. Inquiry, which a clerk waits for, has a
// total budget (WithInteractiveBudget, 25 s by default) across its retries.
//
// Remit resends only on transport failure, 5xx, 504 and 999, and only with
// the same partner_trx_id, as OY allows. OY signs no callback: protect the
// callback URLs with ?token= (VerifyToken) and confirm a final state with the
// status API before booking it.
//
// KYC and PFM endpoints are not implemented; their code tables differ from
// the disbursement one (see DescribeVA for the pattern of a second table).
package oy
