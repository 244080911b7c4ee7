package handlers

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"backoffice/internal/intake"
	"backoffice/internal/models"
	"backoffice/internal/store"
)

// Callbacks is the intake side the server needs.
type Callbacks struct {
	Endpoints []intake.Endpoint
	Writer    *store.CallbackWriter
	Worker    *intake.Worker
}

// receiveCallback stores the request before answering it: the reply goes
// out only after the group commit holding the request has reached disk.
// A request the dashboard could not store gets 503, so the provider retries.
func (s *Server) receiveCallback(ep intake.Endpoint) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		received := s.now().UTC()
		body, err := io.ReadAll(http.MaxBytesReader(c.Response(), r.Body, intake.MaxBody))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				if err := s.store.CountRefusedCallback(r.Context(), "oversize:"+ep.Provider+"/"+ep.Kind); err != nil {
					s.log.Error("count oversize callback", "err", err.Error())
				}
				s.log.Warn("callback body over the limit", "request_id", requestID(c), "endpoint", ep.Path, "limit", intake.MaxBody)
				return c.JSONBlob(http.StatusRequestEntityTooLarge, []byte(`{"status":"refused","reason":"body too large"}`))
			}
			return c.JSONBlob(http.StatusBadRequest, []byte(`{"status":"refused","reason":"body could not be read"}`))
		}
		req := &intake.Request{Method: r.Method, Path: r.URL.Path, URI: r.URL.RequestURI(), Query: r.URL.Query(), Header: r.Header,
			Body: body, SourceIP: c.RealIP(), Received: received}
		var out intake.Outcome
		if r.Method != ep.Method {
			out = intake.Outcome{Reason: "method " + r.Method + " is not accepted here; " + ep.Method + " is", ReplyStatus: http.StatusMethodNotAllowed,
				ReplyBody: []byte(`{"status":"refused","reason":"method not allowed"}`), NoProcessing: true}
		} else {
			out = ep.Handle(req)
		}
		cb := &models.Callback{
			ReceivedAt: received, Provider: ep.Provider, Kind: ep.Kind, Method: r.Method, Path: r.URL.Path,
			Query: intake.RedactQuery(req.Query), Headers: intake.HeadersJSON(r.Header), Body: body, SourceIP: req.SourceIP,
			Verified: out.Verified, VerifyReason: out.Reason, DedupKey: out.DedupKey, Refs: strings.Join(out.Refs, " "), Subject: out.Subject,
			ReplyStatus: out.ReplyStatus, ReplyBody: string(out.ReplyBody), Status: models.CallbackPending,
		}
		if out.StoredReply != nil {
			cb.ReplyBody = string(out.StoredReply)
		}
		switch {
		case !out.Verified:
			cb.Status = models.CallbackRejected
		case out.NoProcessing:
			cb.Status = models.CallbackAcknowledged
		}
		if err := s.callbacks.Writer.Write(r.Context(), cb, out.Refs); err != nil {
			s.log.Error("store callback", "request_id", requestID(c), "endpoint", ep.Path, "err", err.Error())
			return c.JSONBlob(http.StatusServiceUnavailable, []byte(`{"status":"retry","reason":"not stored, send again"}`))
		}
		c.Response().Header().Set("X-Callback-Id", itoa64(cb.ID))
		return c.Blob(out.ReplyStatus, echo.MIMEApplicationJSON, out.ReplyBody)
	}
}
