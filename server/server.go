// Package server speaks HTTP for Hài Lòng: the citizen pages, the JSON API and
// the operational endpoints. It is the only package that imports Gin.
package server

import (
	"context"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-contrib/gzip"
	"github.com/gin-gonic/gin"
	"github.com/go-playground/validator/v10"

	"hailong/notify"
	"hailong/survey"
	"hailong/survey/store"
)

// Server holds the handlers' dependencies, built once by New.
type Server struct {
	cfg        Config
	store      *store.Store
	log        *slog.Logger
	pages      map[string]*template.Template
	locales    map[survey.Lang]*Messages
	validate   *validator.Validate
	cssURL     string
	secret     []byte
	engine     *gin.Engine
	reports    rollupCache[reportKey, *AgencyReport] // agency reports while their rollups are unchanged
	rankings   rollupCache[rankingKey, rankingTallies]
	questions  questionsCache // blank forms' questions, rendered
	blankPages pageCache      // whole blank form pages for citizens: form_page_cache.go
	memory     memoryGuard    // the soft memory limit while exports stream: config_memory.go
	exports    exportSlots    // the exports running: export_slots.go
	inv        *invitations   // invitation_keys.go
	limiter    *limiter       // per-client rate limits (ratelimit.go)
	metrics    *metrics       // Prometheus metrics (metrics.go)
	ready      *readiness     // /readyz's database check, reused for a second (health.go)
	logins     loginGuard     // failed logins per user name and client (auth_login_attempts.go)

	notify    *notify.Service // e-mail digests and webhooks (notify.go)
	attention attentionState  // the attention queue's contacts and hook (attention.go)
	sweep     invitationSweep // expired invitations counted and deleted (invitation_sweep.go)
}

// New builds the server: templates and messages are parsed now, so a broken
// one stops the start instead of failing a request.
func New(cfg Config, st *store.Store, log *slog.Logger) (*Server, error) {
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	locales, err := loadLocales()
	if err != nil {
		return nil, err
	}
	css, err := fingerprint("app.css")
	if err != nil {
		return nil, fmt.Errorf("static: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	secret, err := st.Secret(ctx)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg:      cfg,
		store:    st,
		log:      log,
		pages:    pages,
		locales:  locales,
		validate: newValidator(),
		cssURL:   "/static/app.css?v=" + css,
		secret:   secret,
		limiter:  newLimiter(cfg.Rate),
		memory:   memoryGuard{limit: cfg.ExportMemoryLimit, lean: st.LeanCaches},
		ready:    &readiness{ping: st.Ping},
	}
	if err := s.startInvitations(ctx); err != nil {
		return nil, err
	}
	if err := s.startAttention(ctx); err != nil {
		return nil, err
	}
	s.metrics = newMetrics(st, s.limiter)
	s.newNotify() // after the metrics, which count its outcomes
	s.engine = s.newEngine()
	return s, nil
}

// Handler returns the HTTP handler of the whole service.
func (s *Server) Handler() http.Handler { return s.withMetricsToken(s.engine) }

// newEngine builds the engine: the proxies it may believe, the global
// middleware chain every request passes in this order, and the routes of
// routes.go.
func (s *Server) newEngine() *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.RemoveExtraSlash = true
	s.trustProxies(r)
	r.Use(s.edge, // edge.go: client address, metrics, deadlines
		gin.CustomRecovery(s.recovered), s.logRequests, securityHeaders,
		gzip.Gzip(gzip.BestSpeed, gzip.WithExcludedPaths([]string{exportsPath})), withLang, limitBody, s.limitClients, s.authenticate, s.limitRoutes,
		s.requirePasswordChange) // account_password_pages.go
	r.NoRoute(s.notFound)
	r.NoMethod(s.methodNotAllowed)
	s.routes(r)
	return r
}

// StartBackground starts the service's background work: the notifications
// (e-mail digests and webhooks) and the invitation sweep (expired invitations
// counted, then deleted after the retention). The function it returns stops
// them; call it before the store closes.
func (s *Server) StartBackground() (stop func()) {
	s.StartNotifications()
	s.StartInvitationSweep()
	return func() {
		s.StopInvitationSweep()
		s.StopNotifications()
	}
}
