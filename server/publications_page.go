package server

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// The public results page /ket-qua and the staff page /publications.

func init() {
	pageFiles["results"] = []string{"layout.html", "funnel.html", "results.html"}
	pageFiles["publications"] = []string{"layout.html", "errors.html", "publications.html"}
}

// ResultsPage is the public page of a published period.
type ResultsPage struct {
	BasePage
	// Published lists every published period and basis, newest first.
	Published []ResultsLink
	// Shown is false when nothing is published (or the asked one is not).
	Shown       bool
	Period      string
	From, To    string
	BasisText   string
	Rule        string
	MinSample   int64
	Forms       string
	PublishedAt string
	Revision    int
	Revisions   []ResultsLink
	Provisional bool
	SHA256      string
	Levels      []ResultsLevel
	Diff        *DiffView
	Downloads   []Link
	// CCHC lists the published years of the CCHC index (cchc_public_page.go).
	CCHC []ResultsLink
}

// ResultsLink is a link to a published revision; Current marks the shown one.
type ResultsLink struct {
	Label, URL  string
	Current     bool
	Provisional bool
}

// ResultsLevel is one level of a published ranking as the page shows it.
type ResultsLevel struct {
	Level       survey.Level
	Title       string
	Summary     string
	RankedUnits int
	Ranked      []ResultsRow
	Unranked    []ResultsRow
	// HasRange and HasEffN say whether the rows carry rank ranges and
	// effective sample sizes (rule sipas-2017-v2), so their columns show.
	HasRange, HasEffN bool
	// Published is the level as frozen: the funnel plot's data.
	Published survey.PublishedLevel
	// Funnel is the level's funnel plot around the published province
	// index, drawn from the frozen rows (nil when the snapshot has no
	// province index or no ranked unit).
	Funnel *FunnelView
}

// ResultsRow is one unit of a published ranking, worded.
type ResultsRow struct {
	Code, Name, Rank, RankRange, Index, Interval, EffN, Responses, Reason string
	// Includes names the merged agencies counted with the unit; Dissolved
	// is the day a dissolved agency stopped serving.
	Includes, Dissolved string
}

// DiffView is what moved since the previous revision, worded.
type DiffView struct {
	FromRevision                      int
	Reason                            string
	RuleBefore, RuleAfter             string
	ResponsesBefore, ResponsesAfter   string
	Units                             []DiffRow
	ResponsesChanged, RuleChanged     bool
	ResponsesBeforeN, ResponsesAfterN int64
}

// DiffRow is one unit that moved.
type DiffRow struct {
	Level, Name, Rank, Index, Reason string
}

// resultsURL is the page of one revision (0: the latest).
func resultsURL(period string, basis survey.Basis, revision int) string {
	v := url.Values{"period": {period}, "basis": {string(basis)}}
	if revision > 0 {
		v.Set("revision", strconv.Itoa(revision))
	}
	return "/ket-qua?" + v.Encode()
}

func (s *Server) resultsPage(c *gin.Context) error {
	ctx := c.Request.Context()
	b := s.base(c)
	// The page is the same for everyone, logged in or not, so that it can be
	// cached publicly: no staff navigation, no token.
	b.User, b.CSRF = nil, ""
	sw := c.Request.URL.Query()
	sw.Set("lang", string(b.OtherLang))
	b.SwitchURL = "/ket-qua?" + sw.Encode()
	p := ResultsPage{BasePage: b}
	gs, err := s.publishedGroups(ctx)
	if err != nil {
		return err
	}
	cchcYears, _, cchcHash, err := s.cchcPublishedYears(c, 0)
	if err != nil {
		return err
	}
	p.CCHC = cchcYears
	q, fe := parsePublicationQuery(c.Query("period"), c.Query)
	if c.Query("period") == "" && len(gs) > 0 { // the latest published period
		q, fe = publicationQuery{Period: gs[0].Period, Basis: gs[0].Basis}, nil
	}
	var shown survey.Publication
	if fe == nil {
		var g publishedGroup
		g, shown, err = s.loadPublication(ctx, q)
		switch {
		case errors.Is(err, survey.ErrNotFound):
		case err != nil:
			return err
		default:
			p.Shown = true
			for _, r := range g.Revisions {
				p.Revisions = append(p.Revisions, ResultsLink{Label: strconv.Itoa(r.Revision), URL: resultsURL(r.Period, r.Basis, r.Revision),
					Current: r.Revision == shown.Revision, Provisional: r.Provisional})
			}
		}
	}
	for _, g := range gs {
		l := g.Latest()
		p.Published = append(p.Published, ResultsLink{
			Label: g.Period + " · " + b.L.T("basis."+string(g.Basis)), URL: resultsURL(g.Period, g.Basis, 0),
			Current: p.Shown && g.Period == shown.Period && g.Basis == shown.Basis, Provisional: l.Provisional,
		})
	}
	status := http.StatusOK
	if !p.Shown {
		if c.Query("period") != "" {
			status = http.StatusNotFound
		}
		c.Header("Cache-Control", "public, max-age=60")
		s.render(c, status, "results", p)
		return nil
	}
	// The page lists every published period too: its ETag changes with them.
	h := sha256.New()
	for _, g := range gs {
		fmt.Fprintf(h, "%s|%d;", g.Latest().Key, g.Latest().Revision)
	}
	h.Write([]byte(cchcHash))
	if notModified(c, publicationETag(shown, fmt.Sprintf("page-%s-%x", b.Lang, h.Sum(nil)[:6]))) {
		return nil
	}
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return err
	}
	if err := s.fillResults(&p, shown, cat); err != nil {
		return err
	}
	s.render(c, http.StatusOK, "results", p)
	return nil
}

