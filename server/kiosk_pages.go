package server

import (
	"errors"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// kioskAssets are the fingerprinted URLs of the kiosk's script and
// stylesheet (static/kiosk.js, static/kiosk.css), served only to /kiosk: the
// citizen pages stay script-free.
var kioskAssets = sync.OnceValues(func() (struct{ JS, CSS string }, error) {
	js, err := fingerprint("kiosk.js")
	if err != nil {
		return struct{ JS, CSS string }{}, err
	}
	css, err := fingerprint("kiosk.css")
	return struct{ JS, CSS string }{"/static/kiosk.js?v=" + js, "/static/kiosk.css?v=" + css}, err
})

// KioskPairPage asks an unpaired tablet for its pairing code.
type KioskPairPage struct {
	BasePage
	KioskCSS string
	Code     string
	Error    string
}

// KioskPage is the kiosk itself: every screen in both languages, in
// <template> elements that kiosk.js shows one at a time, so the tablet never
// navigates (and keeps working offline).
type KioskPage struct {
	BasePage
	KioskCSS, JS string
	Kiosk        KioskConfig
	Langs        []KioskLang
}

// KioskLang is the kiosk's text in one language.
type KioskLang struct {
	Lang       survey.Lang
	L          *Messages
	Other      survey.Lang
	OtherLabel string
	Agency     string
	Counters   []Choice // label, and the name shown ("Quầy 3")
	Levels     []KioskLevel
	Areas      []Choice
	Forms      []KioskQuestionnaire
}

// KioskLevel is one button of the quick rating; Mouth is the SVG path of
// its face's mouth (drawn, not an emoji: tablets lack some emoji fonts).
type KioskLevel struct {
	Code, Label, Mouth string
}

// KioskQuestionnaire is the questionnaire of one of the kiosk's areas,
// rendered by the citizen form's own template (form_questions.html).
type KioskQuestionnaire struct {
	AreaCode string
	FormPage
}

var ratingMouths = map[survey.RatingLevel]string{
	survey.RatingVerySatisfied: "M13 27 Q24 42 35 27 Z",
	survey.RatingSatisfied:     "M15 30 Q24 37 33 30",
	survey.RatingDissatisfied:  "M15 35 Q24 27 33 35",
}

// counterName is how a counter is named: "Quầy 3" for a number, the label
// itself otherwise ("Quầy A" stays "Quầy A").
func counterName(ms *Messages, label string) string {
	if label == "" {
		return ms.T("kiosk.no_counter")
	}
	for _, r := range label {
		if r < '0' || r > '9' {
			return label
		}
	}
	return ms.T("kiosk.counter", label)
}

// kioskHome shows a paired tablet its kiosk, and any other browser the
// pairing form.
func (s *Server) kioskHome(c *gin.Context) error {
	c.Header("Cache-Control", "no-store")
	k, err := s.kioskOf(c)
	if errors.Is(err, errKioskUnpaired) {
		setKioskCookie(c, "", -1)
		k, err = nil, nil
	}
	if err != nil {
		return err
	}
	if k == nil {
		return s.kioskPairPage(c, http.StatusOK, "", "")
	}
	raw, _ := c.Cookie(kioskCookie)
	setKioskCookie(c, raw, kioskCookieAge) // a fresh lifetime at each load
	p, err := s.kioskView(c, *k)
	if errors.Is(err, errKioskScope) {
		return s.kioskPairPage(c, http.StatusOK, "", "kiosk.out_of_service")
	}
	if err != nil {
		return err
	}
	s.render(c, http.StatusOK, "kiosk", p)
	return nil
}

// kioskPairPage shows the pairing form, with the message of msgKey if any.
func (s *Server) kioskPairPage(c *gin.Context, status int, code, msgKey string) error {
	assets, err := kioskAssets()
	if err != nil {
		return err
	}
	p := KioskPairPage{BasePage: s.base(c), KioskCSS: assets.CSS, Code: code}
	p.CSRF = s.csrfToken(c)
	if msgKey != "" {
		p.Error = p.L.T(msgKey)
	}
	s.render(c, status, "kiosk_pair", p)
	return nil
}

// kioskPair pairs the tablet with the code typed in the form.
func (s *Server) kioskPair(c *gin.Context) error {
	typed := c.PostForm("code")
	_, err := s.pairKiosk(c, typed)
	if p := pairingProblem(err); p != "" {
		return s.kioskPairPage(c, http.StatusBadRequest, typed, "api."+p)
	}
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/kiosk")
	return nil
}

// kioskView builds the kiosk's screens in Vietnamese, then English.
func (s *Server) kioskView(c *gin.Context, k survey.Kiosk) (KioskPage, error) {
	assets, err := kioskAssets()
	if err != nil {
		return KioskPage{}, err
	}
	cat, err := s.store.Catalog(c.Request.Context())
	if err != nil {
		return KioskPage{}, err
	}
	ag, err := cat.Agency(k.Agency)
	if err != nil || !ag.Active {
		return KioskPage{}, errKioskScope // its agency merged or dissolved since
	}
	b := s.base(c)
	b.Lang, b.OtherLang, b.L = survey.Vi, survey.En, s.locales[survey.Vi]
	p := KioskPage{BasePage: b, KioskCSS: assets.CSS, JS: assets.JS, Kiosk: kioskConfigOf(k)}
	now := time.Now()
	for _, lang := range []survey.Lang{survey.Vi, survey.En} {
		ms := s.locales[lang]
		other := survey.En
		if lang == survey.En {
			other = survey.Vi
		}
		kl := KioskLang{Lang: lang, L: ms, Other: other, OtherLabel: ms.T("lang.switch"), Agency: ag.Name.In(lang)}
		for _, ct := range k.Counters {
			kl.Counters = append(kl.Counters, Choice{ct, counterName(ms, ct)})
		}
		for _, l := range survey.RatingLevels {
			kl.Levels = append(kl.Levels, KioskLevel{Code: string(l), Label: ms.T("kiosk.level." + string(l)), Mouth: ratingMouths[l]})
		}
		for _, code := range k.Areas {
			ar, err := cat.Area(code)
			if err != nil || !ag.Serves(code) {
				continue // changed since the kiosk was set up: not offered
			}
			f, err := cat.FormFor(code, now)
			if err != nil {
				return KioskPage{}, err
			}
			lb := BasePage{Lang: lang, OtherLang: other, L: ms, Errors: map[string]string{}}
			kl.Areas = append(kl.Areas, Choice{code, ar.Name.In(lang)})
			kl.Forms = append(kl.Forms, KioskQuestionnaire{AreaCode: code, FormPage: s.formPage(lb, ag, ar, f, "", formEntry{}, nil)})
		}
		p.Langs = append(p.Langs, kl)
	}
	return p, nil
}
