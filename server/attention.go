package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"hailong/survey"
	"hailong/survey/store"
)

// The attention queue (issue 18, docs/attention.md): responses that say a
// citizen was badly served, for the agency to acknowledge, work on and
// resolve. Scoped like comments: staff see their agencies (and those merged
// into them), inspectors and administrators every agency; inspectors only
// read. A contact the citizen left is shown to the agency's staff only.

// ContactResolvedFunc is told when an item whose citizen left an e-mail
// address is resolved, with the address and the citizen's language, after
// the contact has been deleted: the notifications (SMTP) send the short
// message. It must not keep or log the address. Errors are its own.
type ContactResolvedFunc func(ctx context.Context, item survey.AttentionItem, email string, lang survey.Lang)

// attentionState is the server's part of the queue.
type attentionState struct {
	box *survey.ContactBox // nil: no contact key, no contact block

	mu       sync.Mutex
	resolved ContactResolvedFunc
	purged   time.Time // the last purge of expired contacts

	countsMu sync.Mutex
	counts   map[string][]survey.AttentionItem // every agency's items, for counting (attentionByAgency)
	countsAt time.Time
}

// OnContactResolved sets the hook called when an item with an e-mail
// contact is resolved (nil for none). The notify branch wires its mailer here.
func (s *Server) OnContactResolved(f ContactResolvedFunc) {
	s.attention.mu.Lock()
	defer s.attention.mu.Unlock()
	s.attention.resolved = f
}

// startAttention sets the store's rule and the contact key, says at start
// whether the contact block is offered, and purges expired contacts.
func (s *Server) startAttention(ctx context.Context) error {
	rule := s.cfg.Attention
	if rule.DueDays == 0 {
		rule = survey.DefaultAttentionRule()
	}
	s.store.SetAttentionRule(rule)
	if len(s.cfg.ContactKey) == 0 {
		s.log.Info("contact on request is off: set HAILONG_CONTACT_KEY (32 bytes, base64 or hex) to offer it on the form")
		return nil
	}
	box, err := survey.NewContactBox(s.cfg.ContactKey)
	if err != nil {
		return err
	}
	s.attention.box = box
	s.log.Info("contact on request is on: contacts are sealed with HAILONG_CONTACT_KEY")
	s.purgeContacts(ctx)
	return nil
}

// purgeContacts deletes expired contacts, at most once an hour (listing the
// queue calls it; reading a contact checks its expiry anyway).
func (s *Server) purgeContacts(ctx context.Context) {
	s.attention.mu.Lock()
	due := time.Since(s.attention.purged) > time.Hour
	if due {
		s.attention.purged = time.Now()
	}
	s.attention.mu.Unlock()
	if !due {
		return
	}
	if n, err := s.store.PurgeContacts(ctx, time.Now()); err != nil {
		s.log.Warn("attention: purging contacts failed", "err", err)
	} else if n > 0 {
		s.log.Info("attention: contacts deleted", "count", n)
	}
}

// canSeeContact reports whether the user may read the contacts of the
// agency's items: its staff (or those of the agency it was merged into).
func canSeeContact(u *survey.User, cat *survey.Catalog, agency string) bool {
	return u != nil && u.Role == survey.RoleStaff && allowed(u, cat, agency)
}

// contactOf opens the contact left on an item; nil when there is none, it
// expired, or it cannot be opened (logged without the contact).
func (s *Server) contactOf(ctx context.Context, id string) *survey.Contact {
	if s.attention.box == nil {
		return nil
	}
	sealed, err := s.store.Contact(ctx, id, time.Now())
	if err != nil {
		if !errors.Is(err, survey.ErrNotFound) {
			s.log.Warn("attention: reading a contact failed", "item", id, "err", err)
		}
		return nil
	}
	c, err := s.attention.box.Open(sealed, id)
	if err != nil {
		s.log.Warn("attention: a contact cannot be opened (another key?)", "item", id)
		return nil
	}
	return &c
}

// attentionQuery is what a listing asks for: an agency ("" for every one
// the user may see) and a state, or "open" or "overdue".
type attentionQuery struct {
	Agency string
	State  string
	Limit  int
}

const (
	attentionListDefault = 200
	attentionListMax     = 500
)

func parseAttentionQuery(get func(string) string) (attentionQuery, survey.FieldErrors) {
	q := attentionQuery{Agency: get("agency"), State: get("state"), Limit: attentionListDefault}
	fe := survey.FieldErrors{}
	if q.State != "" && q.State != "open" && q.State != "overdue" && !survey.ValidAttentionState(survey.AttentionState(q.State)) {
		fe["state"] = survey.ProblemInvalid
	}
	if v := get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > attentionListMax {
			fe["limit"] = survey.ProblemInvalid
		}
		q.Limit = n
	}
	if len(fe) > 0 {
		return q, fe
	}
	return q, nil
}