// fillResults words a revision's snapshot for the page.
// Merged agencies are named from the catalog (their code when it no longer
// knows them): the snapshot keeps their codes.
func (s *Server) fillResults(p *ResultsPage, pub survey.Publication, cat *survey.Catalog) error {
	ms := p.L
	content, r, err := survey.ParsePublishedRankings([]byte(pub.Content))
	if err != nil {
		return err
	}
	p.Period, p.From, p.To, p.Rule, p.MinSample = pub.Period, pub.From, pub.To, pub.Rule, r.Rule.MinSample
	p.BasisText = ms.T("basis.desc." + string(pub.Basis))
	for i, f := range content.Forms {
		if i > 0 {
			p.Forms += ", "
		}
		p.Forms += fmt.Sprintf("%s v%d", f.ID, f.Version)
	}
	p.PublishedAt = ms.Day(pub.PublishedAt) + " " + pub.PublishedAt.In(survey.Zone()).Format("15:04")
	p.Revision, p.Provisional, p.SHA256 = pub.Revision, pub.Provisional, pub.SHA256
	snap := fmt.Sprintf("/api/v1/publications/%s/snapshot?basis=%s&revision=%d", pub.Period, pub.Basis, pub.Revision)
	p.Downloads = []Link{{"CSV", snap + "&format=csv"}, {"JSON", snap + "&format=json"}}
	lang := ms.Lang()
	for _, l := range r.Levels {
		lv := ResultsLevel{Level: l.Level, Title: l.Name.In(lang), RankedUnits: l.RankedUnits, Published: l}
		if l.Summary != nil {
			lv.Summary = l.Summary.In(lang)
		}
		row := func(x survey.PublishedRow) ResultsRow {
			v := ResultsRow{Code: x.Agency, Name: x.Name.In(lang), Responses: ms.Int(x.Responses), Index: "—", Interval: "—"}
			if x.Rank > 0 {
				v.Rank = strconv.Itoa(x.Rank)
			}
			var merged []string
			for _, code := range x.Includes {
				name := code
				if a, err := cat.Agency(code); err == nil {
					name = a.Name.In(lang)
				}
				merged = append(merged, name)
			}
			v.Includes = strings.Join(merged, ", ")
			if d, err := time.ParseInLocation(time.DateOnly, x.Dissolved, survey.Zone()); err == nil {
				v.Dissolved = ms.Day(d)
			}
			if len(x.RankRange) == 2 {
				v.RankRange = fmt.Sprintf("%g–%g", x.RankRange[0], x.RankRange[1])
				lv.HasRange = true
			}
			if o := x.Overall; o.Index != nil {
				v.Index = ms.Pct(*o.Index)
				if o.Low != nil && o.High != nil {
					v.Interval = ms.Pct(*o.Low) + " – " + ms.Pct(*o.High)
				}
			}
			if n := x.EffN(); n != nil {
				v.EffN, lv.HasEffN = ms.Int(int64(*n+0.5)), true
			}
			switch {
			case x.Reason != "" && x.Responses == 0:
				v.Reason = ms.T("pub.reason.none")
			case x.Reason != "":
				v.Reason = ms.T("pub.reason." + x.Reason)
			}
			return v
		}
		for _, x := range l.Ranked {
			lv.Ranked = append(lv.Ranked, row(x))
		}
		for _, x := range l.Unranked {
			lv.Unranked = append(lv.Unranked, row(x))
		}
		lv.Funnel = publishedFunnel(ms, r.Province, l)
		p.Levels = append(p.Levels, lv)
	}
	p.Diff = diffView(ms, pub.Diff)
	return nil
}

