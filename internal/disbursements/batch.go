package disbursements

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"backoffice/internal/i18n"
	"backoffice/internal/lifecycle"
	"backoffice/internal/models"
	"backoffice/internal/money"
	"backoffice/internal/providers/oy"
	"backoffice/internal/store"
)

// Bulk upload limits.
const (
	MaxBatchRows  = 10_000
	MaxBatchBytes = 5 << 20
)

// ErrBatchFile is a file that cannot be read as a batch, in the clerk's
// words: Message, followed for a header error by what the header must be.
type ErrBatchFile struct {
	Message i18n.Message
	Header  bool
}

func fileError(id string, args ...any) *ErrBatchFile {
	return &ErrBatchFile{Message: i18n.M(id, args...)}
}

// Text is the error in the request's language.
func (e *ErrBatchFile) Text(ctx context.Context) string {
	if e.Header {
		return e.Message.In(ctx) + " " + i18n.T(ctx, "bulk.header_help")
	}
	return e.Message.In(ctx)
}

// Error is the error in English, for logs.
func (e *ErrBatchFile) Error() string { return e.Text(context.Background()) }

// BatchColumns are the columns of a bulk file, in the order of the sample
// files. The first three are required; note, email and name may be left
// out of the header or left empty.
var BatchColumns = []string{"bank_code", "account", "amount", "note", "email", "name"}

const requiredBatchColumns = 3

// batchColumnNames maps what a clerk may write in the header (lower case,
// spaces and dashes as underscores) to a column of BatchColumns. The
// Indonesian names are those of OY's and the banks' own bulk templates.
var batchColumnNames = map[string]int{
	"bank_code": 0, "bank": 0, "kode_bank": 0,
	"account": 1, "account_number": 1, "rekening": 1, "no_rekening": 1, "nomor_rekening": 1,
	"amount": 2, "jumlah": 2, "nominal": 2,
	"note": 3, "catatan": 3, "keterangan": 3, "berita": 3,
	"email": 4, "e_mail": 4,
	"name": 5, "nama": 5, "recipient_name": 5, "nama_penerima": 5,
}

// headerError is the one file-level error for a wrong or missing header:
// what is wrong, then the columns the first line must name
// ("bulk.header_help").
func headerError(id string, args ...any) *ErrBatchFile {
	return &ErrBatchFile{Message: i18n.M(id, args...), Header: true}
}

// batchHeader reads a header line into the position of each column of
// BatchColumns within a line (-1 when absent).
func batchHeader(rec []string) ([]int, error) {
	pos := make([]int, len(BatchColumns))
	for i := range pos {
		pos[i] = -1
	}
	for i, cell := range rec {
		key := strings.ToLower(strings.TrimSpace(cell))
		key = strings.NewReplacer(" ", "_", "-", "_", ".", "").Replace(key)
		if key == "" && i == len(rec)-1 {
			continue // a trailing separator
		}
		col, ok := batchColumnNames[key]
		if !ok {
			if looksLikeData(rec) {
				return nil, headerError("bulk.header_is_data")
			}
			return nil, headerError("bulk.header_unknown", "Name", strconv.Quote(strings.TrimSpace(cell)))
		}
		if pos[col] >= 0 {
			return nil, headerError("bulk.header_twice", "Name", BatchColumns[col])
		}
		pos[col] = i
	}
	var missing []string
	for i, col := range pos[:requiredBatchColumns] {
		if col < 0 {
			missing = append(missing, BatchColumns[i])
		}
	}
	if len(missing) > 0 {
		return nil, headerError("bulk.header_missing", "Names", strings.Join(missing, ", "))
	}
	return pos, nil
}

