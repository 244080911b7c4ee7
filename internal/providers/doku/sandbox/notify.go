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
	"time"

	"backoffice/internal/providers/doku"
)

// notificationBody is the notification's documented field order.
type notificationBody struct {
	OriginalPartnerReferenceNo string            `json:"originalPartnerReferenceNo"`
	OriginalReferenceNo        string            `json:"originalReferenceNo"`
	OriginalExternalID         string            `json:"originalExternalId"`
	LatestTransactionStatus    string            `json:"latestTransactionStatus"`
	TransactionStatusDesc      string            `json:"transactionStatusDesc"`
	Amount                     amountJSON        `json:"amount"`
	AdditionalInfo             map[string]string `json:"additionalInfo"`
}

// scheduleNotify sends p's notification after SettleDelay, in the background.
func (s *Sandbox) scheduleNotify(p payment) {
	if s.opts.NotificationURL == "" {
		return
	}
	s.mu.Lock()
	if s.ctx.Err() != nil {
		s.mu.Unlock()
		return
	}
	s.wg.Add(1) // under mu, so Close cannot be waiting yet
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		if !s.sleep(s.opts.SettleDelay) {
			return
		}
		body, _ := json.Marshal(notificationBody{
			OriginalPartnerReferenceNo: p.partnerReferenceNo,
			OriginalReferenceNo:        p.referenceNo,
			OriginalExternalID:         p.externalID,
			LatestTransactionStatus:    string(p.status),
			TransactionStatusDesc:      p.statusDesc,
			Amount:                     amountOf(p.amount),
			AdditionalInfo:             map[string]string{"channel": doku.ChannelOVO, "custIdMerchant": p.custIDMerchant},
		})
		for attempt := 1; attempt <= s.opts.CallbackAttempts; attempt++ {
			err := s.deliver(body, p.notifyExternalID)
			if err == nil {
				s.log.Info("doku sandbox notification delivered", "partnerReferenceNo", p.partnerReferenceNo, "attempt", attempt)
				return
			}
			s.log.Warn("doku sandbox notification failed", "partnerReferenceNo", p.partnerReferenceNo, "attempt", attempt, "error", err.Error())
			if attempt < s.opts.CallbackAttempts && !s.sleep(s.opts.RetryDelay*time.Duration(attempt)) {
				return
			}
		}
	}()
}

func (s *Sandbox) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-s.ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// deliver obtains a token from the merchant and posts one notification.
func (s *Sandbox) deliver(body []byte, externalID string) error {
	ctx, cancel := context.WithTimeout(s.ctx, 15*time.Second)
	defer cancel()
	token, err := s.merchantToken(ctx)
	if err != nil {
		return fmt.Errorf("token: %w", err)
	}
	u, err := url.Parse(s.opts.NotificationURL)
	if err != nil {
		return err
	}
	path := u.EscapedPath()
	if s.opts.NotificationSignsURI {
		path = u.RequestURI()
	}
	ts := doku.FormatTimestamp(s.opts.Now())
	var sig string
	if s.opts.NotificationSignature == "rsa" {
		if sig, err = doku.SignService(s.opts.DokuPrivateKey, http.MethodPost, path, body, ts); err != nil {
			return err
		}
	} else {
		signWith := token
		if s.opts.NotificationOwnToken {
			s.mu.Lock()
			signWith = s.lastB2BToken
			s.mu.Unlock()
		}
		sig = doku.SignTransaction(s.opts.SecretKey, http.MethodPost, path, signWith, body, ts)
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("Authorization", "Bearer "+token)
	h.Set("X-TIMESTAMP", ts)
	h.Set("X-SIGNATURE", sig)
	h.Set("X-PARTNER-ID", s.opts.ClientID)
	h.Set("X-EXTERNAL-ID", externalID)
	h.Set("CHANNEL-ID", "H2H")
	var ack struct {
		ResponseCode string `json:"responseCode"`
	}
	status, err := s.post(ctx, s.opts.NotificationURL, h, body, &ack)
	if err != nil {
		return err
	}
	if status != http.StatusOK || ack.ResponseCode != "2005600" {
		return fmt.Errorf("merchant answered HTTP %d %q", status, ack.ResponseCode)
	}
	return nil
}

func (s *Sandbox) merchantToken(ctx context.Context) (string, error) {
	ts := doku.FormatTimestamp(s.opts.Now())
	sig, err := doku.SignToken(s.opts.DokuPrivateKey, s.opts.ClientID, ts)
	if err != nil {
		return "", err
	}
	h := http.Header{}
	h.Set("Content-Type", "application/json")
	h.Set("X-CLIENT-KEY", s.opts.ClientID)
	h.Set("X-TIMESTAMP", ts)
	h.Set("X-SIGNATURE", sig)
	var out struct {
		ResponseCode string `json:"responseCode"`
		AccessToken  string `json:"accessToken"`
	}
	status, err := s.post(ctx, s.opts.MerchantTokenURL, h, []byte(`{"grantType":"client_credentials"}`), &out)
	if err != nil {
		return "", err
	}
	if status != http.StatusOK || out.AccessToken == "" {
		return "", fmt.Errorf("merchant answered HTTP %d %q", status, out.ResponseCode)
	}
	return out.AccessToken, nil
}

func (s *Sandbox) post(ctx context.Context, target string, h http.Header, body []byte, out any) (int, error) {
	if target == "" {
		return 0, errors.New("no URL configured")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header = h
	resp, err := s.opts.HTTPClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, err
	}
	_ = json.Unmarshal(b, out) // an unreadable answer shows as a wrong code
	return resp.StatusCode, nil
}
