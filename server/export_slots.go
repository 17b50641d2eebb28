package server

import (
	"net/http"
	"sync"

	"github.com/gin-gonic/gin"
)

// exportSlots counts the exports running in the process, and who runs
// them: at most Config.ExportsMax at once, one per user.
type exportSlots struct {
	mu    sync.Mutex
	users map[string]bool
}

// take reserves a place for the user's export and returns the function
// that gives it back; ok is false when the user runs one already or max run.
func (x *exportSlots) take(user string, max int) (release func(), ok bool) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.users[user] || len(x.users) >= max {
		return nil, false
	}
	if x.users == nil {
		x.users = map[string]bool{}
	}
	x.users[user] = true
	var once sync.Once
	return func() {
		once.Do(func() {
			x.mu.Lock()
			defer x.mu.Unlock()
			delete(x.users, user)
		})
	}, true
}

// running is how many exports run now.
func (x *exportSlots) running() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.users)
}

// exportRetryAfter is the Retry-After (seconds) of an export refused
// because too many run.
const exportRetryAfter = "30"

// errTooManyExports answers an export beyond the limits.
var errTooManyExports = &apiCodeError{status: http.StatusTooManyRequests, code: "too_many_exports"}

// exportSlot runs after authentication on the export routes: it holds a
// place among the running exports for the whole request, or answers 429
// with Retry-After. Integration tokens and sessions count as their user.
func (s *Server) exportSlot(c *gin.Context) {
	u := userOf(c)
	if u == nil {
		c.Next() // requireAPI answers first; never reached
		return
	}
	release, ok := s.exports.take(u.Username, s.cfg.exportsMax())
	if !ok {
		c.Header("Retry-After", exportRetryAfter)
		s.serveAPIError(c, errTooManyExports)
		c.Abort()
		return
	}
	defer release()
	c.Next()
}