// looksLikeData: a first line whose first cell is a number is a transfer
// (a file saved without its header line).
func looksLikeData(rec []string) bool {
	if len(rec) == 0 {
		return false
	}
	first := strings.TrimSpace(rec[0])
	if first == "" {
		return false
	}
	for _, r := range first {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// batchDelimiter picks the separator of a CSV file from its first line:
// the one of comma, semicolon and tab (outside quotes) that splits it
// most. A one-column line keeps the comma.
func batchDelimiter(data []byte) rune {
	line := data
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		line = data[:i]
	}
	counts := map[rune]int{}
	quoted := false
	for _, r := range string(line) {
		switch {
		case r == '"':
			quoted = !quoted
		case !quoted && (r == ',' || r == ';' || r == '\t'):
			counts[r]++
		}
	}
	best := ','
	for _, r := range []rune{';', '\t'} {
		if counts[r] > counts[best] {
			best = r
		}
	}
	return best
}

// IsXLSX tells an XLSX workbook (a zip archive) from a text file.
func IsXLSX(data []byte) bool { return bytes.HasPrefix(data, []byte("PK\x03\x04")) }

// batchRecord is one line of a bulk file with its line (or spreadsheet row) number.
type batchRecord struct {
	line  int
	cells []string
}

func csvRecords(data []byte) ([]batchRecord, error) {
	if !utf8.Valid(data) {
		return nil, fileError("bulk.not_text")
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = batchDelimiter(data)
	r.FieldsPerRecord = -1
	// Not with tabs: it would take an empty cell's tab for a leading space.
	r.TrimLeadingSpace = r.Comma != '\t'
	var recs []batchRecord
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return recs, nil
		}
		if err != nil {
			var pe *csv.ParseError
			line := len(recs) + 1
			if errors.As(err, &pe) {
				line = pe.StartLine
				err = pe.Err
			}
			return nil, fileError("bulk.csv_line", "Line", line, "Reason", err.Error())
		}
		line, _ := r.FieldPos(0)
		recs = append(recs, batchRecord{line: line, cells: rec})
	}
}

func xlsxRecords(data []byte) ([]batchRecord, error) {
	// A 5 MB workbook of 10,000 rows unpacks to a few MB; the limit stops
	// a crafted archive from unpacking to gigabytes.
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true, UnzipSizeLimit: 100 << 20})
	if err != nil {
		return nil, fileError("bulk.xlsx_broken")
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fileError("bulk.xlsx_no_sheet")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, fileError("bulk.xlsx_sheet")
	}
	defer rows.Close()
	var recs []batchRecord
	filled := 0
	for n := 1; rows.Next(); n++ {
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fileError("bulk.xlsx_row", "Row", n)
		}
		if len(cells) == 0 {
			continue
		}
		for i := range cells {
			if !utf8.ValidString(cells[i]) {
				return nil, fileError("bulk.xlsx_row_text", "Row", n)
			}
		}
		recs = append(recs, batchRecord{line: n, cells: cells})
		if !blankCells(cells) {
			filled++
		}
		if filled > MaxBatchRows+1 {
			break // the header and more rows than allowed: enough to refuse it
		}
	}
	return recs, nil
}

