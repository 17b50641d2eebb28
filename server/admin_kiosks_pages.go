package server

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// KiosksPage lists the kiosks and offers the form to register one.
type KiosksPage struct {
	BasePage
	Kiosks []KioskRow
	Form   KioskForm
}

// KioskRow is one kiosk as listed.
type KioskRow struct {
	ID, Name, Agency, Areas, Counters, Status, LastSeen string
	Revoked, Paired                                     bool
}

// KioskForm is the create or edit form of a kiosk with its choices.
type KioskForm struct {
	In           KioskInput
	CountersText string
	Agencies     []Choice
	Areas        []CheckChoice
}

// KioskAdminPage shows one kiosk: its state, the edit form, and the pairing
// actions. NewCode is shown once, right after it is made.
type KioskAdminPage struct {
	BasePage
	Row         KioskRow
	Form        KioskForm
	NewCode     string
	CodeExpires string
	KioskURL    string
}

func (s *Server) kioskForm(b BasePage, cat *survey.Catalog, in KioskInput) KioskForm {
	f := KioskForm{In: in, CountersText: strings.Join(in.Counters, ", ")}
	for _, a := range cat.Agencies {
		if a.Active {
			f.Agencies = append(f.Agencies, Choice{a.Code, a.Name.In(b.Lang)})
		}
	}
	for _, a := range cat.Areas {
		f.Areas = append(f.Areas, CheckChoice{a.Code, a.Name.In(b.Lang), slices.Contains(in.Areas, a.Code)})
	}
	return f
}

// kioskRow describes a kiosk's state in the page's language.
func kioskRow(ms *Messages, cat *survey.Catalog, lang survey.Lang, k survey.Kiosk, now time.Time) KioskRow {
	r := KioskRow{ID: k.ID, Name: k.Name, Agency: k.Agency, Areas: strings.Join(k.Areas, ", "),
		Counters: strings.Join(k.Counters, ", "), Revoked: k.Revoked, Paired: k.Paired}
	if ag, err := cat.Agency(k.Agency); err == nil {
		r.Agency = ag.Name.In(lang)
	}
	when := func(t time.Time) string { return t.In(hcm).Format("2006-01-02 15:04") }
	switch {
	case k.Revoked:
		r.Status = ms.T("kiosk.status.revoked")
	case k.Paired:
		r.Status = ms.T("kiosk.status.paired", when(k.PairedAt))
	case !k.CodeExpires.IsZero() && now.Before(k.CodeExpires):
		r.Status = ms.T("kiosk.status.waiting", when(k.CodeExpires))
	default:
		r.Status = ms.T("kiosk.status.unpaired")
	}
	if !k.LastSeen.IsZero() {
		r.LastSeen = when(k.LastSeen)
	}
	return r
}

func (s *Server) kiosksPage(c *gin.Context, status int, in KioskInput, fe survey.FieldErrors) error {
	ctx := c.Request.Context()
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return err
	}
	ks, err := s.store.Kiosks(ctx)
	if err != nil {
		return err
	}
	b := s.staffBase(c)
	b.setFieldErrors(problemMessages(b.L, "kiosk", fe), kioskFields, kioskLabels)
	p := KiosksPage{BasePage: b, Form: s.kioskForm(b, cat, in)}
	now := time.Now()
	for _, k := range ks {
		p.Kiosks = append(p.Kiosks, kioskRow(b.L, cat, b.Lang, k, now))
	}
	s.render(c, status, "admin_kiosks", p)
	return nil
}

func (s *Server) adminKiosks(c *gin.Context) error {
	return s.kiosksPage(c, http.StatusOK, KioskInput{IdleSeconds: survey.DefaultKioskIdle, MinIntervalSeconds: survey.DefaultKioskInterval}, nil)
}

// bindKioskForm reads a posted kiosk form; counters are typed as text
// ("1-12, A").
func bindKioskForm(c *gin.Context) (KioskInput, bool) {
	var in KioskInput
	if err := c.ShouldBind(&in); err != nil {
		return in, false
	}
	in.Counters = survey.ParseCounters(c.PostForm("counters"))
	return in, true
}

func (s *Server) adminKioskCreate(c *gin.Context) error {
	in, ok := bindKioskForm(c)
	if !ok {
		return s.badForm(c)
	}
	k, code, err := s.createKiosk(c, in)
	var fe survey.FieldErrors
	if errors.As(err, &fe) {
		return s.kiosksPage(c, http.StatusBadRequest, in, fe)
	}
	if err != nil {
		return err
	}
	c.Params = append(c.Params, gin.Param{Key: "id", Value: k.ID})
	return s.kioskPage(c, http.StatusOK, nil, nil, code)
}

func (s *Server) kioskPage(c *gin.Context, status int, in *KioskInput, fe survey.FieldErrors, newCode string) error {
	ctx := c.Request.Context()
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return err
	}
	k, err := s.store.Kiosk(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	b := s.staffBase(c)
	b.setFieldErrors(problemMessages(b.L, "kiosk", fe), kioskFields, kioskLabels)
	if in == nil {
		in = &KioskInput{Name: k.Name, Agency: k.Agency, Areas: k.Areas, Counters: k.Counters,
			IdleSeconds: k.IdleSeconds, MinIntervalSeconds: k.MinIntervalSeconds}
	}
	scheme := "http"
	if isTLS(c) {
		scheme = "https"
	}
	p := KioskAdminPage{BasePage: b, Row: kioskRow(b.L, cat, b.Lang, k, time.Now()), Form: s.kioskForm(b, cat, *in),
		NewCode: newCode, KioskURL: scheme + "://" + c.Request.Host + "/kiosk"}
	if newCode != "" {
		p.CodeExpires = k.CodeExpires.In(hcm).Format("2006-01-02 15:04")
	}
	c.Header("Cache-Control", "no-store")
	s.render(c, status, "admin_kiosk", p)
	return nil
}

func (s *Server) adminKiosk(c *gin.Context) error { return s.kioskPage(c, http.StatusOK, nil, nil, "") }

func (s *Server) adminKioskUpdate(c *gin.Context) error {
	in, ok := bindKioskForm(c)
	if !ok {
		return s.badForm(c)
	}
	_, err := s.updateKiosk(c, c.Param("id"), in)
	var fe survey.FieldErrors
	switch {
	case errors.As(err, &fe):
		return s.kioskPage(c, http.StatusBadRequest, &in, fe, "")
	case errors.Is(err, errKioskRevoked):
		return s.kioskPage(c, http.StatusConflict, nil, nil, "")
	case err != nil:
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/kiosks/"+c.Param("id"))
	return nil
}

// adminKioskCode makes a new pairing code and shows it once.
func (s *Server) adminKioskCode(c *gin.Context) error {
	code, err := s.newPairingCode(c, c.Param("id"))
	if err != nil {
		return err
	}
	return s.kioskPage(c, http.StatusOK, nil, nil, code)
}

func (s *Server) adminKioskUnpair(c *gin.Context) error {
	if err := s.unpairKiosk(c, c.Param("id")); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/kiosks/"+c.Param("id"))
	return nil
}

func (s *Server) adminKioskRevoke(c *gin.Context) error {
	if err := s.revokeKiosk(c, c.Param("id")); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/admin/kiosks/"+c.Param("id"))
	return nil
}
