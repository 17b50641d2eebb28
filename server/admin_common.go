package server

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// hcm is the time zone dates entered by administrators are read in.
var hcm = func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return loc
	}
	return time.FixedZone("ICT", 7*3600)
}()

// parseDay reads a YYYY-MM-DD date (midnight in Vietnam); ok is false when
// s is not such a date.
func parseDay(s string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", s, hcm)
	return t, err == nil
}

// setFieldErrors puts translated field errors on a page, in the order of
// fields, each with the label the form shows.
func (b *BasePage) setFieldErrors(msgs map[string]string, fields []string, labels map[string]string) {
	for _, f := range fields {
		if m, ok := msgs[f]; ok {
			b.addError(f, b.L.T(labels[f]), m)
		}
	}
}

// actor is the user name of the caller, for the audit log.
func actor(c *gin.Context) string {
	if u := userOf(c); u != nil {
		return u.Username
	}
	return ""
}

// AdminHome lists what an administrator can manage.
type AdminHome struct{ BasePage }

func (s *Server) adminHome(c *gin.Context) error {
	s.render(c, http.StatusOK, "admin_home", AdminHome{s.staffBase(c)})
	return nil
}
