package handlers

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"backoffice/internal/i18n"
)

// setLanguage is the header's language toggle: remembered for the person
// when signed in, and for this browser's session either way.
func (s *Server) setLanguage(c echo.Context) error {
	l, ok := i18n.Parse(c.FormValue("lang"))
	if !ok {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	st := state(c)
	if st.cookie != nil {
		st.cookie.Values[keyLang] = string(l)
		st.dirty = true
	}
	if st.user != nil {
		if err := s.store.SetUserLang(c.Request().Context(), st.user.ID, string(l)); err != nil {
			return err
		}
	}
	st.addFlash("ok", i18n.In(l, "layout.language_changed"))
	return c.Redirect(http.StatusSeeOther, localPath(c.FormValue("return")))
}

// localPath keeps a return address on this site: a path of ours, else "/".
func localPath(v string) string {
	if !strings.HasPrefix(v, "/") || strings.HasPrefix(v, "//") || strings.HasPrefix(v, "/\\") || strings.ContainsAny(v, "\r\n") {
		return "/"
	}
	return v
}