func blankCells(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// ParseBatchFile reads a bulk file: CSV separated by commas, semicolons
// (Excel's default with Indonesian settings) or tabs, with or without a
// UTF-8 BOM, or the first sheet of an XLSX workbook. The first line must
// name the columns (see BatchColumns); a wrong or missing header is one
// file-level error naming them. The optional name is the recipient's name
// as the maker knows it (the batch page sets it beside the name the bank
// returns). Rows are only split here; checking them is the background
// job's work.
func ParseBatchFile(data []byte) ([]models.BatchRow, error) {
	if len(data) == 0 {
		return nil, fileError("bulk.empty_file")
	}
	if len(data) > MaxBatchBytes {
		return nil, fileError("bulk.too_large")
	}
	var recs []batchRecord
	var err error
	if IsXLSX(data) {
		recs, err = xlsxRecords(data)
	} else {
		recs, err = csvRecords(data)
	}
	if err != nil {
		return nil, err
	}
	for len(recs) > 0 && blankCells(recs[0].cells) {
		recs = recs[1:]
	}
	if len(recs) == 0 {
		return nil, fileError("bulk.no_rows")
	}
	pos, err := batchHeader(recs[0].cells)
	if err != nil {
		return nil, err
	}
	width := 0
	for _, p := range pos {
		width = max(width, p+1)
	}
	var rows []models.BatchRow
	for _, rec := range recs[1:] {
		if blankCells(rec.cells) {
			continue
		}
		cell := func(col int) string {
			if i := pos[col]; i >= 0 && i < len(rec.cells) {
				return strings.TrimSpace(rec.cells[i])
			}
			return ""
		}
		row := models.BatchRow{Line: rec.line, RecipientBank: cell(0), RecipientAccount: cell(1), AmountText: cell(2), Note: cell(3), Email: cell(4),
			NameInFile: truncateRunes(cell(5), 100)}
		if extra := rec.cells[min(width, len(rec.cells)):]; !blankCells(extra) {
			row.Error = fmt.Sprintf("This line has %d columns; the first line names %d.", len(rec.cells), width)
			row.Checked = true
		}
		rows = append(rows, row)
		if len(rows) > MaxBatchRows {
			return nil, fileError("bulk.too_many_rows")
		}
	}
	if len(rows) == 0 {
		return nil, fileError("bulk.no_rows")
	}
	return rows, nil
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// DuplicateWindow is how far back an upload of the same file is found.
const DuplicateWindow = 24 * time.Hour

// DuplicateFileError: the same file made a batch less than a day ago; the
// maker must say they mean a second one.
type DuplicateFileError struct{ Earlier *models.DisbursementBatch }

// Text is the refusal in the request's language.
func (e *DuplicateFileError) Text(ctx context.Context) string {
	return i18n.T(ctx, "bulk.duplicate", "At", i18n.Time(ctx, e.Earlier.CreatedAt), "ID", e.Earlier.ID, "File", e.Earlier.FileName)
}

// Error is the refusal in English, for logs.
func (e *DuplicateFileError) Error() string { return e.Text(context.Background()) }

// CreateBatch stores the file and its rows; checking starts in the
// background. The same file uploaded again within DuplicateWindow is
// refused with a *DuplicateFileError unless again is set.
func (s *Service) CreateBatch(ctx context.Context, maker *models.User, name string, data []byte, again bool, audit *models.AuditEntry) (*models.DisbursementBatch, error) {
	rows, err := ParseBatchFile(data)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	hash := hex.EncodeToString(sum[:])
	if !again {
		earlier, err := s.store.RecentBatchWithFile(ctx, hash, time.Now().Add(-DuplicateWindow))
		if err == nil {
			return nil, &DuplicateFileError{Earlier: earlier}
		}
		if !errors.Is(err, store.ErrNotFound) {
			return nil, err
		}
	}
	b := &models.DisbursementBatch{FileName: name, File: data, FileSHA256: hash, MakerID: maker.ID, MakerEmail: maker.Email}
	audit.Summary = fmt.Sprintf("uploaded %s with %d rows", name, len(rows))
	if err := s.store.CreateBatch(ctx, b, rows, audit); err != nil {
		return nil, err
	}
	s.wakeBatches()
	return b, nil
}

func (s *Service) wakeBatches() {
	select {
	case s.batchWake <- struct{}{}:
	default:
	}
}

// checkRows validates and inquires the next rows of a batch.
func (s *Service) checkRows(ctx context.Context, b *models.DisbursementBatch) (int, error) {
	rows, err := s.store.UncheckedRows(ctx, b.ID, 50)
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	for i := range rows {
		r := &rows[i]
		p, errs := Form{Bank: r.RecipientBank, Account: r.RecipientAccount, Amount: r.AmountText, Note: r.Note, Emails: r.Email}.Validate()
		if len(errs) > 0 {
			for _, k := range []string{"recipient_bank", "recipient_account", "amount", "note", "email"} {
				if msg, ok := errs[k]; ok {
					r.Error = msg.String() // stored, so in the words it was written in: English
					break
				}
			}
			continue
		}
		r.Amount = p.Amount
		inq, err := s.oy.Inquiry(ctx, &oy.InquiryParams{RecipientBank: p.Bank, RecipientAccount: p.Account})
		if err != nil {
			if ctx.Err() != nil {
				return 0, ctx.Err()
			}
			r.Error = "Account check failed: " + errMessage(err)
			continue
		}
		r.RecipientName = inq.RecipientName
	}
	return len(rows), s.store.SaveCheckedRows(ctx, b.ID, rows)
}

// sendRows sends the next waiting rows of an approved batch, each
// through the same one-remit path as a single transfer: a row is claimed
// (counted) in one transaction, then sent once. It returns how many rows
// it moved on.
func (s *Service) sendRows(ctx context.Context, b *models.DisbursementBatch) (int, error) {
	waiting, err := s.store.WaitingInBatch(ctx, b.ID, 20)
	if err != nil {
		return 0, err
	}
	if len(waiting) == 0 {
		return 0, s.store.FinishBatch(ctx, b.ID)
	}
	approver := "batch " + strconv.FormatInt(b.ID, 10)
	if b.ApproverID != nil {
		if u, err := s.store.UserByID(ctx, *b.ApproverID); err == nil {
			approver = u.Email
		}
	}
	moved := 0
	for i := range waiting {
		d := &waiting[i]
		audit := &models.AuditEntry{ActorID: b.ApproverID, ActorEmail: approver, Action: "disbursement.approve", ObjectType: "disbursement",
			ObjectID: fmt.Sprint(d.ID), Summary: fmt.Sprintf("batch %d approved: %s to %s, ref %s", b.ID, money.Format(d.Amount), d.RecipientName, d.PartnerTrxID)}
		claimed, err := s.store.ClaimBatchRow(ctx, b.ID, d.ID, audit)
		if err != nil {
			return moved, err
		}
		if !claimed {
			continue
		}
		moved++
		s.send(ctx, d, approver)
	}
	return moved, nil
}

// batchBackoff spaces the retries of a batch whose job failed, so a
// failing batch costs a log line now and then, not a core.
var batchBackoff = lifecycle.Backoff{First: time.Second, Max: 5 * time.Minute}

// batchRetries remembers, per batch, the failures in a row and when to try again.
type batchRetries map[int64]struct {
	failures int
	next     time.Time
}

func (r batchRetries) due(id int64, now time.Time) bool { return !now.Before(r[id].next) }

func (r batchRetries) failed(id int64, now time.Time) time.Duration {
	e := r[id]
	wait := batchBackoff.After(e.failures)
	e.failures++
	e.next = now.Add(wait)
	r[id] = e
	return wait
}

// RunBatches works through uploaded files until ctx ends: checking rows
// of new batches and sending rows of approved ones. It resumes after a
// restart from what the database says is left. It loops again at once
// only when a batch moved on; a batch whose job fails waits, doubling.
func (s *Service) RunBatches(ctx context.Context) {
	retries := batchRetries{}
	listFailures := 0
	for {
		worked := false
		for _, st := range []models.BatchStatus{models.BatchValidating, models.BatchApproving} {
			batches, err := s.store.BatchesWithStatus(ctx, st)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Error("batches", "err", err.Error())
				}
				listFailures++
				break
			}
			listFailures = 0
			for i := range batches {
				b := &batches[i]
				if !retries.due(b.ID, time.Now()) {
					continue
				}
				var n int
				if st == models.BatchValidating {
					n, err = s.checkRows(ctx, b)
				} else {
					n, err = s.sendRows(ctx, b)
				}
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					wait := retries.failed(b.ID, time.Now())
					s.log.Error("batch job", "batch_id", b.ID, "err", err.Error(), "retry_in", wait.String())
					continue
				}
				delete(retries, b.ID)
				worked = worked || n > 0
			}
		}
		if worked {
			continue
		}
		t := time.NewTimer(max(time.Second, batchBackoff.After(listFailures-1)))
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-s.batchWake:
			t.Stop()
		case <-t.C:
		}
	}
}

