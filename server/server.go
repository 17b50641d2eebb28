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
	inv        *invitations   // invitations.go
	limiter    *limiter       // per-client rate limits (ratelimit.go)
	metrics    *metrics       // Prometheus metrics (metrics.go)
	ready      *readiness     // /readyz's database check, reused for a second (health.go)
	logins     loginGuard     // failed logins per user name and client (login_attempts.go)
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
		memory:   memoryGuard{limit: cfg.ExportMemoryLimit},
		ready:    &readiness{ping: st.Ping},
	}
	if err := s.startInvitations(ctx); err != nil {
		return nil, err
	}
	s.metrics = newMetrics(st, s.limiter)
	s.engine = s.routes()
	return s, nil
}

// Handler returns the HTTP handler of the whole service.
func (s *Server) Handler() http.Handler { return s.withMetricsToken(s.engine) }

func (s *Server) routes() *gin.Engine {
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

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", s.requirePage(survey.RoleAdmin), s.serveMetrics) // or the metrics token: metrics.go
	r.GET("/static/*file", serveStatic)

	// Citizen pages.
	r.GET("/", s.page(s.startPage))
	r.GET("/survey", s.page(s.chooseSurvey))
	r.GET("/s/:agency/:area", s.page(s.surveyForm))
	r.POST("/s/:agency/:area", s.page(s.surveySubmit))
	r.GET("/s/:agency/:area/thanks", s.page(s.thanksPage))

	// JSON API for other systems and kiosks.
	api := r.Group("/api/v1")
	api.GET("/areas", s.api(s.apiAreas))
	api.GET("/agencies", s.api(s.apiAgencies))
	api.GET("/forms/:agency/:area", s.api(s.apiForm))
	api.POST("/responses", s.api(s.apiSubmit))
	api.POST("/auth/token", s.api(s.apiToken))
	api.GET("/openapi.json", serveOpenAPI) // openapi.go

	// Staff pages.
	r.GET("/login", s.page(s.loginPage))
	r.POST("/login", s.checkCSRF, s.page(s.loginSubmit))
	r.POST("/logout", s.checkCSRF, s.page(s.logout))
	s.accountRoutes(r) // account_password_pages.go: /account/password

	// Reports: agency staff for their agencies, inspectors and administrators for all.
	readers := []survey.Role{survey.RoleStaff, survey.RoleInspector, survey.RoleAdmin}
	r.GET("/dashboard", s.requirePage(readers...), s.page(s.dashboard))
	api.GET("/reports/agencies/:agency", s.requireAPI(readers...), s.api(s.apiAgencyReport))
	s.commentRoutes(r, api, readers) // comments.go: /comments and /api/v1/comments
	s.rankingRoutes(r, api)          // rankings.go: /rankings and /api/v1/rankings
	s.exportRoutes(api, readers)     // api_exports.go: /api/v1/exports/...

	// Paper and phone surveys entered by staff (inspectors only read).
	s.entryRoutes(r.Group("/entry", s.requirePage(survey.RoleStaff, survey.RoleAdmin), s.checkCSRF))

	// Administration: pages and the same operations as JSON.
	admin := r.Group("/admin", s.requirePage(survey.RoleAdmin), s.checkCSRF)
	adminAPI := api.Group("/admin", s.requireAPI(survey.RoleAdmin))
	s.adminRoutes(admin, adminAPI)
	s.formAdminRoutes(admin, adminAPI)
	s.kioskRoutes(r, api, admin, adminAPI, readers) // kiosk_routes.go: /kiosk, its API and administration
	s.invitationRoutes(r, api, admin, adminAPI)     // invitations.go
	return r
}
