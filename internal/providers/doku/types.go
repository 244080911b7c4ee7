package doku

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"backoffice/internal/money"
)

// AccessToken is a B2B token issued to the dashboard.
type AccessToken struct {
	Token     string
	TokenType string
	ExpiresIn time.Duration
	ExpiresAt time.Time
}

// CustomerTokenParams exchanges the authCode from a binding for a B2B2C token.
type CustomerTokenParams struct {
	AuthCode string
}

// CustomerToken is a B2B2C token: it stands for one linked OVO account.
// Keep AccessToken secret (it is the Authorization-Customer header and the
// tokenId of unbinding).
type CustomerToken struct {
	AccessToken           string
	TokenType             string
	AccessTokenExpiresAt  time.Time // zero when DOKU sent no readable time
	RefreshToken          string
	RefreshTokenExpiresAt time.Time
	RawAccessTokenExpiry  string
	RawRefreshTokenExpiry string
	ResponseCode          string
}

// Device identifies the customer's device for X-DEVICE-ID / X-IP-ADDRESS;
// empty fields fall back to Config.DeviceID and Config.IPAddress.
type Device struct {
	DeviceID  string
	IPAddress string
}

// BindParams starts linking an OVO account.
type BindParams struct {
	Device
	PhoneNo                string // 62… as OVO knows it
	CustIDMerchant         string // the merchant's own id for the customer
	SuccessRegistrationURL string
	FailedRegistrationURL  string
}

// Binding is DOKU's answer to a binding request: send the customer to
// RedirectURL; when the binding completes, AuthCode (here or on the success
// redirect) is exchanged for a CustomerToken.
type Binding struct {
	ResponseCode    string
	ResponseMessage string
	ReferenceNo     string
	RedirectURL     string
	CustIDMerchant  string
	Status          string
	AuthCode        string
	ExternalID      string // X-EXTERNAL-ID the dashboard sent
}

// BalanceParams asks the balance of one linked OVO account.
type BalanceParams struct {
	Device
	CustomerToken string
}

// BalanceAccount is one entry of accountInfos.
type BalanceAccount struct {
	BalanceType      string // CASH, POINT, …
	Amount           int64  // whole rupiah
	Currency         string
	AvailableBalance int64 // when sent, else equal to Amount
}

// Balance is the answer of a balance inquiry.
type Balance struct {
	ResponseCode    string
	ResponseMessage string
	Accounts        []BalanceAccount
	ExternalID      string
}

// Cash returns the CASH balance, and whether DOKU sent one.
func (b *Balance) Cash() (int64, bool) {
	for _, a := range b.Accounts {
		if a.BalanceType == "CASH" {
			return a.Amount, true
		}
	}
	return 0, false
}

// PaymentParams charges a linked OVO account (host-to-host).
type PaymentParams struct {
	Device
	CustomerToken      string
	PartnerReferenceNo string // the merchant's unique payment id
	Amount             int64  // whole rupiah
	SuccessPaymentURL  string
	FailedPaymentURL   string
	PaymentType        string // default "SALE"
	PayMethod          string // default "CASH"
	FeeType            string // default "OUR"
	// ExternalID is the X-EXTERNAL-ID to send (numeric, unique per day); the
	// notification quotes it as originalExternalId. Generated when empty: set
	// it to store it before sending.
	ExternalID string
}

// Payment is DOKU's answer to a payment request. For SALE the customer must
// confirm on WebRedirectURL; the final state comes with the notification.
type Payment struct {
	ResponseCode       string
	ResponseMessage    string
	ReferenceNo        string
	PartnerReferenceNo string
	WebRedirectURL     string
	ExternalID         string
	Pending            bool // responseCode 202xxxx: DOKU is still processing
}

// UnbindParams unlinks an OVO account.
type UnbindParams struct {
	Device
	CustomerToken string
}

// Unbinding is DOKU's answer to an unbinding request.
type Unbinding struct {
	ResponseCode    string
	ResponseMessage string
	ReferenceNo     string
	ExternalID      string
}

// ---- wire shapes ----

// Decimal is a provider decimal ("10000.00") kept as its text; it also
// accepts a bare JSON number so that a provider change cannot break decoding.
type Decimal string

