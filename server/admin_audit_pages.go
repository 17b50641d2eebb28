package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// The audit log's page, /admin/audit (administrators): newest first, a
// page at a time. The JSON twin is admin_audit_api.go; entries are written
// by Server.audit (audit.go).

// AuditPage lists audit entries, newest first.
type AuditPage struct {
	BasePage
	Entries []AuditRow
	Older   string
}

// AuditRow is one audit entry as shown.
type AuditRow struct {
	At, Actor, Action, Target, Change string
}

const auditPageSize = 50

func (s *Server) adminAudit(c *gin.Context) error {
	entries, err := s.store.Audit(c.Request.Context(), c.Query("before"), auditPageSize)
	if err != nil {
		return err
	}
	p := AuditPage{BasePage: s.staffBase(c)}
	for _, e := range entries {
		p.Entries = append(p.Entries, AuditRow{e.At.In(hcm).Format("2006-01-02 15:04:05"), e.Actor, e.Action, e.Target, describeChange(e)})
	}
	if len(entries) == auditPageSize {
		p.Older = entries[len(entries)-1].ID
	}
	s.render(c, http.StatusOK, "admin_audit", p)
	return nil
}

// describeChange shows an entry's before and after, shortened.
func describeChange(e survey.AuditEntry) string {
	short := func(s string) string {
		if r := []rune(s); len(r) > 300 {
			return string(r[:300]) + "…"
		}
		return s
	}
	switch {
	case e.Before != "" && e.After != "":
		return short(e.Before) + " → " + short(e.After)
	case e.After != "":
		return short(e.After)
	}
	return short(e.Before)
}