// attentionList is a listing: its items and the counts of its agencies.
type attentionList struct {
	agencies []string
	items    []survey.AttentionItem
	counts   survey.AttentionCounts
}

// listAttention lists the items asked for, checking on the server that the
// user may see the agency.
func (s *Server) listAttention(c *gin.Context, cat *survey.Catalog, q attentionQuery) (attentionList, error) {
	u := userOf(c)
	var out attentionList
	if q.Agency != "" {
		ag, err := cat.Agency(q.Agency)
		if err != nil {
			return out, err
		}
		if !allowed(u, cat, ag.Code) {
			return out, survey.ErrForbidden
		}
		out.agencies = []string{ag.Code}
	} else {
		for _, a := range cat.Agencies {
			if allowed(u, cat, a.Code) {
				out.agencies = append(out.agencies, a.Code)
			}
		}
		if len(out.agencies) == 0 {
			return out, survey.ErrForbidden
		}
	}
	ctx := c.Request.Context()
	s.purgeContacts(ctx)
	now := time.Now()
	all, err := s.store.ListAttention(ctx, store.AttentionFilter{Agencies: out.agencies, Now: now})
	if err != nil {
		return out, err
	}
	out.counts = survey.CountAttention(all)
	for _, it := range all {
		switch {
		case q.State == "open" && !it.Open(), q.State == "overdue" && !it.Overdue,
			q.State != "" && q.State != "open" && q.State != "overdue" && string(it.State) != q.State:
			continue
		}
		out.items = append(out.items, it)
		if len(out.items) == q.Limit {
			break
		}
	}
	return out, nil
}

// ---- the API ----

// AttentionItemJSON is an item as the API returns it; ContactDetails only
// for the agency's staff.
type AttentionItemJSON struct {
	survey.AttentionItem
	ContactDetails *survey.Contact `json:"contactDetails,omitempty"`
}

// AttentionListJSON is a listing: the items, newest first, and the counts
// of the agencies listed (open, overdue, median days to resolve).
type AttentionListJSON struct {
	Agency   string                 `json:"agency,omitempty"`
	State    string                 `json:"state,omitempty"`
	Agencies []string               `json:"agencies"`
	Counts   survey.AttentionCounts `json:"counts"`
	Items    []AttentionItemJSON    `json:"items"`
}

func (s *Server) attentionJSON(ctx context.Context, u *survey.User, cat *survey.Catalog, it survey.AttentionItem) AttentionItemJSON {
	out := AttentionItemJSON{AttentionItem: it}
	if out.History == nil {
		out.History = []survey.AttentionChange{}
	}
	if it.Contact && canSeeContact(u, cat, it.Agency) {
		out.ContactDetails = s.contactOf(ctx, it.ID)
	}
	return out
}

func (s *Server) attentionFieldErrors(c *gin.Context, fe survey.FieldErrors) error {
	ms := s.locales[langOf(c)]
	fields := make(map[string]string, len(fe))
	for f := range fe {
		fields[f] = ms.T("attention.err." + f)
	}
	return &apiFieldError{code: "validation_failed", fields: fields}
}

