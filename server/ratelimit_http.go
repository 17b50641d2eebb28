package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// Rate limits at the HTTP level. limitClients runs before authentication
// and counts every request except probes and metrics against the client's
// read bucket (so a flood of made-up tokens or cookies is bounded too);
// limitRoutes runs after it and counts anonymous submissions and logins
// against their stricter buckets. The routes of each class are listed here.

// routeClasses maps "METHOD /route/template" to its class; other requests
// are of classRead.
var routeClasses = map[string]rateClass{
	"POST /s/:agency/:area":   classSubmit,
	"POST /v/:token":          classSubmit, // a verified invitation's form
	"POST /api/v1/responses":  classSubmit,
	"POST /login":             classLogin,
	"POST /api/v1/auth/token": classLogin,
	// Pairing codes are guessed like passwords. A paired kiosk's ratings keep
	// to the kiosk's own minimum interval instead.
	"POST /kiosk/pair":        classLogin,
	"POST /api/v1/kiosk/pair": classLogin,
}

// unlimited are the routes never limited: probes and metrics.
var unlimited = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true}

func (s *Server) limitClients(c *gin.Context) {
	if s.limiter.on(classRead) && !unlimited[c.FullPath()] && !s.admit(c, classRead) {
		c.Abort()
		return
	}
	c.Next()
}

func (s *Server) limitRoutes(c *gin.Context) {
	class, ok := routeClasses[c.Request.Method+" "+c.FullPath()]
	// Authenticated staff (API tokens of integrating systems, paper entry)
	// are accountable and not limited on submissions.
	if ok && s.limiter.on(class) && (class != classSubmit || userOf(c) == nil) && !s.admit(c, class) {
		c.Abort()
		return
	}
	c.Next()
}

// admit takes a token of the class for the client and reports true; without
// one it answers 429 with Retry-After and reports false.
func (s *Server) admit(c *gin.Context, class rateClass) bool {
	a := clientAddr(c)
	if !a.IsValid() {
		return true // not a TCP peer (a test recorder): nothing to key on
	}
	for _, p := range s.cfg.Rate.Exempt {
		if p.Contains(a) {
			return true
		}
	}
	ok, wait := s.limiter.allow(s.bucketOf(c, class))
	if ok {
		return true
	}
	s.metrics.limited.WithLabelValues(class.String()).Inc()
	secs := int(wait/time.Second) + 1
	c.Header("Retry-After", strconv.Itoa(secs))
	if isAPI(c) {
		s.serveAPIError(c, &apiCodeError{status: http.StatusTooManyRequests, code: "rate_limited"})
		return false
	}
	b := s.base(c)
	s.render(c, http.StatusTooManyRequests, "error", ErrorPage{BasePage: b,
		Title: b.L.T("error.ratelimited.title"), Body: b.L.T("error.ratelimited.body", secs)})
	return false
}

// bucketOf keys the client by an HMAC, under the server key, of its address
// (of its /64 network for IPv6, where one subscriber holds many): the raw
// address is neither kept nor logged.
func (s *Server) bucketOf(c *gin.Context, class rateClass) bucketKey {
	a := clientAddr(c)
	if a.Is6() {
		if p, err := a.Prefix(64); err == nil {
			a = p.Addr()
		}
	}
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("rate|"))
	b, _ := a.MarshalBinary()
	m.Write(b)
	k := bucketKey{class: class}
	copy(k.client[:], m.Sum(nil))
	return k
}
