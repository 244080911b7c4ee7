// Package ayopop is the client for Ayopop's biller API (OVO top-ups):
// inquiry (/api/v1/bill/check, closed- and open-amount products), payment
// (/api/v1/bill/payment), status (/api/v1/bill/status), partner balance and
// product list.
//
// Every request carries KEY (API key), VERSION 1.0 and TOKEN: an HS256 JWT
// signed with the partner secret whose payload is the request itself. The
// JWT is built with crypto/hmac (SignToken, VerifyToken); VerifyToken refuses
// every algorithm but HS256, "none" included.
//
// Money: responseCode 0 is the only final success. 299 means processing.
// Any other code, a timeout or an unreadable answer on a payment or status
// call is not final (provider.Unknown / provider.Pending): ask Status again
// with the same refNumber after StatusCheckDelay (150 s, Ayopop's advice) and
// never pay again with a new refNumber. Inquiry, balance and products move
// no money: a refusal is provider.Rejected, a missing answer provider.Unknown
// (nothing moved; ask again). Errors are *provider.Error; ClassOf gives the
// code's range. Requests go through the shared provider.Transport.
//
// Callbacks (ParseCallback) have the shape of the status answer and carry
// no signature; the dashboard protects its URL with ?token= and checks it
// with VerifyCallbackToken.
//
// OVO top-up receipts must carry OVOReceiptNote.
//
// The codes beyond 0, 299 and 300 (see codes.go) are those of the built-in
// sandbox; Ayopop's own numbers are unconfirmed and map through Classify.
package ayopop
