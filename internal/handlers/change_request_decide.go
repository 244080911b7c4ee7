package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/web/templates/pages/changes"
)

// requestChange records a change that needs four eyes, asked by the
// signed-in admin. store.ErrDuplicate when the same change is already waiting.
func (s *Server) requestChange(c echo.Context, r *models.ChangeRequest) error {
	u := state(c).user
	r.RequestedByID, r.RequestedByEmail = u.ID, u.Email
	return s.store.RequestChange(c.Request().Context(), r, s.auditEntry(c, "change.request", "", "", "asked: "+r.Summary))
}

func changePath(r *models.ChangeRequest) string {
	return "/change-requests/" + strconv.FormatInt(r.ID, 10)
}

func (s *Server) loadChange(c echo.Context) (*models.ChangeRequest, error) {
	return loadByID(c, s.store.ChangeRequestByID)
}

func (s *Server) showChangeRequest(c echo.Context) error {
	r, err := s.loadChange(c)
	if err != nil {
		return err
	}
	return s.renderChange(c, http.StatusOK, r, "", "", "")
}

// renderChange shows a request with the buttons the viewer may use; the
// rules are the models' own, so the page offers only what will be allowed.
func (s *Server) renderChange(c echo.Context, status int, r *models.ChangeRequest, msg, note, noteErr string) error {
	st := state(c)
	ctx := c.Request().Context()
	p := changes.DetailProps{R: *r, Error: msg, Note: note, NoteError: noteErr, CSRF: st.csrf}
	if r.Status == models.ChangePending {
		requester, err := s.store.UserByID(ctx, r.RequestedByID)
		if errors.Is(err, store.ErrNotFound) {
			requester, err = nil, nil
		}
		if err != nil {
			return err
		}
		approveErr := r.MayApprove(st.user, requester)
		p.CanApprove = approveErr == nil
		p.CanReject = r.MayReject(st.user) == nil
		p.CanWithdraw = r.MayWithdraw(st.user) == nil
		var refused *models.ChangeRefused
		if errors.As(approveErr, &refused) && st.user.Role == models.RoleAdmin {
			p.WhyNot = refused.Text(ctx)
		}
	}
	return s.render(c, status, i18n.T(ctx, "change_req.detail_title", "ID", strconv.FormatInt(r.ID, 10)), changes.Detail(p))
}

// approveChange applies a request asked for by another admin. The store
// checks every rule again inside its write transaction.
func (s *Server) approveChange(c echo.Context) error {
	r, err := s.loadChange(c)
	if err != nil {
		return err
	}
	me := state(c).user
	ctx := c.Request().Context()
	done, err := s.store.ApproveChange(ctx, r.ID, me.ID, s.auditEntry(c, "", "", "", ""))
	if refused := (*models.ChangeRefused)(nil); errors.As(err, &refused) {
		return s.renderChange(c, http.StatusUnprocessableEntity, r, refused.Text(ctx), "", "")
	}
	if err != nil {
		return err
	}
	if done.UserID != nil && *done.UserID == me.ID && done.Kind != models.ChangeUserEnable {
		// The change ended the approver's own sessions.
		return s.redirect(c, "/login", "ok", i18n.T(ctx, "change_req.approved_sign_in", "Summary", done.Summary))
	}
	// The summary is the request's record, kept in the words it was written in.
	return s.redirect(c, changePath(done), "ok", i18n.T(ctx, "change_req.approved_flash", "Summary", done.Summary))
}

func (s *Server) rejectChange(c echo.Context) error { return s.closeChange(c, models.ChangeRejected) }
func (s *Server) withdrawChange(c echo.Context) error {
	return s.closeChange(c, models.ChangeWithdrawn)
}

func (s *Server) closeChange(c echo.Context, status models.ChangeStatus) error {
	r, err := s.loadChange(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	note := strings.TrimSpace(c.FormValue("note"))
	if utf8.RuneCountInString(note) > 200 {
		return s.renderChange(c, http.StatusUnprocessableEntity, r, "", note, i18n.T(ctx, "change_req.note_too_long", "Max", 200))
	}
	done, err := s.store.CloseChange(ctx, r.ID, state(c).user.ID, status, note, s.auditEntry(c, "", "", "", ""))
	if refused := (*models.ChangeRefused)(nil); errors.As(err, &refused) {
		return s.renderChange(c, http.StatusUnprocessableEntity, r, refused.Text(ctx), note, "")
	}
	if err != nil {
		return err
	}
	return s.redirect(c, changePath(done), "ok", i18n.T(ctx, "change_req.closed_flash", "Status", i18n.T(ctx, done.Status.Key()), "Summary", done.Summary))
}
