package faspay

import (
	"errors"

	"backoffice/internal/providers/provider"
)

// ErrPaymentTokenExpired matches (errors.Is) the *provider.Error for response
// code 02: the customer must open the renewal page to renew the OVO payment
// token (see TokenExpired).
var ErrPaymentTokenExpired = errors.New("faspay: payment token expired")

// TokenExpiredError is the cause (Err) of the *provider.Error for code 02.
// RegenerateURL is the page where the customer renews the token: show it;
// never follow it server-side.
type TokenExpiredError struct {
	RegenerateURL string
}

func (e *TokenExpiredError) Error() string { return ErrPaymentTokenExpired.Error() }

// Is lets errors.Is(err, ErrPaymentTokenExpired) work.
func (e *TokenExpiredError) Is(target error) bool { return target == ErrPaymentTokenExpired }

// TokenExpired reports whether err is the 02 "regenerate payment token" answer
// and returns the URL the customer must be sent to.
func TokenExpired(err error) (regenerateURL string, ok bool) {
	var te *TokenExpiredError
	if !errors.As(err, &te) || provider.CodeOf(err) != CodeTokenExpired {
		return "", false
	}
	return te.RegenerateURL, true
}
