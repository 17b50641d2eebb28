package server

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hailong/survey"
)

// The public page of a published CCHC year, /ket-qua/cchc/{year}, and the
// publish form on the staff page /cchc.

func init() {
	pageFiles["cchc_results"] = []string{"layout.html", "cchc_results.html"}
}

// CCHCResultsPage is the public page of a published year's CCHC index.
type CCHCResultsPage struct {
	BasePage
	Year        int
	Years       []ResultsLink // every published year
	Framework   string
	Compared    bool
	PublishedAt string
	Revision    int
	Revisions   []ResultsLink
	Provisional bool
	SHA256      string
	Groups      []CCHCGroupView
	Downloads   []Link
}

// cchcPublishedYears lists the published years (latest first) as links,
// with the latest revision of each and a hash of the list for ETags.
func (s *Server) cchcPublishedYears(c *gin.Context, current int) ([]ResultsLink, []survey.CCHCPublication, string, error) {
	all, err := s.store.CCHCPublications(c.Request.Context())
	if err != nil {
		return nil, nil, "", err
	}
	var links []ResultsLink
	var revs []survey.CCHCPublication
	latest := map[int]survey.CCHCPublication{}
	var years []int
	for _, p := range all { // latest year first, revisions oldest first
		if _, ok := latest[p.Year]; !ok {
			years = append(years, p.Year)
		}
		latest[p.Year] = p
		if p.Year == current {
			revs = append(revs, p)
		}
	}
	h := sha256.New()
	for _, y := range years {
		l := latest[y]
		fmt.Fprintf(h, "%d|%d;", y, l.Revision)
		links = append(links, ResultsLink{Label: strconv.Itoa(y), URL: cchcPublicURL(y, 0), Current: y == current, Provisional: l.Provisional})
	}
	return links, revs, fmt.Sprintf("%x", h.Sum(nil)[:6]), nil
}

func (s *Server) cchcResultsPage(c *gin.Context) error {
	year, err := cchcYearParam(c.Param("year"))
	if err != nil {
		return err
	}
	b := s.base(c)
	// The same page for everyone, so that it can be cached publicly.
	b.User, b.CSRF = nil, ""
	sw := url.Values{"lang": {string(b.OtherLang)}}
	rev := 0
	if v := c.Query("revision"); v != "" {
		if rev, err = strconv.Atoi(v); err != nil || rev < 1 || rev > 1_000_000 {
			return survey.ErrNotFound
		}
		sw.Set("revision", v)
	}
	b.SwitchURL = "/ket-qua/cchc/" + strconv.Itoa(year) + "?" + sw.Encode()
	years, revs, listHash, err := s.cchcPublishedYears(c, year)
	if err != nil {
		return err
	}
	var pub survey.CCHCPublication
	if rev > 0 {
		pub, err = s.store.CCHCPublication(c.Request.Context(), year, rev)
	} else {
		pub, err = s.store.LatestCCHCPublication(c.Request.Context(), year)
	}
	if err != nil {
		return err // nothing unpublished is shown: 404
	}
	if notModified(c, cchcETag(pub, "page-"+string(b.Lang)+"-"+listHash)) {
		return nil
	}
	ms := b.L
	content, j, err := parseCCHCPublication(pub)
	if err != nil {
		return err
	}
	p := CCHCResultsPage{BasePage: b, Year: year, Years: years, Revision: pub.Revision, Provisional: pub.Provisional,
		SHA256: pub.SHA256, PublishedAt: ms.Day(content.PublishedAt) + " " + content.PublishedAt.In(survey.Zone()).Format("15:04"),
		Framework: ms.T("cchc.framework", j.Framework.Title.In(b.Lang), j.Framework.Version)}
	for _, r := range revs {
		p.Revisions = append(p.Revisions, ResultsLink{Label: strconv.Itoa(r.Revision), URL: cchcPublicURL(year, r.Revision),
			Current: r.Revision == pub.Revision, Provisional: r.Provisional})
	}
	for _, g := range j.Groups {
		gv := CCHCGroupView{Group: g.Group, Title: ms.T("level." + string(g.Group)), Summary: g.Summary.In(b.Lang)}
		for _, u := range g.Units {
			if u.RankChange != nil || u.New {
				p.Compared = true
			}
			gv.Units = append(gv.Units, cchcUnitViewOf(ms, b.Lang, u))
		}
		p.Groups = append(p.Groups, gv)
	}
	p.Downloads = []Link{{"CSV", cchcSnapshotURL(year, pub.Revision, "csv")}, {"JSON", cchcSnapshotURL(year, pub.Revision, "json")}}
	s.render(c, http.StatusOK, "cchc_results", p)
	return nil
}

