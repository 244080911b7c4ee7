package handlers

import (
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"backoffice/internal/disbursements"
	"backoffice/internal/i18n"
	"backoffice/internal/models"
	"backoffice/internal/store"
	pages "backoffice/web/templates/pages/disbursements"
)

func (s *Server) showBatches(c echo.Context) error {
	list, err := s.store.ListBatches(c.Request().Context(), 100)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, i18n.T(c.Request().Context(), "bulk.title"), pages.Batches(pages.BatchesProps{Batches: list, CanUpload: state(c).user.Role != models.RoleAuditor}))
}

func (s *Server) showBatchNew(c echo.Context) error {
	return s.render(c, http.StatusOK, i18n.T(c.Request().Context(), "bulk.new_title"), pages.BatchNew(pages.BatchNewProps{CSRF: state(c).csrf}))
}

// createBatch keeps the uploaded file and starts checking its rows in the
// background, so a file of 10,000 rows never holds the page.
func (s *Server) createBatch(c echo.Context) error {
	ctx := c.Request().Context()
	title := i18n.T(ctx, "bulk.new_title")
	again := func(msg string) error {
		return s.render(c, http.StatusUnprocessableEntity, title, pages.BatchNew(pages.BatchNewProps{Error: msg, CSRF: state(c).csrf}))
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return again(i18n.T(ctx, "bulk.no_file"))
	}
	if fh.Size > disbursements.MaxBatchBytes {
		return again(i18n.T(ctx, "bulk.too_large"))
	}
	f, err := fh.Open()
	if err != nil {
		return again(i18n.T(ctx, "bulk.unreadable"))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, disbursements.MaxBatchBytes+1))
	if err != nil {
		return again(i18n.T(ctx, "bulk.unreadable"))
	}
	name := strings.TrimSpace(filepath.Base(fh.Filename))
	if name == "" || name == "." {
		name = "upload.csv"
	}
	uploadAgain := c.FormValue("upload_again") == "yes"
	b, err := s.disb.CreateBatch(ctx, state(c).user, truncate(name, 200), data, uploadAgain, s.auditEntry(c, "batch.upload", "batch", "", ""))
	var bad *disbursements.ErrBatchFile
	if errors.As(err, &bad) {
		return again(bad.Text(ctx))
	}
	var dup *disbursements.DuplicateFileError
	if errors.As(err, &dup) {
		return s.render(c, http.StatusUnprocessableEntity, title, pages.BatchNew(pages.BatchNewProps{Error: dup.Text(ctx), Duplicate: true, CSRF: state(c).csrf}))
	}
	if err != nil {
		return err
	}
	return s.redirect(c, "/disbursements/batches/"+strconv.FormatInt(b.ID, 10), "ok", i18n.T(ctx, "bulk.uploaded_flash"))
}

func (s *Server) loadBatch(c echo.Context) (*models.DisbursementBatch, error) {
	return loadByID(c, s.store.BatchByID)
}

func (s *Server) showBatch(c echo.Context) error {
	b, err := s.loadBatch(c)
	if err != nil {
		return err
	}
	return s.renderBatch(c, http.StatusOK, b, "")
}

func (s *Server) renderBatch(c echo.Context, status int, b *models.DisbursementBatch, msg string) error {
	ctx := c.Request().Context()
	bad, err := s.store.BatchRows(ctx, b.ID, true, 500)
	if err != nil {
		return err
	}
	u := state(c).user
	p := pages.BatchProps{B: *b, BadRows: bad, Error: msg, CSRF: state(c).csrf,
		CanSubmit:   b.Status == models.BatchReady && u.ID == b.MakerID && b.ValidRows > 0,
		CanWithdraw: b.Status == models.BatchSubmitted && u.ID == b.MakerID}
	if b.Status == models.BatchReady || b.Status == models.BatchSubmitted {
		// Maker and approver read the bank's name of every row before deciding.
		if p.ValidRows, err = s.store.ValidBatchRows(ctx, b.ID, disbursements.MaxBatchRows); err != nil {
			return err
		}
		for _, r := range p.ValidRows {
			if r.NameInFile != "" && !models.NamesMatch(r.NameInFile, r.RecipientName) {
				p.Mismatches++
			}
		}
	}
	approvedBy := map[int64]bool{}
	if b.Status == models.BatchSubmitted {
		if p.Approvers, err = s.store.BatchApprovals(ctx, b.ID); err != nil {
			return err
		}
		for _, a := range p.Approvers {
			approvedBy[a.UserID] = true
		}
		if p.Approval, err = s.disb.ApprovalStateFor(ctx, b.ValidSum, b.MakerID, approvedBy); err != nil {
			return err
		}
	}
	switch {
	case u.Role == models.RoleAuditor:
		p.WhyNot = i18n.T(ctx, "disb.why_auditor")
	case u.ID == b.MakerID:
		p.WhyNot = i18n.T(ctx, "bulk.why_maker")
	case approvedBy[u.ID]:
		p.WhyNot = i18n.T(ctx, "bulk.why_approved")
	default:
		p.CanDecide = true
		if b.Status == models.BatchSubmitted {
			p.Balance, err = s.disb.RefreshBalance(ctx, u.Email)
			p.BalanceFailed = err != nil
		}
	}
	return s.render(c, status, i18n.T(ctx, "bulk.page_title", "ID", b.ID), pages.Batch(p))
}

