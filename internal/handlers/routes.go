package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/store"
	"backoffice/web/templates/layout"
)

// access says how a route is reached.
type access int

const (
	// staff routes need a signed-in user with one of the route's roles,
	// and CSRF on every state-changing method.
	staff access = iota
	// public routes need no sign-in (login, health, static files).
	public
	// external routes are called by providers or serve the sandboxes: no
	// session and no CSRF; they authenticate their callers themselves.
	external
	// stateless routes need no sign-in and never touch the session, so
	// their answers carry no cookie and may be cached (health, static files).
	stateless
)

// anyMethod marks a mounted handler that answers every method.
const anyMethod = "ANY"

// route is one row of the permission table.
type route struct {
	Method  string
	Path    string
	Access  access
	Roles   []models.Role // for staff routes
	Nav     string        // catalogue key of the label in the navigation, for pages shown there
	Group   string        // catalogue key of the navigation group
	Handler echo.HandlerFunc
	// BodyLimit overrides the request size limit (uploads).
	BodyLimit string
}

var (
	everyone     = []models.Role{models.RoleAdmin, models.RoleFinance, models.RoleAuditor}
	adminOnly    = []models.Role{models.RoleAdmin}
	adminAuditor = []models.Role{models.RoleAdmin, models.RoleAuditor}
	makers       = []models.Role{models.RoleAdmin, models.RoleFinance}
)