// SubmitBatch sends the batch's valid rows for approval as one batch.
func (s *Service) SubmitBatch(ctx context.Context, batchID int64, maker *models.User, audit *models.AuditEntry) (int, error) {
	return s.store.SubmitBatch(ctx, batchID, maker, NewPartnerTrxID, audit)
}

// DecideBatch records one approval of a batch (the approval that
// completes them has the rows sent in the background) or rejects it. An
// approval is refused when OY's available balance, read just now, cannot
// cover the batch's waiting total.
func (s *Service) DecideBatch(ctx context.Context, batchID int64, approver *models.User, approve bool, audit *models.AuditEntry) (store.BatchDecideResult, error) {
	if approve {
		b, err := s.store.BatchByID(ctx, batchID)
		if err != nil {
			return store.BatchDecideResult{}, err
		}
		if b.Status == models.BatchSubmitted && b.MakerID != approver.ID {
			_, total, err := s.store.DisbursementTotals(ctx, store.DisbursementFilter{BatchID: batchID, Status: models.DisbWaitingApproval})
			if err != nil {
				return store.BatchDecideResult{}, err
			}
			if _, err := s.CoverFromBalance(ctx, total, approver.Email); err != nil {
				return store.BatchDecideResult{}, err
			}
		}
	}
	res, err := s.store.DecideBatch(ctx, batchID, approver, approve, audit)
	if err != nil {
		return res, err
	}
	if !approve {
		waiting, err := s.store.WaitingInBatch(ctx, batchID, MaxBatchRows)
		if err != nil {
			return res, err
		}
		for _, d := range waiting {
			a := &models.AuditEntry{ActorID: &approver.ID, ActorEmail: approver.Email, Action: "disbursement.reject", ObjectType: "disbursement",
				ObjectID: fmt.Sprint(d.ID), Summary: fmt.Sprintf("batch %d rejected", batchID)}
			if _, err := s.store.Decide(ctx, d.ID, store.Decision{User: approver, Approve: false, Reason: "batch rejected"}, a); err != nil && !errors.Is(err, store.ErrConflict) {
				return res, err
			}
		}
		return res, nil
	}
	if res.Complete {
		s.wakeBatches()
	}
	return res, nil
}

// WithdrawBatch lets its maker take back a submitted batch before approval.
func (s *Service) WithdrawBatch(ctx context.Context, batchID int64, maker *models.User, audit *models.AuditEntry) (int, error) {
	return s.store.WithdrawBatch(ctx, batchID, maker, audit)
}
