package notify

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"hailong/survey"
	"hailong/survey/store"
)

// hcm is Vietnam's time zone: the digest's day is the day there.
var hcm = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return l
	}
	return time.FixedZone("ICT", 7*3600)
}()

// Day is the digest day of t (YYYY-MM-DD in Vietnam).
func Day(t time.Time) string { return t.In(hcm).Format("2006-01-02") }

// DigestResult is what became of one agency's digest.
type DigestResult struct {
	Agency  string `json:"agency"`
	State   string `json:"state"` // sent, empty (nothing to tell: no mail), skipped (sent already today), failed
	Fresh   int    `json:"fresh"`
	Overdue int    `json:"overdue"`
	Error   string `json:"error,omitempty"`
}

// Digest states of a DigestResult.
const (
	DigestSent    = "sent"
	DigestEmpty   = "empty"
	DigestSkipped = "skipped"
	DigestFailed  = "failed"
)

// SendDigests sends each agency with e-mail addresses its digest of the
// day of now: the items created since its last digest (a day back at the
// first) and the overdue ones. Unless force (an administrator's "send
// now"), an agency whose digest of that day was sent already is skipped:
// a record per agency and day in the database, so a restart does not
// send it again.
func (s *Service) SendDigests(ctx context.Context, now time.Time, force bool) ([]DigestResult, error) {
	if s.mail == nil {
		return nil, ErrNoSMTP
	}
	all, err := s.st.AllNotifySettings(ctx)
	if err != nil {
		return nil, err
	}
	cat, err := s.st.Catalog(ctx)
	if err != nil {
		return nil, err
	}
	day := Day(now)
	var out []DigestResult
	for _, set := range all {
		if len(set.Emails) == 0 {
			continue
		}
		r := s.sendDigest(ctx, cat, set, day, now, force)
		if s.OnDigest != nil {
			s.OnDigest(r)
		}
		out = append(out, r)
	}
	return out, nil
}

func (s *Service) sendDigest(ctx context.Context, cat *survey.Catalog, set survey.NotifySettings, day string, now time.Time, force bool) DigestResult {
	r := DigestResult{Agency: set.Agency}
	if !force {
		ok, err := s.st.ClaimDigest(ctx, set.Agency, day, now)
		if err != nil {
			r.State, r.Error = DigestFailed, err.Error()
			return r
		}
		if !ok {
			r.State = DigestSkipped
			return r
		}
	}
	fail := func(err error) DigestResult {
		if !force {
			_ = s.st.DropDigest(context.Background(), set.Agency, day)
		}
		r.State, r.Error = DigestFailed, err.Error()
		s.log.Warn("digest not sent", "agency", set.Agency, "err", err)
		return r
	}
	since, err := s.st.LastDigest(ctx, set.Agency)
	if err != nil {
		return fail(err)
	}
	if since.IsZero() {
		since = now.Add(-24 * time.Hour)
	}
	fresh, overdue, err := s.source().DigestNotices(ctx, set.Agency, since)
	if err != nil {
		return fail(err)
	}
	r.Fresh, r.Overdue = len(fresh), len(overdue)
	state := store.DigestEmpty
	if len(fresh)+len(overdue) > 0 {
		name := survey.Text{Vi: set.Agency, En: set.Agency}
		if a, err := cat.Agency(set.Agency); err == nil {
			name = a.Name
		}
		msg := ComposeDigest(name, day, fresh, overdue, s.queueLink(set.Agency))
		msg.To = set.Emails
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		err := s.mail.Send(sctx, msg)
		cancel()
		if err != nil {
			return fail(err)
		}
		state = store.DigestSent
	}
	if err := s.st.RecordDigest(context.Background(), set.Agency, day, state, now, r.Fresh, r.Overdue); err != nil {
		s.log.Warn("digest not recorded", "agency", set.Agency, "err", err)
	}
	r.State = map[string]string{store.DigestSent: DigestSent, store.DigestEmpty: DigestEmpty}[state]
	return r
}

// queueLink is the address of the agency's attention queue, when the
// public address is known.
func (s *Service) queueLink(agency string) string {
	if s.publicURL == "" {
		return ""
	}
	return strings.TrimRight(s.publicURL, "/") + "/attention?agency=" + agency
}

