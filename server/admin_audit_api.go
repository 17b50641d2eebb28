package server

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// apiAdminAudit is GET /api/v1/admin/audit: a page of the audit log (the
// page's size, auditPageSize), newest first, older ones with ?before=.
func (s *Server) apiAdminAudit(c *gin.Context) error {
	entries, err := s.store.Audit(c.Request.Context(), c.Query("before"), auditPageSize)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []survey.AuditEntry{} // past the last page: an empty list, not null
	}
	c.JSON(http.StatusOK, gin.H{"entries": entries})
	return nil
}