func (s *Server) downloadBatchFile(c echo.Context) error {
	b, err := s.loadBatch(c)
	if err != nil {
		return err
	}
	name, data, err := s.store.BatchFile(c.Request().Context(), b.ID)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+strings.ReplaceAll(name, `"`, "")+`"`)
	return c.Blob(http.StatusOK, batchFileType(data), data)
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// batchFileType is the content type of an uploaded file as it was kept.
func batchFileType(data []byte) string {
	if disbursements.IsXLSX(data) {
		return xlsxType
	}
	return "text/csv; charset=utf-8"
}

// downloadBatchSample serves a bulk file to start from, as CSV or XLSX.
func (s *Server) downloadBatchSample(c echo.Context) error {
	format := strings.TrimPrefix(filepath.Ext(c.Path()), ".")
	name := "bulk-disbursements-sample." + format
	var data []byte
	switch format {
	case "csv":
		data = disbursements.SampleBatchCSV()
	case "xlsx":
		var err error
		if data, err = disbursements.SampleBatchXLSX(); err != nil {
			return err
		}
	default:
		return echo.ErrNotFound
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	return c.Blob(http.StatusOK, batchFileType(data), data)
}

func (s *Server) submitBatch(c echo.Context) error {
	ctx := c.Request().Context()
	b, err := s.loadBatch(c)
	if err != nil {
		return err
	}
	if c.FormValue("names_checked") != "yes" {
		return s.renderBatch(c, http.StatusUnprocessableEntity, b, i18n.T(ctx, "bulk.names_unread_submit"))
	}
	n, err := s.disb.SubmitBatch(ctx, b.ID, state(c).user, s.auditEntry(c, "batch.submit", "batch", strconv.FormatInt(b.ID, 10), "batch "+b.FileName))
	if errors.Is(err, store.ErrConflict) {
		return s.renderBatch(c, http.StatusConflict, b, i18n.T(ctx, "bulk.cannot_submit", "Status", i18n.T(ctx, b.Status.LabelKey())))
	}
	if err != nil {
		return err
	}
	return s.redirect(c, "/disbursements/batches/"+strconv.FormatInt(b.ID, 10), "ok", i18n.T(ctx, "bulk.submitted_flash", "N", n))
}

func (s *Server) approveBatch(c echo.Context) error { return s.decideBatch(c, true) }
func (s *Server) rejectBatch(c echo.Context) error  { return s.decideBatch(c, false) }

func (s *Server) decideBatch(c echo.Context, approve bool) error {
	ctx := c.Request().Context()
	b, err := s.loadBatch(c)
	if err != nil {
		return err
	}
	if approve && b.Status == models.BatchSubmitted {
		if c.FormValue("names_checked") != "yes" {
			return s.renderBatch(c, http.StatusUnprocessableEntity, b, i18n.T(ctx, "bulk.names_unread_approve"))
		}
		if c.FormValue("confirm") != "yes" {
			return s.renderBatch(c, http.StatusUnprocessableEntity, b, i18n.T(ctx, "bulk.tick_approve"))
		}
	}
	action := "batch.reject"
	if approve {
		action = "batch.approve"
	}
	audit := s.auditEntry(c, action, "batch", strconv.FormatInt(b.ID, 10), "batch "+b.FileName+", "+strconv.Itoa(b.ValidRows)+" rows, "+rupiahText(b.ValidSum))
	res, err := s.disb.DecideBatch(ctx, b.ID, state(c).user, approve, audit)
	var short *disbursements.BalanceError
	switch {
	case errors.As(err, &short):
		return s.renderBatch(c, http.StatusUnprocessableEntity, b, short.Message().In(ctx))
	case errors.Is(err, store.ErrMakerCannotApprove):
		return s.renderBatch(c, http.StatusForbidden, b, i18n.T(ctx, "bulk.maker_cannot_decide"))
	case errors.Is(err, store.ErrAlreadyDecided):
		return s.renderBatch(c, http.StatusConflict, b, i18n.T(ctx, "bulk.already_approved"))
	case errors.Is(err, store.ErrConflict):
		return s.renderBatch(c, http.StatusConflict, b, i18n.T(ctx, "bulk.not_waiting"))
	case err != nil:
		return err
	}
	to := "/disbursements/batches/" + strconv.FormatInt(b.ID, 10)
	if !approve {
		return s.redirect(c, to, "ok", i18n.T(ctx, "bulk.rejected_flash"))
	}
	if !res.Complete {
		return s.redirect(c, to, "ok", i18n.T(ctx, "bulk.approval_recorded", "Have", res.Approvals, "Needed", res.Needed))
	}
	return s.redirect(c, to, "ok", i18n.T(ctx, "bulk.approved_flash"))
}

// withdrawBatch lets its maker take back a submitted batch.
func (s *Server) withdrawBatch(c echo.Context) error {
	ctx := c.Request().Context()
	b, err := s.loadBatch(c)
	if err != nil {
		return err
	}
	audit := s.auditEntry(c, "batch.withdraw", "batch", strconv.FormatInt(b.ID, 10), "batch "+b.FileName+", "+rupiahText(b.ValidSum))
	n, err := s.disb.WithdrawBatch(ctx, b.ID, state(c).user, audit)
	switch {
	case errors.Is(err, store.ErrNotTheMaker):
		return s.renderBatch(c, http.StatusForbidden, b, i18n.T(ctx, "bulk.only_maker_withdraws"))
	case errors.Is(err, store.ErrConflict):
		return s.renderBatch(c, http.StatusConflict, b, i18n.T(ctx, "bulk.not_waiting_withdraw"))
	case err != nil:
		return err
	}
	return s.redirect(c, "/disbursements/batches/"+strconv.FormatInt(b.ID, 10), "ok", i18n.T(ctx, "bulk.withdrawn_flash", "N", n))
}