// ComposeDigest writes an agency's digest: Vietnamese first, then English,
// in plain text. It says only what the notices say.
func ComposeDigest(name survey.Text, day string, fresh, overdue []survey.Notice, queue string) Message {
	d, _ := time.Parse("2006-01-02", day)
	viDay := d.Format("02/01/2006")
	var b strings.Builder
	fmt.Fprintf(&b, "Kính gửi %s,\n\n", name.Vi)
	fmt.Fprintf(&b, "Bản tin hằng ngày của Hài Lòng ngày %s: %d phản ánh mới và %d phản ánh quá hạn cần xử lý.\n", viDay, len(fresh), len(overdue))
	writeItems(&b, "Phản ánh mới", fresh, survey.Vi)
	writeItems(&b, "Phản ánh quá hạn", overdue, survey.Vi)
	if queue != "" {
		fmt.Fprintf(&b, "\nXem và xử lý: %s\n", queue)
	}
	b.WriteString("\n-- \nEnglish\n\n")
	fmt.Fprintf(&b, "Dear %s,\n\n", name.En)
	fmt.Fprintf(&b, "Hài Lòng's daily digest of %s: %d new and %d overdue items to handle.\n", day, len(fresh), len(overdue))
	writeItems(&b, "New items", fresh, survey.En)
	writeItems(&b, "Overdue items", overdue, survey.En)
	if queue != "" {
		fmt.Fprintf(&b, "\nOpen the queue: %s\n", queue)
	}
	b.WriteString("\nThư này được gửi tự động; không trả lời thư này. / This message is sent automatically; do not reply.\n")
	subject := fmt.Sprintf("[Hài Lòng] %s: %d phản ánh mới, %d quá hạn (%s) / %d new, %d overdue",
		name.Vi, len(fresh), len(overdue), viDay, len(fresh), len(overdue))
	return Message{Subject: subject, Body: b.String()}
}

var reasonText = map[string]survey.Text{
	"factor":  {Vi: "có yếu tố điểm thấp", En: "a factor rated low"},
	"overall": {Vi: "điểm chung thấp", En: "low overall rating"},
	"comment": {Vi: "ý kiến kèm điểm chưa cao", En: "a comment with a middling rating"},
}

func writeItems(b *strings.Builder, title string, ns []survey.Notice, lang survey.Lang) {
	if len(ns) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s (%d)\n", title, len(ns))
	for i, n := range ns {
		var reasons []string
		for _, r := range n.Reasons {
			if t, ok := reasonText[r]; ok {
				reasons = append(reasons, t.In(lang))
			} else {
				reasons = append(reasons, r)
			}
		}
		var factors []string
		for _, k := range slices.Sorted(maps.Keys(n.FactorMeans)) {
			factors = append(factors, k+" "+number(n.FactorMeans[k], lang))
		}
		if lang == survey.Vi {
			fmt.Fprintf(b, "%d. Ngày %s · điểm chung %s · lý do: %s\n", i+1, n.Day, number(n.Overall, lang), strings.Join(reasons, ", "))
			if len(factors) > 0 {
				fmt.Fprintf(b, "   Điểm theo yếu tố: %s\n", strings.Join(factors, "; "))
			}
			if n.Comment != "" {
				fmt.Fprintf(b, "   Ý kiến: «%s»\n", oneLine(n.Comment))
			}
			if n.Link != "" {
				fmt.Fprintf(b, "   Xem: %s\n", n.Link)
			}
			continue
		}
		fmt.Fprintf(b, "%d. %s · overall %s · reasons: %s\n", i+1, n.Day, number(n.Overall, lang), strings.Join(reasons, ", "))
		if len(factors) > 0 {
			fmt.Fprintf(b, "   Factor means: %s\n", strings.Join(factors, "; "))
		}
		if n.Comment != "" {
			fmt.Fprintf(b, "   Comment: «%s»\n", oneLine(n.Comment))
		}
		if n.Link != "" {
			fmt.Fprintf(b, "   Open: %s\n", n.Link)
		}
	}
}

// number writes a mean with one decimal, a comma in Vietnamese.
func number(f float64, lang survey.Lang) string {
	s := strconv.FormatFloat(f, 'f', 1, 64)
	if lang == survey.Vi {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// oneLine keeps a comment on one line, at most 500 characters.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 500 {
		s = string(r[:500]) + "…"
	}
	return s
}
