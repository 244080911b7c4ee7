package handlers

import (
	"fmt"
	"strconv"

	"github.com/labstack/echo/v4"

	"backoffice/internal/i18n"
	"backoffice/internal/store"
)

// maxBulkReplay bounds one bulk replay.
const maxBulkReplay = 10000

// replayCallback processes one stored callback again now.
func (s *Server) replayCallback(c echo.Context) error {
	cb, err := s.loadCallback(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	path := "/callback-log/" + strconv.FormatInt(cb.ID, 10)
	if !cb.Verified {
		return s.redirect(c, path, "bad", i18n.T(ctx, "callbacks.replay_unverified"))
	}
	u := state(c).user
	res, err := s.callbacks.Worker.Replay(c.Request().Context(), cb, u.Email)
	if err != nil {
		return err
	}
	entry := s.auditEntry(c, "callback.replay", "callback", strconv.FormatInt(cb.ID, 10),
		fmt.Sprintf("processed %s %s callback again: %s → %s", cb.Provider, cb.Kind, cb.Status.Label(), res.Outcome.Label()))
	if err := s.store.Audit(c.Request().Context(), entry); err != nil {
		return err
	}
	// The detail is the attempt's, stored as written.
	return s.redirect(c, path, "ok", i18n.T(ctx, "callbacks.replayed", "Outcome", res.Outcome.Text(ctx), "Detail", res.Detail))
}

// replayCallbacks queues every verified callback matching the filters.
func (s *Server) replayCallbacks(c echo.Context) error {
	params, err := c.FormParams()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	form, err := s.callbackSpec().Parse(params)
	if err != nil {
		return s.redirect(c, "/callback-log", "bad", i18n.T(ctx, "callbacks.bulk_bad_filters"))
	}
	back := form.URL()
	if !form.OK() {
		return s.redirect(c, back, "bad", i18n.T(ctx, "callbacks.bulk_bad_filters"))
	}
	filter := callbackFilter(form)
	filter.Cursor = store.Cursor{}
	entry := s.auditEntry(c, "callback.bulk_replay", "callback_log", "", "bulk replay "+form.Query().Encode())
	n, err := s.store.RequeueCallbacks(c.Request().Context(), filter, maxBulkReplay, entry)
	if err != nil {
		return err
	}
	s.callbacks.Worker.Wake()
	return s.redirect(c, back, "ok", i18n.T(ctx, "callbacks.bulk_queued", "Count", n))
}
