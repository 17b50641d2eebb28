package server

import (
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// audit writes an audit entry; a failure is logged, never shown to the user.
func (s *Server) audit(c *gin.Context, actor, action, target string, before, after any) {
	err := s.store.AppendAudit(c.Request.Context(), survey.NewAuditEntry(time.Now(), actor, action, target, before, after))
	if err != nil {
		s.log.Error("audit", "action", action, "err", err)
	}
}