func (d *Decimal) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*d = ""
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*d = Decimal(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return fmt.Errorf("amount: %w", err)
	}
	*d = Decimal(n.String())
	return nil
}

// Rupiah parses the decimal exactly.
func (d Decimal) Rupiah() (int64, error) { return money.ParseDecimal(string(d)) }

// AmountJSON is SNAP's {"value":"10000.00","currency":"IDR"}.
type AmountJSON struct {
	Value    Decimal `json:"value"`
	Currency string  `json:"currency"`
}

func amountOf(v int64) AmountJSON {
	return AmountJSON{Value: Decimal(money.Decimal(v, 2)), Currency: "IDR"}
}

// flexInt accepts 900 or "900".
type flexInt int64

func (f *flexInt) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer: %q", b)
	}
	*f = flexInt(n)
	return nil
}

type envelope struct {
	ResponseCode    string `json:"responseCode"`
	ResponseMessage string `json:"responseMessage"`
}

type tokenRequest struct {
	GrantType string `json:"grantType"`
	AuthCode  string `json:"authCode,omitempty"`
}

type tokenResponse struct {
	envelope
	AccessToken            string  `json:"accessToken"`
	TokenType              string  `json:"tokenType"`
	ExpiresIn              flexInt `json:"expiresIn"`
	AccessTokenExpiryTime  string  `json:"accessTokenExpiryTime"`
	RefreshToken           string  `json:"refreshToken"`
	RefreshTokenExpiryTime string  `json:"refreshTokenExpiryTime"`
}

type bindingRequest struct {
	PhoneNo        string                `json:"phoneNo"`
	AdditionalInfo bindingRequestAddInfo `json:"additionalInfo"`
}

type bindingRequestAddInfo struct {
	Channel                string `json:"channel"`
	CustIDMerchant         string `json:"custIdMerchant"`
	SuccessRegistrationURL string `json:"successRegistrationUrl"`
	FailedRegistrationURL  string `json:"failedRegistrationUrl"`
}

type bindingResponse struct {
	envelope
	ReferenceNo    string `json:"referenceNo"`
	RedirectURL    string `json:"redirectUrl"`
	AdditionalInfo struct {
		CustIDMerchant string `json:"custIdMerchant"`
		Status         string `json:"status"`
		AuthCode       string `json:"authCode"`
	} `json:"additionalInfo"`
}

type channelInfo struct {
	Channel string `json:"channel"`
}

type balanceRequest struct {
	AdditionalInfo channelInfo `json:"additionalInfo"`
}

type balanceResponse struct {
	envelope
	AccountInfos []struct {
		BalanceType      string      `json:"balanceType"`
		Amount           AmountJSON  `json:"amount"`
		AvailableBalance *AmountJSON `json:"availableBalance,omitempty"`
	} `json:"accountInfos"`
}

type payOptionDetail struct {
	PayMethod   string     `json:"payMethod"`
	TransAmount AmountJSON `json:"transAmount"`
	FeeAmount   AmountJSON `json:"feeAmount"`
}

type paymentRequest struct {
	PartnerReferenceNo string            `json:"partnerReferenceNo"`
	Amount             AmountJSON        `json:"amount"`
	FeeType            string            `json:"feeType"`
	PayOptionDetails   []payOptionDetail `json:"payOptionDetails"`
	AdditionalInfo     paymentAddInfo    `json:"additionalInfo"`
}

type paymentAddInfo struct {
	Channel           string `json:"channel"`
	PaymentType       string `json:"paymentType"`
	SuccessPaymentURL string `json:"successPaymentUrl"`
	FailedPaymentURL  string `json:"failedPaymentUrl"`
}

type paymentResponse struct {
	envelope
	ReferenceNo        string `json:"referenceNo"`
	PartnerReferenceNo string `json:"partnerReferenceNo"`
	WebRedirectURL     string `json:"webRedirectUrl"`
}

type unbindingRequest struct {
	TokenID        string      `json:"tokenId"`
	AdditionalInfo channelInfo `json:"additionalInfo"`
}

type unbindingResponse struct {
	envelope
	ReferenceNo string `json:"referenceNo"`
}