// routes is the one table of every route and who may use it. A test walks
// the router and fails if anything is registered outside this table.
func (s *Server) routes() []route {
	rs := []route{
		{Method: "GET", Path: "/healthz", Access: stateless, Handler: s.healthz},
		{Method: "GET", Path: "/readyz", Access: stateless, Handler: s.readyz},
		{Method: "GET", Path: "/static/*", Access: stateless, Handler: staticHandler()},
		{Method: "GET", Path: "/login", Access: public, Handler: s.showLogin},
		{Method: "POST", Path: "/login", Access: public, Handler: s.login},
		{Method: "POST", Path: "/logout", Access: staff, Roles: everyone, Handler: s.logout},
		// Second factor: reached by a session that has only passed the password, so public; the handlers check the session.
		{Method: "GET", Path: "/login/otp", Access: public, Handler: s.showOTP},
		{Method: "POST", Path: "/login/otp", Access: public, Handler: s.checkOTP},
		{Method: "GET", Path: "/account/two-factor", Access: public, Handler: s.showEnrolment},
		{Method: "POST", Path: "/account/two-factor", Access: public, Handler: s.enrolSecondFactor},
		// The header's language toggle, before and after sign-in.
		{Method: "POST", Path: "/language", Access: public, Handler: s.setLanguage},
		{Method: "GET", Path: "/account", Access: staff, Roles: everyone, Handler: s.showAccount},
		{Method: "POST", Path: "/account/password", Access: staff, Roles: everyone, Handler: s.changeOwnPassword},

		{Method: "GET", Path: "/", Access: staff, Roles: everyone, Nav: "nav.overview", Group: "nav.group_home", Handler: s.showOverview},

		{Method: "GET", Path: "/ovo-accounts", Access: staff, Roles: everyone, Nav: "nav.ovo_accounts", Group: "nav.group_ovo", Handler: s.showOVOAccounts},
		{Method: "GET", Path: "/ovo-accounts/new", Access: staff, Roles: makers, Handler: s.showOVOLinkNew},
		{Method: "POST", Path: "/ovo-accounts", Access: staff, Roles: makers, Handler: s.linkOVOAccount},
		{Method: "GET", Path: "/ovo-accounts/:id", Access: staff, Roles: everyone, Handler: s.showOVOAccount},
		{Method: "POST", Path: "/ovo-accounts/:id/balance", Access: staff, Roles: makers, Handler: s.refreshOVOBalance},
		{Method: "POST", Path: "/ovo-accounts/:id/payments", Access: staff, Roles: makers, Handler: s.payOVOAccount},
		{Method: "GET", Path: "/ovo-accounts/:id/unlink", Access: staff, Roles: makers, Handler: s.showOVOUnlink},
		{Method: "POST", Path: "/ovo-accounts/:id/unlink", Access: staff, Roles: makers, Handler: s.unlinkOVOAccount},
		{Method: "GET", Path: "/ovo-payments/:id", Access: staff, Roles: everyone, Handler: s.showOVOPayment},
		// DOKU sends the customer's browser here after OVO's binding page: no sign-in (see dokuBindingReturn).
		{Method: "GET", Path: "/ovo-return/doku/:cust/:result", Access: public, Handler: s.dokuBindingReturn},
		{Method: "GET", Path: "/ovo-topups", Access: staff, Roles: everyone, Nav: "nav.ovo_topups", Group: "nav.group_ovo", Handler: s.showTopups},
		{Method: "GET", Path: "/ovo-topups/new", Access: staff, Roles: makers, Handler: s.showTopupNew},
		{Method: "POST", Path: "/ovo-topups/inquiry", Access: staff, Roles: makers, Handler: s.inquireTopup},
		{Method: "POST", Path: "/ovo-topups", Access: staff, Roles: makers, Handler: s.createTopup},
		{Method: "POST", Path: "/ovo-topups/deposit/refresh", Access: staff, Roles: makers, Handler: s.refreshTopupDeposit},
		{Method: "GET", Path: "/ovo-topups/:id", Access: staff, Roles: everyone, Handler: s.showTopup},
		{Method: "GET", Path: "/ovo-topups/:id/receipt", Access: staff, Roles: everyone, Handler: s.showTopupReceipt},
		{Method: "POST", Path: "/ovo-topups/:id/approve", Access: staff, Roles: makers, Handler: s.requireRecentOTP(s.approveTopup)},
		{Method: "POST", Path: "/ovo-topups/:id/reject", Access: staff, Roles: makers, Handler: s.rejectTopup},

		{Method: "GET", Path: "/balance", Access: staff, Roles: everyone, Nav: "nav.balance", Group: "nav.group_oy", Handler: s.showBalance},
		{Method: "POST", Path: "/balance/refresh", Access: staff, Roles: makers, Handler: s.refreshBalance},
		{Method: "GET", Path: "/disbursements", Access: staff, Roles: everyone, Nav: "nav.disbursements", Group: "nav.group_oy", Handler: s.showDisbursements},
		{Method: "GET", Path: "/disbursements/new", Access: staff, Roles: makers, Handler: s.showDisbursementNew},
		{Method: "POST", Path: "/disbursements/inquiry", Access: staff, Roles: makers, Handler: s.inquireDisbursement},
		{Method: "POST", Path: "/disbursements", Access: staff, Roles: makers, Handler: s.createDisbursement},
		{Method: "GET", Path: "/disbursements/batches", Access: staff, Roles: everyone, Handler: s.showBatches},
		{Method: "GET", Path: "/disbursements/batches/new", Access: staff, Roles: makers, Handler: s.showBatchNew},
		{Method: "GET", Path: "/disbursements/batches/sample.csv", Access: staff, Roles: makers, Handler: s.downloadBatchSample},
		{Method: "GET", Path: "/disbursements/batches/sample.xlsx", Access: staff, Roles: makers, Handler: s.downloadBatchSample},
		{Method: "POST", Path: "/disbursements/batches", Access: staff, Roles: makers, Handler: s.createBatch, BodyLimit: "6M"},
		{Method: "GET", Path: "/disbursements/batches/:id", Access: staff, Roles: everyone, Handler: s.showBatch},
		{Method: "GET", Path: "/disbursements/batches/:id/file", Access: staff, Roles: everyone, Handler: s.downloadBatchFile},
		{Method: "POST", Path: "/disbursements/batches/:id/submit", Access: staff, Roles: makers, Handler: s.submitBatch},
		{Method: "POST", Path: "/disbursements/batches/:id/approve", Access: staff, Roles: makers, Handler: s.requireRecentOTP(s.approveBatch)},
		{Method: "POST", Path: "/disbursements/batches/:id/reject", Access: staff, Roles: makers, Handler: s.rejectBatch},
		{Method: "POST", Path: "/disbursements/batches/:id/withdraw", Access: staff, Roles: makers, Handler: s.withdrawBatch},
		{Method: "GET", Path: "/disbursements/:id", Access: staff, Roles: everyone, Handler: s.showDisbursement},
		{Method: "POST", Path: "/disbursements/:id/approve", Access: staff, Roles: makers, Handler: s.requireRecentOTP(s.approveDisbursement)},
		{Method: "POST", Path: "/disbursements/:id/reject", Access: staff, Roles: makers, Handler: s.rejectDisbursement},
		{Method: "POST", Path: "/disbursements/:id/resend-callback", Access: staff, Roles: makers, Handler: s.resendDisbursementCallback},
		{Method: "POST", Path: "/disbursements/:id/withdraw", Access: staff, Roles: makers, Handler: s.withdrawDisbursement},
		{Method: "GET", Path: "/virtual-accounts", Access: staff, Roles: everyone, Nav: "nav.virtual_accounts", Group: "nav.group_oy", Handler: s.showVirtualAccounts},
		{Method: "GET", Path: "/virtual-accounts/new", Access: staff, Roles: adminOnly, Handler: s.showVANew},
		{Method: "POST", Path: "/virtual-accounts", Access: staff, Roles: adminOnly, Handler: s.createVA},
		{Method: "GET", Path: "/virtual-accounts/:id", Access: staff, Roles: everyone, Handler: s.showVA},
		{Method: "GET", Path: "/virtual-accounts/:id/edit", Access: staff, Roles: adminOnly, Handler: s.showVAEdit},
		{Method: "POST", Path: "/virtual-accounts/:id", Access: staff, Roles: adminOnly, Handler: s.updateVA},
		// Payment links and invoices (checkout): admins create and delete, finance follows what got paid.
		{Method: "GET", Path: "/payment-links", Access: staff, Roles: everyone, Nav: "nav.payment_links", Group: "nav.group_oy", Handler: s.showCheckoutListOf(models.KindPaymentLink)},
		{Method: "GET", Path: "/payment-links/new", Access: staff, Roles: adminOnly, Handler: s.showPaymentLinkNew},
		{Method: "POST", Path: "/payment-links", Access: staff, Roles: adminOnly, Handler: s.createPaymentLink},
		{Method: "GET", Path: "/payment-links/:id", Access: staff, Roles: everyone, Handler: s.showCheckoutOf(models.KindPaymentLink)},
		{Method: "POST", Path: "/payment-links/:id/refresh", Access: staff, Roles: makers, Handler: s.refreshCheckoutOf(models.KindPaymentLink)},
		{Method: "POST", Path: "/payment-links/:id/delete", Access: staff, Roles: adminOnly, Handler: s.deleteCheckoutOf(models.KindPaymentLink)},
		{Method: "GET", Path: "/invoices", Access: staff, Roles: everyone, Nav: "nav.invoices", Group: "nav.group_oy", Handler: s.showCheckoutListOf(models.KindInvoice)},
		{Method: "GET", Path: "/invoices/new", Access: staff, Roles: adminOnly, Handler: s.showInvoiceNew},
		{Method: "POST", Path: "/invoices", Access: staff, Roles: adminOnly, Handler: s.createInvoice, BodyLimit: checkoutUploadLimit},
		{Method: "GET", Path: "/invoices/recurring", Access: staff, Roles: everyone, Handler: s.showRecurringList},
		{Method: "GET", Path: "/invoices/recurring/:id", Access: staff, Roles: everyone, Handler: s.showRecurring},
		{Method: "POST", Path: "/invoices/recurring/:id/pause", Access: staff, Roles: adminOnly, Handler: s.setRecurringTo(models.RecurringPaused, "pause")},
		{Method: "POST", Path: "/invoices/recurring/:id/resume", Access: staff, Roles: adminOnly, Handler: s.setRecurringTo(models.RecurringActive, "resume")},
		{Method: "POST", Path: "/invoices/recurring/:id/end", Access: staff, Roles: adminOnly, Handler: s.setRecurringTo(models.RecurringEnded, "end")},
		{Method: "GET", Path: "/invoices/:id", Access: staff, Roles: everyone, Handler: s.showCheckoutOf(models.KindInvoice)},
		{Method: "GET", Path: "/invoices/:id/print", Access: staff, Roles: everyone, Handler: s.showInvoicePrint},
		{Method: "POST", Path: "/invoices/:id/refresh", Access: staff, Roles: makers, Handler: s.refreshCheckoutOf(models.KindInvoice)},
		{Method: "POST", Path: "/invoices/:id/delete", Access: staff, Roles: adminOnly, Handler: s.deleteCheckoutOf(models.KindInvoice)},

		{Method: "GET", Path: "/callback-log", Access: staff, Roles: everyone, Nav: "nav.callback_log", Group: "nav.group_records", Handler: s.showCallbackLog},
		{Method: "GET", Path: "/callback-log/:id", Access: staff, Roles: everyone, Handler: s.showCallback},
		{Method: "POST", Path: "/callback-log/:id/replay", Access: staff, Roles: adminOnly, Handler: s.replayCallback},
		{Method: "POST", Path: "/callback-log/replay", Access: staff, Roles: adminOnly, Handler: s.replayCallbacks},
		{Method: "GET", Path: "/audit-log", Access: staff, Roles: adminAuditor, Nav: "nav.audit_log", Group: "nav.group_records", Handler: s.showAuditLog},

		{Method: "GET", Path: "/users", Access: staff, Roles: adminAuditor, Nav: "nav.staff", Group: "nav.group_admin", Handler: s.showUsers},
		{Method: "GET", Path: "/users/new", Access: staff, Roles: adminOnly, Handler: s.showUserNew},
		{Method: "POST", Path: "/users", Access: staff, Roles: adminOnly, Handler: s.requireRecentOTP(s.createUser)},
		{Method: "GET", Path: "/users/:id", Access: staff, Roles: adminOnly, Handler: s.showUser},
		{Method: "POST", Path: "/users/:id/role", Access: staff, Roles: adminOnly, Handler: s.requireRecentOTP(s.changeUserRole)},
		{Method: "POST", Path: "/users/:id/password", Access: staff, Roles: adminOnly, Handler: s.requireRecentOTP(s.resetUserPassword)},
		{Method: "POST", Path: "/users/:id/disable", Access: staff, Roles: adminOnly, Handler: s.requireRecentOTP(s.disableUser)},
		{Method: "POST", Path: "/users/:id/enable", Access: staff, Roles: adminOnly, Handler: s.requireRecentOTP(s.enableUser)},
		{Method: "POST", Path: "/users/:id/unlock", Access: staff, Roles: adminOnly, Handler: s.requireRecentOTP(s.unlockUser)},
		{Method: "POST", Path: "/users/:id/two-factor/reset", Access: staff, Roles: adminOnly, Handler: s.requireRecentOTP(s.resetUserSecondFactor)},
		{Method: "GET", Path: "/settings", Access: staff, Roles: adminAuditor, Nav: "nav.settings", Group: "nav.group_admin", Handler: s.showSettings},
		{Method: "POST", Path: "/settings", Access: staff, Roles: adminOnly, Handler: s.updateSettings},
		// Four eyes on staff and thresholds: one admin asks, a different admin approves (docs/security.md).
		{Method: "GET", Path: "/change-requests", Access: staff, Roles: adminAuditor, Nav: "nav.change_requests", Group: "nav.group_admin", Handler: s.showChangeRequests},
		{Method: "GET", Path: "/change-requests/:id", Access: staff, Roles: adminAuditor, Handler: s.showChangeRequest},
		{Method: "POST", Path: "/change-requests/:id/approve", Access: staff, Roles: adminOnly, Handler: s.requireRecentOTP(s.approveChange)},
		{Method: "POST", Path: "/change-requests/:id/reject", Access: staff, Roles: adminOnly, Handler: s.rejectChange},
		{Method: "POST", Path: "/change-requests/:id/withdraw", Access: staff, Roles: adminOnly, Handler: s.withdrawChange},
	}
	for _, ep := range s.callbacks.Endpoints {
		// Every method is accepted and stored, so even a wrong one is in the log.
		rs = append(rs, route{Method: anyMethod, Path: ep.Path, Access: external, Handler: s.serveCallbackRoute(ep)})
	}
	for _, m := range s.mounts {
		h := echo.WrapHandler(http.StripPrefix(m.Prefix, m.Handler))
		rs = append(rs, route{Method: anyMethod, Path: m.Prefix + "/*", Access: external, Handler: h})
	}
	return rs
}