// cchcUnitViewOf words a unit's line of the API's shape, for the staff page
// /cchc and the public page alike.
func cchcUnitViewOf(ms *Messages, lang survey.Lang, u CCHCUnitJSON) CCHCUnitView {
	v := CCHCUnitView{
		Agency: u.Agency, Name: u.Name.In(lang), Illustrative: u.Illustrative,
		Points: ms.Num(u.Points), Max: ms.Num(u.Max), Index: ms.Pct2(u.Index), Rank: u.Rank, Of: u.Of,
		Previous: "—", Change: "—", SurveyPoint: ms.Num(u.Survey.Points) + " / " + ms.Num(u.Survey.Max),
	}
	switch {
	case u.New:
		v.Change, v.ChangeDir = ms.T("cchc.new"), "new"
	case u.RankChange != nil && u.PreviousRank != nil && u.PreviousOf != nil:
		v.Previous = strconv.Itoa(*u.PreviousRank) + "/" + strconv.Itoa(*u.PreviousOf)
		switch ch := *u.RankChange; {
		case ch > 0:
			v.Change, v.ChangeDir = ms.T("cchc.up", ch), "up"
		case ch < 0:
			v.Change, v.ChangeDir = ms.T("cchc.down", -ch), "down"
		default:
			v.Change, v.ChangeDir = ms.T("cchc.same"), "same"
		}
		if len(u.PreviousVia) > 0 {
			v.Previous += " " + ms.T("cchc.via", strings.Join(u.PreviousVia, ", "))
		}
	}
	if u.Survey.Index != nil {
		v.Survey = ms.T("cchc.survey."+u.Survey.Source, ms.Pct2(*u.Survey.Index))
	} else {
		v.Survey = ms.T("cchc.survey.none")
	}
	return v
}

// ---- the staff page's publish section ----

// CCHCPublishView is the publish form of /cchc and the year's revisions.
type CCHCPublishView struct {
	Year      int
	Ended     bool
	Notice    string
	Error     string
	Revisions []PublicationsRevision
}

// cchcPublishView is the publish section for an inspector or an
// administrator (nil for others).
func (s *Server) cchcPublishView(c *gin.Context, ms *Messages, year int, canPublish bool) (*CCHCPublishView, error) {
	if !canPublish {
		return nil, nil
	}
	v := &CCHCPublishView{Year: year, Ended: checkCCHCPublishYear(year, false, time.Now()) == ""}
	if r := c.Query("published"); r != "" {
		if n, err := strconv.Atoi(r); err == nil {
			v.Notice = ms.T("cchcpub.done", n)
		}
	}
	switch e := c.Query("publish_error"); e {
	case "period_not_ended", "period_not_started", "no_cchc_framework", "no_cchc_points":
		v.Error = ms.T("cchcpub.err."+e, year)
	}
	revs, err := s.cchcRevisions(c.Request.Context(), year)
	if err != nil {
		return nil, err
	}
	for i := len(revs) - 1; i >= 0; i-- {
		r := revs[i]
		v.Revisions = append(v.Revisions, PublicationsRevision{Revision: r.Revision, URL: cchcPublicURL(year, r.Revision),
			At: ms.Day(r.PublishedAt) + " " + r.PublishedAt.In(survey.Zone()).Format("15:04"), By: r.PublishedBy,
			Provisional: r.Provisional, SHA256: r.SHA256})
	}
	return v, nil
}
