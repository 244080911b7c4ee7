package handlers

import (
	"fmt"
	"strconv"

	"github.com/labstack/echo/v4"

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
	path := "/callback-log/" + strconv.FormatInt(cb.ID, 10)
	if !cb.Verified {
		return s.redirect(c, path, "bad", "This callback failed verification; it is kept as evidence and never processed.")
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
	return s.redirect(c, path, "ok", "Processed again: "+res.Outcome.Label()+". "+res.Detail)
}

// replayCallbacks queues every verified callback matching the filters.
func (s *Server) replayCallbacks(c echo.Context) error {
	params, err := c.FormParams()
	if err != nil {
		return err
	}
	form, err := s.callbackSpec().Parse(params)
	if err != nil {
		return s.redirect(c, "/callback-log", "bad", "The filters could not be read; nothing was queued.")
	}
	back := form.URL()
	if !form.OK() {
		return s.redirect(c, back, "bad", "The filters could not be read; nothing was queued.")
	}
	filter := callbackFilter(form)
	filter.Cursor = store.Cursor{}
	entry := s.auditEntry(c, "callback.bulk_replay", "callback_log", "", "bulk replay "+form.Query().Encode())
	n, err := s.store.RequeueCallbacks(c.Request().Context(), filter, maxBulkReplay, entry)
	if err != nil {
		return err
	}
	s.callbacks.Worker.Wake()
	return s.redirect(c, back, "ok", fmt.Sprintf("%d callbacks were queued for processing again.", n))
}