// apiAttention lists the queue as JSON.
func (s *Server) apiAttention(c *gin.Context) error {
	q, fe := parseAttentionQuery(c.Query)
	if fe != nil {
		return s.attentionFieldErrors(c, fe)
	}
	ctx := c.Request.Context()
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return err
	}
	list, err := s.listAttention(c, cat, q)
	if err != nil {
		return err
	}
	u := userOf(c)
	out := AttentionListJSON{Agency: q.Agency, State: q.State, Agencies: list.agencies, Counts: list.counts,
		Items: make([]AttentionItemJSON, 0, len(list.items))}
	for _, it := range list.items {
		out.Items = append(out.Items, s.attentionJSON(ctx, u, cat, it))
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// attentionUpdate is the body of POST /api/v1/attention/{id}.
type attentionUpdate struct {
	State string `json:"state"`
	Note  string `json:"note"`
}

// checkAttentionUpdate checks a state and a note as sent.
func checkAttentionUpdate(in attentionUpdate) (survey.AttentionState, string, survey.FieldErrors) {
	fe := survey.FieldErrors{}
	st := survey.AttentionState(in.State)
	if in.State == "" {
		fe["state"] = survey.ProblemRequired
	} else if !survey.SettableAttentionState(st) {
		fe["state"] = survey.ProblemInvalid
	}
	note := survey.NormalizeComment(in.Note)
	if !utf8.ValidString(note) || strings.ContainsRune(note, 0) {
		fe["note"] = survey.ProblemInvalid
	} else if utf8.RuneCountInString(note) > survey.AttentionNoteMax {
		fe["note"] = survey.ProblemTooLong
	}
	if len(fe) > 0 {
		return "", "", fe
	}
	return st, note, nil
}

// updateAttention changes an item's state for the user: checks, the change,
// its audit entry, and the resolution's message to a citizen who left an
// e-mail address.
func (s *Server) updateAttention(c *gin.Context, id string, st survey.AttentionState, note string) (survey.AttentionItem, *survey.Catalog, error) {
	ctx := c.Request.Context()
	u := userOf(c)
	if !validCommentID(id) {
		return survey.AttentionItem{}, nil, survey.ErrNotFound
	}
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return survey.AttentionItem{}, nil, err
	}
	it, err := s.store.AttentionItem(ctx, id, time.Now())
	if err != nil {
		return it, cat, err
	}
	if !canMark(u, cat, it.Agency) {
		return it, cat, survey.ErrForbidden
	}
	var email string
	if st == survey.AttentionResolved && it.Open() && it.Contact {
		if ct := s.contactOf(ctx, id); ct != nil {
			email = ct.Email
		}
	}
	before, after, err := s.store.UpdateAttention(ctx, id, st, note, u.Username, time.Now())
	if err != nil {
		return it, cat, err
	}
	type change struct {
		State survey.AttentionState `json:"state"`
		Note  string                `json:"note,omitempty"`
	}
	s.audit(c, u.Username, "attention.update", id, change{before.State, before.Note}, change{after.State, after.Note})
	s.forgetAttentionCounts()
	if email != "" {
		s.attention.mu.Lock()
		hook := s.attention.resolved
		s.attention.mu.Unlock()
		if hook != nil {
			hook(context.WithoutCancel(ctx), after, email, after.Lang)
		}
	}
	return after, cat, nil
}

// apiAttentionUpdate sets an item's state and note.
func (s *Server) apiAttentionUpdate(c *gin.Context) error {
	if userOf(c).Role == survey.RoleInspector {
		return errForbiddenAPI // inspectors only read
	}
	var in attentionUpdate
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	st, note, fe := checkAttentionUpdate(in)
	if fe != nil {
		return s.attentionFieldErrors(c, fe)
	}
	it, cat, err := s.updateAttention(c, c.Param("id"), st, note)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, s.attentionJSON(c.Request.Context(), userOf(c), cat, it))
	return nil
}

// ---- the page ----

// AttentionPage is the queue as staff see it.
type AttentionPage struct {
	BasePage
	Agencies []Choice
	States   []Choice
	Query    attentionQuery
	Counts   survey.AttentionCounts
	Median   string
	Items    []AttentionRow
	Back     string
	APIURL   string
	DueDays  int
	// Problem is the message of a refused change, shown at its item.
	Problem   string
	ProblemID string
}

// AttentionRow is one item on the page.
type AttentionRow struct {
	ID, Anchor     string
	Agency, Area   string
	Channel, Day   string
	Due            string
	Overdue        bool
	State          string
	StateCode      string
	Reasons        []string
	Overall        string
	Factors        []AttentionFactorRow
	Low            []string // the answers at or under the factor threshold: "3.2 Staff listen attentively: 1"
	Lines          []string // the redacted comment, line by line
	Note           string
	History        []string
	Contact        *survey.Contact
	ContactHidden  bool // a contact was left, not shown to this user
	CanUpdate      bool
	SettableStates []Choice
}

// AttentionFactorRow is a factor's mean in the item.
type AttentionFactorRow struct {
	Name string
	Mean string
	Low  bool
}

func (s *Server) attentionPage(c *gin.Context) error {
	return s.renderAttention(c, http.StatusOK, "", "")
}

