package server

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
	"hailong/survey/export"
)

// exportRun is one export on its way to the client: the writer in the
// chosen format over the (possibly gzipped) response, and what the audit
// entry records at the end.
type exportRun struct {
	s       *Server
	c       *gin.Context
	kind    string
	q       exportQuery
	meta    *export.Meta
	format  export.Format
	w       export.TableWriter
	out     *idleWriter // the response, under the idle limit (export_idle.go)
	gz      *gzip.Writer
	rows    int64
	started bool
	release func() // ends this export's share of the lower memory limit (set by the handler, called by finish)
}

// start sends the headers and opens the writer. A large export takes longer
// than any page: instead of the server's write deadline, each write gets
// the idle limit from its start (idleWriter), so the export lasts as long
// as the client keeps reading, and ends when it stops.
func (e *exportRun) start() error {
	if e.started {
		return nil
	}
	e.started = true
	c := e.c
	e.out = newIdleWriter(c.Writer, e.s.cfg.exportIdle())
	h := c.Writer.Header()
	h.Set("Content-Type", e.format.ContentType)
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, e.filename()))
	h.Set("Cache-Control", "no-store")
	h.Set("Trailer", "X-Export-Rows, X-Export-Status")
	var out io.Writer = e.out
	if e.format.Compressible {
		h.Add("Vary", "Accept-Encoding")
		if acceptsGzip(c.GetHeader("Accept-Encoding")) {
			h.Set("Content-Encoding", "gzip")
			e.gz, _ = gzip.NewWriterLevel(e.out, gzip.BestSpeed)
			out = e.gz
		}
	}
	c.Status(http.StatusOK)
	w, err := e.format.Open(e.s.exportLocales, out, e.meta)
	e.w = w
	return err
}

// exportLocales gives an export's writer the messages of a language.
func (s *Server) exportLocales(l survey.Lang) export.Messages { return s.locales[l] }

// filename names the download: kind, period and the filters that narrow it.
func (e *exportRun) filename() string {
	parts := []string{"hailong", e.kind, e.q.Period.From.String() + "_" + e.q.Period.To.String()}
	if e.q.Granularity != "" {
		parts = append(parts, string(e.q.Granularity))
	}
	for _, v := range []string{string(e.q.Level), e.q.Agency, e.q.Area} {
		if v != "" {
			parts = append(parts, v)
		}
	}
	if e.q.Verified {
		parts = append(parts, "verified")
	}
	if e.q.Basis == survey.BasisIndependent {
		parts = append(parts, "independent")
	}
	return strings.Join(parts, "-") + "." + e.format.Ext
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip.
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// row writes one row, flushing towards the client after every batch.
func (e *exportRun) row(vals []export.Value) error {
	if err := e.w.Row(vals); err != nil {
		return err
	}
	e.rows++
	if e.rows%exportFlushRows == 0 {
		return e.flush()
	}
	return nil
}

// exportFlushRows is how many rows are written between two flushes.
const exportFlushRows = 1000

func (e *exportRun) flush() error {
	if err := e.w.Flush(); err != nil {
		return err
	}
	if e.gz != nil {
		if err := e.gz.Flush(); err != nil {
			return err
		}
	}
	return e.out.Flush()
}

// finish closes the file, sets the trailers and writes the audit entry
// (also when the export failed or the client went away: then it records how
// many rows were written before). An error before anything was sent is
// returned for the usual JSON error; after, it can only be logged.
func (e *exportRun) finish(err error) error {
	if err == nil {
		if err = e.start(); err == nil {
			err = e.w.Close()
			if err == nil && e.gz != nil {
				err = e.gz.Close()
			}
		}
	}
	if err != nil && e.w != nil {
		e.w.Abort()
	}
	if e.release != nil {
		e.release()
	}
	if e.out != nil {
		// What net/http still writes after the handler (the last chunk and
		// the trailers) gets the idle limit too.
		e.out.extend()
	}
	gone := e.c.Request.Context().Err() != nil
	status := "complete"
	switch {
	case err != nil && e.out != nil && e.out.stalled:
		// A write waited the idle limit: the client stopped reading.
		status = "client stalled"
	case err != nil && gone:
		status = "client disconnected"
	case err != nil:
		status = "failed"
	}
	if e.started {
		h := e.c.Writer.Header()
		h.Set("X-Export-Rows", fmt.Sprint(e.rows))
		h.Set("X-Export-Status", status)
	}
	e.audit(status, err)
	switch {
	case err == nil:
		return nil
	case !e.started:
		return err
	case !e.c.Writer.Written():
		// Nothing went out yet (an XLSX is written at its end): the error
		// can still be answered as JSON, not as a download.
		h := e.c.Writer.Header()
		for _, k := range []string{"Content-Disposition", "Content-Encoding", "Trailer", "X-Export-Rows", "X-Export-Status"} {
			h.Del(k)
		}
		return err
	case status == "client stalled":
		e.s.log.Warn("export ended: the client took nothing for the idle limit", "export", e.kind, "rows", e.rows,
			"idle", e.s.cfg.exportIdle())
	case !gone:
		e.s.log.Error("export failed after it started", "export", e.kind, "rows", e.rows, "err", err)
	}
	return nil
}

// exportRecord is what the audit log keeps of an export.
type exportRecord struct {
	Format      string `json:"format"`
	From        string `json:"from"`
	To          string `json:"to"`
	Granularity string `json:"granularity,omitempty"`
	Level       string `json:"level,omitempty"`
	Agency      string `json:"agency,omitempty"`
	Area        string `json:"area,omitempty"`
	Comments    bool   `json:"comments,omitempty"`
	Verified    bool   `json:"verified,omitempty"`
	Rows        int64  `json:"rows"`
	Status      string `json:"status"`
	Error       string `json:"error,omitempty"`
}

// audit writes the entry, on a context of its own: the request's may be
// cancelled by a client that went away.
func (e *exportRun) audit(status string, err error) {
	rec := exportRecord{
		Format: e.q.Format, From: e.q.Period.From.String(), To: e.q.Period.To.String(), Granularity: string(e.q.Granularity),
		Level: string(e.q.Level), Agency: e.q.Agency, Area: e.q.Area, Comments: e.q.Comments, Verified: e.q.Verified, Rows: e.rows, Status: status,
	}
	if err != nil && status == "failed" {
		rec.Error = errorKind(err)
	}
	target := e.q.Agency
	if target == "" {
		target = "*"
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(e.c.Request.Context()), 5*time.Second)
	defer cancel()
	entry := survey.NewAuditEntry(exportNow(), actor(e.c), "export."+e.kind, target, nil, rec)
	if aerr := e.s.store.AppendAudit(ctx, entry); aerr != nil {
		e.s.log.Error("export: audit entry not written", "export", e.kind, "rows", e.rows, "err", aerr)
	}
}

// errorKind names an error for the audit log without internal detail.
func errorKind(err error) string {
	switch {
	case errors.Is(err, survey.ErrUnavailable):
		return "database unavailable"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "internal error"
}
