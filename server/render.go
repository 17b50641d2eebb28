package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"hailong/static"
	"hailong/survey"
	"hailong/templates"
)

// pageFiles names, for each page, the template files it is built from. Each
// page is its own template set, so one page's blocks never leak into another.
var pageFiles = map[string][]string{
	"start":  {"layout.html", "errors.html", "start.html"},
	"form":   {"layout.html", "errors.html", "form_questions.html", "form_contact.html", "form.html"},
	"thanks": {"layout.html", "thanks.html"},
	"error":  {"layout.html", "error.html"},
	"login":  {"layout.html", "login.html"},

	"account_password": {"layout.html", "errors.html", "account_password.html"}, // account_password_pages.go

	"dashboard": {"layout.html", "errors.html", "kiosk_dashboard.html", "dashboard.html"},
	"comments":  {"layout.html", "errors.html", "comments.html"},
	"rankings":  {"layout.html", "errors.html", "funnel.html", "rankings.html"},
	"attention": {"layout.html", "errors.html", "attention.html"},

	"entry":       {"layout.html", "errors.html", "form_questions.html", "entry.html"},
	"entry_saved": {"layout.html", "entry_saved.html"},
	"entry_list":  {"layout.html", "entry_list.html"},

	"admin_forms":       {"layout.html", "admin_forms_partials.html", "admin_forms.html"},
	"admin_form":        {"layout.html", "admin_forms_partials.html", "admin_form.html"},
	"admin_assignments": {"layout.html", "admin_forms_partials.html", "admin_assignments.html"},

	"admin_home":     {"layout.html", "admin_home.html"},
	"admin_agencies": {"layout.html", "admin_partials.html", "admin_agencies.html"},
	"admin_agency":   {"layout.html", "admin_partials.html", "admin_agency_notify.html", "admin_agency.html"},
	"admin_merge":    {"layout.html", "admin_partials.html", "admin_merge.html"},
	"admin_areas":    {"layout.html", "admin_partials.html", "admin_areas.html"},
	"admin_users":    {"layout.html", "admin_partials.html", "admin_users.html"},
	"admin_user":     {"layout.html", "admin_partials.html", "admin_users.html", "admin_user.html"},
	"admin_audit":    {"layout.html", "admin_audit.html"},

	"kiosk":             {"kiosk_layout.html", "form_questions.html", "kiosk.html"},
	"kiosk_pair":        {"kiosk_layout.html", "kiosk_pair.html"},
	"admin_kiosks":      {"layout.html", "admin_partials.html", "admin_kiosks.html"},
	"admin_kiosk":       {"layout.html", "admin_partials.html", "admin_kiosks.html", "admin_kiosk.html"},
	"invitation_gone":   {"layout.html", "invitation_gone.html"},
	"invitation_slip":   {"invitation_slip.html"},
	"admin_invitations": {"layout.html", "admin_partials.html", "admin_invitations.html"},
}

func parsePages() (map[string]*template.Template, error) {
	pages := make(map[string]*template.Template, len(pageFiles))
	for name, files := range pageFiles {
		t, err := template.New(name).ParseFS(templates.FS, files...)
		if err != nil {
			return nil, fmt.Errorf("parse page %s: %w", name, err)
		}
		pages[name] = t
	}
	return pages, nil
}

// BasePage is what every page's data embeds.
type BasePage struct {
	Lang      survey.Lang
	OtherLang survey.Lang
	L         *Messages
	CSS       string
	SwitchURL string
	// User is the logged-in staff member, nil for citizens.
	User *survey.User
	// CSRF is the token state-changing forms carry.
	CSRF string
	// Errors maps a field name to its message; ErrorList orders them for the
	// summary at the top of a form.
	Errors    map[string]string
	ErrorList []ErrorItem
}

// ErrorItem is one line of a form's error summary, linking to its field.
type ErrorItem struct {
	Anchor  string
	Label   string
	Message string
}

func (s *Server) base(c *gin.Context) BasePage {
	lang := langOf(c)
	other := survey.En
	if lang == survey.En {
		other = survey.Vi
	}
	q := url.Values{"lang": {string(other)}}
	return s.withCSRF(c, BasePage{
		Lang:      lang,
		OtherLang: other,
		L:         s.locales[lang],
		CSS:       s.cssURL,
		SwitchURL: selfPath(c) + "?" + q.Encode(), // never the raw path: selflink.go
		Errors:    map[string]string{},
		User:      userOf(c),
	})
}

// withCSRF adds the CSRF token for a logged-in user (the layout's logout form
// needs it on every page).
func (s *Server) withCSRF(c *gin.Context, b BasePage) BasePage {
	if _, ok := c.Get(sessionKey); ok {
		b.CSRF = s.csrfToken(c)
	}
	return b
}

// staffBase is base for pages behind a login: it adds the CSRF token.
func (s *Server) staffBase(c *gin.Context) BasePage {
	b := s.base(c)
	b.CSRF = s.csrfToken(c)
	return b
}

// render executes a page into a buffer first, so a template failure becomes a
// clean error page instead of half a page.
func (s *Server) render(c *gin.Context, status int, page string, data any) {
	t, ok := s.pages[page]
	if !ok {
		s.log.Error("unknown page", "page", page)
		c.String(http.StatusInternalServerError, "internal error")
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.Error("render page", "page", page, "err", err)
		c.Data(http.StatusInternalServerError, "text/plain; charset=utf-8", []byte("internal error"))
		return
	}
	c.Data(status, "text/html; charset=utf-8", buf.Bytes())
}

// fingerprint returns a short content hash used to bust caches of static files.
func fingerprint(name string) (string, error) {
	b, err := static.FS.ReadFile(name)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6]), nil
}
