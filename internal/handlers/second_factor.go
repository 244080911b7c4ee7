package handlers

import (
	"encoding/base64"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"backoffice/internal/auth"
	"backoffice/internal/i18n"
	"backoffice/internal/models"
	accountpages "backoffice/web/templates/pages/account"
	authpages "backoffice/web/templates/pages/auth"
)

// StepUpAge is how long a passed second-factor check covers approvals and
// staff changes before the code is asked again.
const StepUpAge = 5 * time.Minute

// keyPendingTOTP holds, in the encrypted cookie, the secret being enrolled
// until the person proves their app has it.
const keyPendingTOTP = "totp_pending"

// msgBadCode is the catalogue key of the answer to a wrong code.
const msgBadCode = "auth.bad_code"

// secretKey seals TOTP secrets; derived from the session block key, so the
// database alone does not reveal them.
func (s *Server) secretKey() []byte { return auth.SecretKey(s.cfg.SessionBlockKey) }

// codeCheck is the outcome of checking a second-factor code.
type codeCheck int

const (
	codeOK codeCheck = iota
	codeWrong
	codeThrottled
)

// checkCode checks a TOTP or recovery code for u under the same throttle as
// passwords (its own account key), so six digits cannot be walked through.
func (s *Server) checkCode(c echo.Context, u *models.User, code string) (codeCheck, time.Duration, error) {
	ctx := c.Request().Context()
	key, ip := "otp:"+strconv.FormatInt(u.ID, 10), c.RealIP()
	attempt, wait, err := s.store.ReserveLoginAttempt(ctx, key, ip, s.now(), auth.ThrottleWait)
	if err != nil {
		return codeWrong, 0, err
	}
	if wait > 0 {
		return codeThrottled, wait, nil
	}
	code = strings.Join(strings.Fields(code), "")
	ok := false
	if len(code) == 6 {
		secret, err := auth.OpenSecret(s.secretKey(), u.TOTPSecret)
		if err != nil {
			return codeWrong, 0, fmt.Errorf("handlers: open TOTP secret of user %d: %w", u.ID, err)
		}
		ok = auth.ValidTOTP(secret, code, s.now())
	} else if len(code) >= 10 && len(code) <= 16 {
		if ok, err = s.store.UseRecoveryCode(ctx, u.ID, auth.HashRecoveryCode(code), s.now()); err != nil {
			return codeWrong, 0, err
		}
	}
	if !ok {
		e := s.auditEntry(c, "login.otp_failed", "user", fmt.Sprint(u.ID), "second-factor code refused")
		e.ActorEmail = u.Email
		return codeWrong, 0, s.store.Audit(ctx, e)
	}
	if err := s.store.ForgetLoginAttempt(ctx, attempt); err != nil {
		return codeOK, 0, err
	}
	return codeOK, 0, s.store.MarkSecondFactor(ctx, state(c).session.ID, s.now())
}

func (s *Server) showOTP(c echo.Context) error {
	st := state(c)
	if st.pending == nil || !st.pending.HasSecondFactor() {
		return s.afterSecondFactor(c)
	}
	return s.render(c, http.StatusOK, i18n.T(c.Request().Context(), "auth.otp_title"), authpages.OTP(authpages.OTPProps{Email: st.pending.Email, CSRF: st.csrf, Next: safeNext(c.QueryParam("next"))}))
}

