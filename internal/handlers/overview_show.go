package handlers

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"backoffice/internal/config"
	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/web/templates/pages/overview"
)

func (s *Server) showOverview(c echo.Context) error {
	u := state(c).user
	p := overview.Props{
		UserName: u.Name,
		Role:     u.Role,
		ProviderModes: []overview.ProviderMode{
			{Name: "OY! Indonesia", Mode: config.ProviderMode(s.cfg.OY.BaseURL)},
			{Name: "Faspay OVO", Mode: config.ProviderMode(s.cfg.Faspay.BaseURL)},
			{Name: "DOKU OVO", Mode: config.ProviderMode(s.cfg.Doku.BaseURL)},
			{Name: "Ayopop", Mode: config.ProviderMode(s.cfg.Ayopop.BaseURL)},
		},
	}
	if u.Role == models.RoleAdmin || u.Role == models.RoleAuditor {
		p.ShowAudit = true
		page, err := s.store.ListAudit(c.Request().Context(), store.AuditFilter{}, 8)
		if err != nil {
			return err
		}
		p.RecentActivity = page.Items
	}
	return s.render(c, http.StatusOK, "Overview", overview.Overview(p))
}
