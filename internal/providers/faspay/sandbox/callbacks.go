package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"backoffice/internal/providers/faspay"
)

// Notification is the payment notification body the sandbox POSTs as JSON.
type Notification struct {
	Request           string `json:"request"`
	TrxID             string `json:"trx_id"`
	MerchantID        string `json:"merchant_id"`
	Merchant          string `json:"merchant"`
	BillNo            string `json:"bill_no"`
	PaymentReff       string `json:"payment_reff"`
	PaymentDate       string `json:"payment_date"`
	PaymentStatusCode string `json:"payment_status_code"`
	PaymentStatusDesc string `json:"payment_status_desc"`
	BillTotal         string `json:"bill_total"`
	PaymentTotal      string `json:"payment_total"`
	PaymentChannelUID string `json:"payment_channel_uid"`
	PaymentChannel    string `json:"payment_channel"`
	Signature         string `json:"signature"`
}

// notifyLocked queues the payment notification; s.mu must be held.
func (s *Sandbox) notifyLocked(p *payment, status faspay.PaymentStatus, desc, reff string) {
	paid := "0"
	if status == faspay.StatusSuccess {
		paid = strconv.FormatInt(p.amount, 10)
	}
	n := Notification{
		Request: "Payment Notification", TrxID: p.trxID, MerchantID: s.opts.MerchantID, Merchant: s.opts.MerchantName,
		BillNo: p.billNo, PaymentReff: reff, PaymentDate: s.opts.Now().In(faspay.Jakarta).Format(faspay.DateTimeLayout),
		PaymentStatusCode: string(status), PaymentStatusDesc: desc, BillTotal: strconv.FormatInt(p.amount, 10),
		PaymentTotal: paid, PaymentChannelUID: s.opts.PaymentChannel, PaymentChannel: "OVO Tokenize",
		Signature: faspay.NotificationSignature(s.opts.UserID, s.opts.Password, p.billNo, string(status)),
	}
	body, _ := json.Marshal(n)
	target := s.opts.PaymentNotificationURL
	s.deliverLocked("payment notification", func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		return s.sendNotification(req, n)
	})
}

// sendNotification posts a notification and checks the merchant's answer
// as Faspay does: anything but the documented reply is "no OK" and retried.
func (s *Sandbox) sendNotification(req *http.Request, n Notification) error {
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			return fmt.Errorf("%s: %w", ue.Op, ue.Err)
		}
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return CheckNotificationReply(body, n)
}

// CheckNotificationReply checks a merchant's answer to a notification
// against Faspay's documented reply.
func CheckNotificationReply(body []byte, n Notification) error {
	var r struct {
		Response     string `json:"response"`
		TrxID        string `json:"trx_id"`
		MerchantID   string `json:"merchant_id"`
		BillNo       string `json:"bill_no"`
		ResponseCode string `json:"response_code"`
		ResponseDate string `json:"response_date"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("the reply is not JSON: %w", err)
	}
	switch {
	case r.ResponseCode != faspay.CodeSuccess:
		return fmt.Errorf("the reply's response_code is %q, not 00", r.ResponseCode)
	case r.TrxID != n.TrxID:
		return fmt.Errorf("the reply's trx_id %q is not the notification's %q", r.TrxID, n.TrxID)
	case r.BillNo != n.BillNo:
		return fmt.Errorf("the reply's bill_no %q is not the notification's %q", r.BillNo, n.BillNo)
	case r.MerchantID != n.MerchantID:
		return fmt.Errorf("the reply's merchant_id %q is not the notification's %q", r.MerchantID, n.MerchantID)
	}
	if _, err := time.ParseInLocation(faspay.DateTimeLayout, r.ResponseDate, faspay.Jakarta); err != nil {
		return fmt.Errorf("the reply's response_date %q is not YYYY-MM-DD HH:MM:SS", r.ResponseDate)
	}
	return nil
}

// activationCallbackLocked queues the GET activation callback; s.mu must be held.
func (s *Sandbox) activationCallbackLocked(phone, code, desc string) {
	target := s.opts.ActivationCallbackURL
	s.deliverLocked("activation callback", func(ctx context.Context) error {
		u, err := url.Parse(target)
		if err != nil {
			return errors.New("activation callback URL is not valid") // the URL may hold a secret
		}
		q := u.Query() // keep the dashboard's own ?token=
		q.Set("response", "Account Activation OVO OpenAPI")
		q.Set("phone_number", phone)
		q.Set("response_code", code)
		q.Set("response_desc", desc)
		u.RawQuery = q.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return err
		}
		return s.send(req)
	})
}

func (s *Sandbox) send(req *http.Request) error {
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) { // drop the URL: it may carry the dashboard's ?token=
			return fmt.Errorf("%s: %w", ue.Op, ue.Err)
		}
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

// deliverLocked sends after SettleDelay, retrying CallbackRetries times
// (Faspay retries three times without an OK). s.mu must be held.
func (s *Sandbox) deliverLocked(what string, send func(ctx context.Context) error) {
	if s.closed {
		return
	}
	if s.opts.ActivationCallbackURL == "" && what == "activation callback" ||
		s.opts.PaymentNotificationURL == "" && what == "payment notification" {
		s.opts.Logger.Warn("faspay sandbox: no callback URL configured", "callback", what)
		return
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		wait := s.opts.SettleDelay
		for attempt := 1; attempt <= 1+s.opts.CallbackRetries; attempt++ {
			t := time.NewTimer(wait)
			select {
			case <-s.ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
			ctx, cancel := context.WithTimeout(s.ctx, 10*time.Second)
			err := send(ctx)
			cancel()
			if err == nil {
				s.opts.Logger.Info("faspay sandbox callback delivered", "callback", what, "attempt", attempt)
				return
			}
			s.opts.Logger.Warn("faspay sandbox callback failed", "callback", what, "attempt", attempt, "error", err.Error())
			wait = s.opts.RetryDelay
		}
	}()
}