// renderAttention shows the queue; problem, when set, is the message of a
// refused change of item id.
func (s *Server) renderAttention(c *gin.Context, status int, problemID, problem string) error {
	ctx := c.Request.Context()
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return err
	}
	u := userOf(c)
	b := s.staffBase(c)
	p := AttentionPage{BasePage: b, Problem: problem, ProblemID: problemID, DueDays: s.store.AttentionRule().DueDays}
	for _, a := range cat.Agencies {
		if allowed(u, cat, a.Code) {
			p.Agencies = append(p.Agencies, Choice{a.Code, a.Name.In(b.Lang)})
		}
	}
	if len(p.Agencies) == 0 {
		return survey.ErrForbidden
	}
	for _, st := range []string{"open", "overdue", "new", "acknowledged", "in_progress", "resolved"} {
		p.States = append(p.States, Choice{st, b.L.T("attention.state." + st)})
	}
	q, fe := parseAttentionQuery(c.Query)
	p.Query = q
	if fe != nil {
		p.setFieldErrors(problemMessages(b.L, fe), []string{"state", "limit"},
			map[string]string{"state": "attention.state", "limit": "attention.limit"})
		s.render(c, http.StatusBadRequest, "attention", p)
		return nil
	}
	list, err := s.listAttention(c, cat, q)
	if err != nil {
		return err
	}
	p.Counts = list.counts
	p.Median = "—"
	if m := list.counts.MedianDaysToResolve; m != nil {
		p.Median = decimalText(b.L, *m)
	}
	p.Back = selfURI(c)
	p.APIURL = "/api/v1/attention?" + c.Request.URL.Query().Encode()
	forms := map[string]*survey.Form{}
	formOf := func(id string, v int) *survey.Form {
		k := survey.FormKey(id, v)
		if f, ok := forms[k]; ok {
			return f
		}
		var fp *survey.Form
		if f, err := cat.FormVersion(id, v); err == nil {
			fp = &f
		}
		forms[k] = fp
		return fp
	}
	rule := s.store.AttentionRule()
	for _, it := range list.items {
		p.Items = append(p.Items, s.attentionRow(ctx, b, u, cat, it, formOf(it.FormID, it.Version), rule))
	}
	s.render(c, status, "attention", p)
	return nil
}

func (s *Server) attentionRow(ctx context.Context, b BasePage, u *survey.User, cat *survey.Catalog, it survey.AttentionItem, f *survey.Form, rule survey.AttentionRule) AttentionRow {
	r := AttentionRow{ID: it.ID, Anchor: "a-" + it.ID, Agency: it.Agency, Area: it.Area,
		Channel: b.L.T("channel." + string(it.Channel)), Day: it.Day, Due: it.Due, Overdue: it.Overdue,
		State: b.L.T("attention.state." + string(it.State)), StateCode: string(it.State),
		Overall: decimalText(b.L, it.Overall), Note: it.Note, CanUpdate: canMark(u, cat, it.Agency)}
	if ag, err := cat.Agency(it.Agency); err == nil {
		r.Agency = ag.Name.In(b.Lang)
	}
	if ar, err := cat.Area(it.Area); err == nil {
		r.Area = ar.Name.In(b.Lang)
	}
	for _, reason := range it.Reasons {
		r.Reasons = append(r.Reasons, b.L.T("attention.reason."+reason))
	}
	names, texts := map[string]string{}, map[string]string{}
	if f != nil {
		for _, q := range f.Questions(it.Area) {
			texts[q.Code] = q.Text.In(b.Lang)
		}
		for _, fa := range f.Factors {
			names[fa.Code] = fa.Name.In(b.Lang)
		}
	}
	for _, fm := range it.Factors {
		name := names[fm.Code]
		if name == "" {
			name = fm.Code
		}
		r.Factors = append(r.Factors, AttentionFactorRow{Name: name, Mean: decimalText(b.L, fm.Mean), Low: fm.Mean <= rule.FactorMax})
	}
	for _, a := range it.Answers {
		if a.Value != survey.NotApplicable && float64(a.Value) <= rule.FactorMax {
			r.Low = append(r.Low, strings.TrimSpace(a.Code+" "+texts[a.Code])+": "+strconv.Itoa(a.Value))
		}
	}
	if it.Comment != "" {
		text, _ := survey.Redact(it.Comment)
		r.Lines = strings.Split(text, "\n")
	}
	for _, h := range it.History {
		line := dateTime(b.Lang, h.At) + " · " + h.By + " · " + b.L.T("attention.state."+string(h.State))
		if h.Note != "" {
			line += " · " + h.Note
		}
		r.History = append(r.History, line)
	}
	if it.Contact {
		if canSeeContact(u, cat, it.Agency) {
			r.Contact = s.contactOf(ctx, it.ID)
		} else {
			r.ContactHidden = true
		}
	}
	if r.CanUpdate {
		for _, st := range survey.AttentionStates[1:] {
			r.SettableStates = append(r.SettableStates, Choice{string(st), b.L.T("attention.state." + string(st))})
		}
	}
	return r
}

// decimalText writes a mean with up to two decimals, with a comma in Vietnamese.
func decimalText(ms *Messages, v float64) string {
	t := strconv.FormatFloat(v, 'f', -1, 64)
	if ms.Lang() == survey.Vi {
		t = strings.Replace(t, ".", ",", 1)
	}
	return t
}