// register adds every row of the table to the router with its guards.
func (s *Server) register() {
	for _, r := range s.table {
		var mw []echo.MiddlewareFunc
		limit := formBodyLimit
		if r.BodyLimit != "" {
			limit = r.BodyLimit
		}
		switch r.Access {
		case staff:
			mw = append(mw, middleware.BodyLimit(limit), s.loadSession, s.checkCSRF, s.requireRoles(r.Roles))
		case public:
			mw = append(mw, middleware.BodyLimit(limit), s.loadSession, s.checkCSRF)
		}
		if r.Method == anyMethod {
			// Mounted handlers answer every method under their prefix.
			s.echo.Any(r.Path, r.Handler, mw...)
			continue
		}
		s.echo.Add(r.Method, r.Path, r.Handler, mw...)
		if r.Method == http.MethodGet {
			// HEAD is answered wherever GET is (net/http drops the body).
			s.echo.Add(http.MethodHead, r.Path, r.Handler, mw...)
		}
	}
	// Unknown paths still get the session, so the 404 page shows the navigation.
	s.echo.RouteNotFound("/*", func(c echo.Context) error { return echo.ErrNotFound }, s.loadSession)
}

// navFor lists the pages a role may open, marking the current one.
func (s *Server) navFor(ctx context.Context, role models.Role, current string) []layout.NavItem {
	var out []layout.NavItem
	for _, r := range s.table {
		if r.Nav == "" || !allows(r.Roles, role) {
			continue
		}
		active := current == r.Path || (r.Path != "/" && strings.HasPrefix(current, r.Path+"/"))
		out = append(out, layout.NavItem{Label: i18n.T(ctx, r.Nav), Path: r.Path, Group: i18n.T(ctx, r.Group), Active: active})
	}
	return out
}

func allows(roles []models.Role, role models.Role) bool {
	for _, r := range roles {
		if r == role {
			return true
		}
	}
	return false
}

// loadByID reads the :id route parameter and loads that record; a
// malformed or unknown id is a 404.
func loadByID[T any](c echo.Context, load func(context.Context, int64) (*T, error)) (*T, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, echo.ErrNotFound
	}
	v, err := load(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, echo.ErrNotFound
	}
	return v, err
}
