package listkit

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"backoffice/internal/store"
)

// List is one declared list page: its filters, the store query behind it,
// its export, and how a page is drawn. Serve does the rest.
type List[T any] struct {
	Spec *Spec
	// Page loads one page of rows for a valid form (Form.Cursor set).
	Page func(ctx context.Context, f *Form) (store.Page[T], error)
	// Each streams every matching row, newest first, for an export.
	Each   func(ctx context.Context, f *Form, fn func(T) error) error
	Export Export
	// Row is one row's export cells, one per column of Export.
	Row func(T) []any
	// Exported records an export (format "csv" or "xlsx") in the audit
	// log with its filters, before the file is sent.
	Exported func(c echo.Context, format string, f *Form) error
	// Render draws the page: View.Page is empty when the form has errors,
	// and status is then 422.
	Render func(c echo.Context, status int, v View[T]) error
	// Failed is told when an export stops after its headers were sent.
	Failed func(c echo.Context, err error)
}

// View is what a list page template receives from the kit.
type View[T any] struct {
	Form *Form
	Page store.Page[T]
}

// Serve answers the page for the request: 400 for a malformed cursor,
// 422 with the input kept for filters that cannot be read, an export
// when ?format= asks for one, otherwise the page.
func (l *List[T]) Serve(c echo.Context) error {
	f, err := l.Spec.Parse(c.QueryParams())
	var bad *BadRequest
	if errors.As(err, &bad) {
		return echo.NewHTTPError(http.StatusBadRequest)
	}
	if err != nil {
		return err
	}
	if !f.OK() {
		return l.Render(c, http.StatusUnprocessableEntity, View[T]{Form: f})
	}
	ctx := c.Request().Context()
	if f.Format != "" {
		if err := l.Exported(c, f.Format, f); err != nil {
			return err
		}
		err := Stream(c, f.Format, l.Export, func(emit func(...any) error) error {
			return l.Each(ctx, f, func(row T) error { return emit(l.Row(row)...) })
		})
		if err != nil && c.Response().Committed {
			if l.Failed != nil {
				l.Failed(c, err)
			}
			return nil
		}
		return err
	}
	page, err := l.Page(ctx, f)
	if err != nil {
		return err
	}
	return l.Render(c, http.StatusOK, View[T]{Form: f, Page: page})
}