// attentionSubmit changes an item from the page's form, then returns to
// the listing it came from; a refused change shows the listing with the
// message at the item.
func (s *Server) attentionSubmit(c *gin.Context) error {
	id := c.Param("id")
	b := s.base(c)
	st, note, fe := checkAttentionUpdate(attentionUpdate{State: c.PostForm("state"), Note: c.PostForm("note")})
	if fe != nil {
		msgs := problemMessages(b.L, fe)
		var parts []string
		for _, k := range []string{"state", "note"} {
			if m, ok := msgs[k]; ok {
				parts = append(parts, b.L.T("attention."+k)+": "+m)
			}
		}
		return s.renderAttention(c, http.StatusBadRequest, id, strings.Join(parts, " "))
	}
	if _, _, err := s.updateAttention(c, id, st, note); err != nil {
		return err
	}
	back := c.PostForm("back")
	if !strings.HasPrefix(back, "/attention?") && back != "/attention" {
		back = "/attention"
	}
	c.Redirect(http.StatusSeeOther, back+"#a-"+id)
	return nil
}

// attentionCountsTTL is how long the counts of every agency's queue are
// reused by the dashboard and the rankings (a change made here is seen at
// once).
const attentionCountsTTL = 30 * time.Second

// attentionByAgency returns every agency's items (states and dates only),
// read at most every attentionCountsTTL.
func (s *Server) attentionByAgency(ctx context.Context) (map[string][]survey.AttentionItem, error) {
	a := &s.attention
	a.countsMu.Lock()
	defer a.countsMu.Unlock()
	if a.counts != nil && time.Since(a.countsAt) < attentionCountsTTL {
		return a.counts, nil
	}
	now := time.Now()
	by, err := s.store.AttentionByAgency(ctx, now)
	if err != nil {
		return nil, err
	}
	a.counts, a.countsAt = by, now
	return by, nil
}

// forgetAttentionCounts makes the next counts read the queue again.
func (s *Server) forgetAttentionCounts() {
	s.attention.countsMu.Lock()
	s.attention.counts = nil
	s.attention.countsMu.Unlock()
}

// countUnits counts the items of the units (an agency and those merged
// into it).
func countUnits(by map[string][]survey.AttentionItem, units []string) survey.AttentionCounts {
	var mine []survey.AttentionItem
	for _, u := range slices.Compact(slices.Sorted(slices.Values(units))) {
		mine = append(mine, by[u]...)
	}
	return survey.CountAttention(mine)
}

// dashboardAttention counts the queue of a dashboard's units; nil when the
// store cannot (the figures are then left out of the page).
func (s *Server) dashboardAttention(ctx context.Context, units []string) *survey.AttentionCounts {
	by, err := s.attentionByAgency(ctx)
	if err != nil {
		s.log.Warn("attention: counts left out", "err", err)
		return nil
	}
	c := countUnits(by, units)
	return &c
}

// rankingAttention sets the attention counts of every row of the rankings:
// the unit's items and those of the agencies merged into it. On a failure
// the counts are left out.
func (s *Server) rankingAttention(ctx context.Context, levels []RankingLevelJSON) {
	by, err := s.attentionByAgency(ctx)
	if err != nil {
		s.log.Warn("attention: counts left out of the rankings", "err", err)
		return
	}
	for i := range levels {
		for _, list := range [][]RankingRowJSON{levels[i].Ranked, levels[i].Unranked} {
			for j := range list {
				c := countUnits(by, append([]string{list[j].Agency}, list[j].Includes...))
				list[j].Attention = &c
			}
		}
	}
}

// AttentionDigest lists an agency's items for its daily digest: those made
// since the time (fresh) and those overdue now, newest first, with Due set.
// The notifications' NoticeSource wraps it (docs/attention.md).
func (s *Server) AttentionDigest(ctx context.Context, agency string, since time.Time) (fresh, overdue []survey.AttentionItem, err error) {
	now := time.Now()
	if fresh, err = s.store.ListAttention(ctx, store.AttentionFilter{Agencies: []string{agency}, Since: since, Now: now}); err != nil {
		return nil, nil, err
	}
	overdue, err = s.store.ListAttention(ctx, store.AttentionFilter{Agencies: []string{agency}, Overdue: true, Now: now})
	return fresh, overdue, err
}

// AttentionPath is the path of an item on the queue's page.
func AttentionPath(agency, id string) string {
	return "/attention?" + url.Values{"agency": {agency}}.Encode() + "#a-" + id
}