// diffView words what moved since the previous revision.
func diffView(ms *Messages, d *survey.PublicationDiff) *DiffView {
	if d == nil {
		return nil
	}
	lang := ms.Lang()
	v := &DiffView{FromRevision: d.FromRevision, Reason: ms.T("pub.change." + d.Reason),
		RuleBefore: d.RuleBefore, RuleAfter: d.RuleAfter, RuleChanged: d.RuleBefore != d.RuleAfter,
		ResponsesBefore: ms.Int(d.ResponsesBefore), ResponsesAfter: ms.Int(d.ResponsesAfter),
		ResponsesChanged: d.ResponsesBefore != d.ResponsesAfter}
	rank := func(r int) string {
		if r == 0 {
			return "—"
		}
		return strconv.Itoa(r)
	}
	idx := func(x *float64) string {
		if x == nil {
			return "—"
		}
		return ms.Pct(*x)
	}
	for _, u := range d.Units {
		v.Units = append(v.Units, DiffRow{
			Level: ms.T("level." + string(u.Level)), Name: u.Name.In(lang),
			Rank: rank(u.RankBefore) + " → " + rank(u.RankAfter), Index: idx(u.IndexBefore) + " → " + idx(u.IndexAfter),
			Reason: ms.T("pub.change." + u.Reason),
		})
	}
	return v
}

// ---- the staff page ----

// PublicationsPage lets inspectors and administrators publish a period and
// read every revision with what moved.
type PublicationsPage struct {
	BasePage
	Period      string
	Basis       survey.Basis
	Bases       []Choice
	Provisional bool
	Quick       []string
	Done        *ResultsLink
	Groups      []PublicationsGroup
}

// PublicationsGroup is a published period and basis with its revisions.
type PublicationsGroup struct {
	Title     string
	Revisions []PublicationsRevision
}

// PublicationsRevision is one revision, worded.
type PublicationsRevision struct {
	Revision    int
	URL         string
	At, By      string
	Provisional bool
	Rule        string
	Responses   string
	SHA256      string
	Diff        *DiffView
}

func (s *Server) publicationsPage(c *gin.Context) error {
	p := PublicationsPage{BasePage: s.base(c), Basis: s.rankingBasis()}
	if r, err := strconv.Atoi(c.Query("done")); err == nil && c.Query("period") != "" {
		basis, _ := survey.ParseBasis(c.Query("basis"))
		p.Done = &ResultsLink{Label: c.Query("period") + " · " + strconv.Itoa(r), URL: resultsURL(c.Query("period"), basis, r)}
	}
	return s.renderPublications(c, http.StatusOK, p)
}

func (s *Server) renderPublications(c *gin.Context, status int, p PublicationsPage) error {
	ms := p.L
	p.Bases = basisChoices(ms)
	m := survey.MonthOf(time.Now())
	q := m.Add(-(int(m.Month()) - 1) % 3)
	p.Quick = []string{
		survey.Period{From: q.Add(-3), To: q.Add(-1)}.String(), m.Add(-1).String(),
		survey.Period{From: m.Add(-int(m.Month()) - 11), To: m.Add(-int(m.Month()))}.String(),
	}
	gs, err := s.publishedGroups(c.Request.Context())
	if err != nil {
		return err
	}
	for _, g := range gs {
		pg := PublicationsGroup{Title: g.Period + " · " + ms.T("basis."+string(g.Basis))}
		for i := len(g.Revisions) - 1; i >= 0; i-- {
			r := g.Revisions[i]
			pg.Revisions = append(pg.Revisions, PublicationsRevision{
				Revision: r.Revision, URL: resultsURL(r.Period, r.Basis, r.Revision),
				At: ms.Day(r.PublishedAt) + " " + r.PublishedAt.In(survey.Zone()).Format("15:04"), By: r.PublishedBy,
				Provisional: r.Provisional, Rule: r.Rule, Responses: ms.Int(r.Responses), SHA256: r.SHA256,
				Diff: diffView(ms, r.Diff),
			})
		}
		p.Groups = append(p.Groups, pg)
	}
	s.render(c, status, "publications", p)
	return nil
}

func (s *Server) publicationsSubmit(c *gin.Context) error {
	p := PublicationsPage{BasePage: s.base(c)}
	req := publishRequest{Period: c.PostForm("period"), Basis: c.PostForm("basis"), Provisional: c.PostForm("provisional") == "1"}
	in, fe := s.checkPublish(req, time.Now())
	p.Period, p.Basis, p.Provisional = req.Period, in.Basis, req.Provisional
	if fe != nil {
		p.setFieldErrors(publishMessages(p.L, fe), []string{"period", "basis"},
			map[string]string{"period": "rank.period", "basis": "basis.label"})
		return s.renderPublications(c, http.StatusBadRequest, p)
	}
	pub, err := s.publish(c.Request.Context(), actor(c), in)
	if err != nil {
		return err
	}
	s.auditPublication(c, pub)
	v := url.Values{"done": {strconv.Itoa(pub.Revision)}, "period": {pub.Period}, "basis": {string(pub.Basis)}}
	c.Redirect(http.StatusSeeOther, "/publications?"+v.Encode())
	return nil
}