// checkOTP is the second step of signing in.
func (s *Server) checkOTP(c echo.Context) error {
	st := state(c)
	u := st.pending
	if u == nil || !u.HasSecondFactor() {
		return s.afterSecondFactor(c)
	}
	next := safeNext(c.FormValue("next"))
	ctx := c.Request().Context()
	again := func(status int, msg string) error {
		return s.render(c, status, i18n.T(ctx, "auth.otp_title"), authpages.OTP(authpages.OTPProps{Email: u.Email, Error: msg, CSRF: st.csrf, Next: next}))
	}
	code := c.FormValue("otp")
	if strings.TrimSpace(code) == "" {
		return again(http.StatusUnprocessableEntity, i18n.T(ctx, "auth.enter_code"))
	}
	res, wait, err := s.checkCode(c, u, code)
	switch {
	case err != nil:
		return err
	case res == codeThrottled:
		c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		return again(http.StatusTooManyRequests, i18n.T(ctx, "auth.code_throttled", "Wait", waitWords(ctx, wait)))
	case res == codeWrong:
		return again(http.StatusUnprocessableEntity, i18n.T(ctx, msgBadCode))
	}
	st.user, st.pending = u, nil
	if err := s.store.Audit(ctx, s.auditEntry(c, "login.ok", "user", fmt.Sprint(u.ID), "signed in with a second factor")); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, next)
}

// afterSecondFactor sends someone who owes no code on: home when signed
// in, else to sign in.
func (s *Server) afterSecondFactor(c echo.Context) error {
	st := state(c)
	switch {
	case st.user != nil:
		return c.Redirect(http.StatusSeeOther, "/")
	case st.pending != nil:
		return c.Redirect(http.StatusSeeOther, secondFactorPath(st.pending))
	}
	return c.Redirect(http.StatusSeeOther, "/login")
}

// enrollee is who may use the enrolment page: a signed-in user without an
// app, or a password-only session that must enrol before going on.
func enrollee(st *reqState) (*models.User, bool) {
	if st.user != nil && !st.user.HasSecondFactor() {
		return st.user, false
	}
	if st.pending != nil && !st.pending.HasSecondFactor() {
		return st.pending, true
	}
	return nil, false
}

func (s *Server) showEnrolment(c echo.Context) error {
	st := state(c)
	u, required := enrollee(st)
	if u == nil {
		if st.user != nil {
			return s.redirect(c, "/account", "info", i18n.T(c.Request().Context(), "my_account.app_already_set_up"))
		}
		return s.afterSecondFactor(c)
	}
	secret, _ := st.cookie.Values[keyPendingTOTP].(string)
	var e *auth.Enrolment
	var err error
	if secret != "" {
		e, err = auth.EnrolmentFor(secret, u.Email)
	}
	if secret == "" || err != nil {
		if e, err = auth.NewEnrolment(u.Email); err != nil {
			return err
		}
		st.cookie.Values[keyPendingTOTP] = e.Secret
		st.dirty = true
	}
	return s.renderEnrolment(c, http.StatusOK, u, required, e, "", safeNext(c.QueryParam("next")))
}

func (s *Server) renderEnrolment(c echo.Context, status int, u *models.User, required bool, e *auth.Enrolment, msg, next string) error {
	return s.render(c, status, i18n.T(c.Request().Context(), "my_account.enrol_title"), accountpages.Enrol(accountpages.EnrolProps{
		Email: u.Email, Required: required, QRData: "data:image/png;base64," + base64.StdEncoding.EncodeToString(e.QRPNG),
		URI: e.URI, Secret: e.Secret, Error: msg, CSRF: state(c).csrf, Next: next,
	}))
}

// enrolSecondFactor turns TOTP on once the person typed a code from the
// secret shown to them, and shows their recovery codes once.
func (s *Server) enrolSecondFactor(c echo.Context) error {
	st := state(c)
	u, required := enrollee(st)
	if u == nil {
		return s.afterSecondFactor(c)
	}
	next := safeNext(c.FormValue("next"))
	secret, _ := st.cookie.Values[keyPendingTOTP].(string)
	e, err := auth.EnrolmentFor(secret, u.Email)
	if secret == "" || err != nil {
		return s.redirect(c, "/account/two-factor?next="+url.QueryEscape(next), "info", i18n.T(c.Request().Context(), "my_account.enrol_expired"))
	}
	code := strings.Join(strings.Fields(c.FormValue("otp")), "")
	if len(code) != 6 || !auth.ValidTOTP(secret, code, s.now()) {
		msg := i18n.T(c.Request().Context(), "my_account.enrol_code_wrong")
		if code == "" {
			msg = i18n.T(c.Request().Context(), "my_account.enrol_code_missing")
		}
		return s.renderEnrolment(c, http.StatusUnprocessableEntity, u, required, e, msg, next)
	}
	sealed, err := auth.SealSecret(s.secretKey(), secret)
	if err != nil {
		return err
	}
	codes, hashes := auth.NewRecoveryCodes()
	entry := s.auditEntry(c, "user.2fa_enrol", "user", fmt.Sprint(u.ID), u.Email+": authenticator app set up; "+strconv.Itoa(len(codes))+" recovery codes issued")
	entry.ActorEmail = u.Email
	if entry.ActorID == nil {
		id := u.ID
		entry.ActorID = &id
	}
	if err := s.store.EnableSecondFactor(c.Request().Context(), u.ID, sealed, hashes, entry); err != nil {
		return err
	}
	if err := s.store.MarkSecondFactor(c.Request().Context(), st.session.ID, s.now()); err != nil {
		return err
	}
	delete(st.cookie.Values, keyPendingTOTP)
	st.dirty = true
	u.TOTPSecret = sealed
	st.user, st.pending = u, nil
	if required {
		if err := s.store.Audit(c.Request().Context(), s.auditEntry(c, "login.ok", "user", fmt.Sprint(u.ID), "signed in and set up a second factor")); err != nil {
			return err
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return s.render(c, http.StatusOK, i18n.T(c.Request().Context(), "my_account.recovery_title"), accountpages.Recovery(accountpages.RecoveryProps{Codes: codes, Next: next}))
}

// requireRecentOTP guards approvals and staff changes: when the session's
// last second-factor check is older than StepUpAge, it answers with a form
// that asks for a code and carries the original form along; the code
// comes back as `otp` with those fields, and on success the action runs.
func (s *Server) requireRecentOTP(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		st := state(c)
		u := st.user
		if u == nil || st.session == nil {
			return next(c)
		}
		if at := st.session.SecondFactorAt; at != nil && s.now().Sub(*at) <= StepUpAge {
			return next(c)
		}
		if !u.HasSecondFactor() {
			return echo.NewHTTPError(http.StatusForbidden, "errors.needs_second_factor")
		}
		code := c.FormValue("otp")
		if strings.TrimSpace(code) == "" {
			return s.renderStepUp(c, http.StatusUnauthorized, "")
		}
		res, wait, err := s.checkCode(c, u, code)
		switch {
		case err != nil:
			return err
		case res == codeThrottled:
			c.Response().Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
			ctx := c.Request().Context()
			return s.renderStepUp(c, http.StatusTooManyRequests, i18n.T(ctx, "auth.code_throttled", "Wait", waitWords(ctx, wait)))
		case res == codeWrong:
			return s.renderStepUp(c, http.StatusUnprocessableEntity, i18n.T(c.Request().Context(), msgBadCode))
		}
		now := s.now().UTC()
		st.session.SecondFactorAt = &now
		return next(c)
	}
}

func (s *Server) renderStepUp(c echo.Context, status int, msg string) error {
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	var fields []accountpages.Field
	names := slices.Sorted(maps.Keys(form))
	for _, name := range names {
		if name == "_csrf" || name == "otp" {
			continue
		}
		for _, v := range form[name] {
			fields = append(fields, accountpages.Field{Name: name, Value: v})
		}
	}
	ctx := c.Request().Context()
	return s.render(c, status, i18n.T(ctx, "my_account.step_up_title"), accountpages.StepUp(accountpages.StepUpProps{
		Action: c.Request().URL.Path, What: i18n.T(ctx, "my_account.step_up_what"),
		Fields: fields, Error: msg, CSRF: state(c).csrf,
	}))
}
