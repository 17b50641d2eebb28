package survey

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"time"
)

// A publication freezes the ranking of a period as it stood when an
// inspector published it: later entries and rebuilds never change it. The
// same period and basis published again is a new revision, with what moved
// since the one before (issue 16).

// Why a revision differs from the one before it.
const (
	// ChangeUnchanged: no rank or index moved.
	ChangeUnchanged = "unchanged"
	// ChangeLateEntries: responses arrived (or were removed) since: the
	// unit's record count differs.
	ChangeLateEntries = "late_entries"
	// ChangeRuleChange: the scoring rule (id or minimum sample) differs.
	ChangeRuleChange = "rule_change"
	// ChangeRebuild: the same records under the same rule give other
	// figures: the rollups or the catalog were rebuilt or edited.
	ChangeRebuild = "rebuild"
)

// FormVersion names a questionnaire version.
type FormVersion struct {
	ID      string `bson:"id" json:"id"`
	Version int    `bson:"version" json:"version"`
}

// PublicationContent is what a publication freezes, and what its SHA-256
// is computed over: its canonical JSON (json.Marshal of this struct, the
// rankings compacted) is stored as is and served as the JSON download, so
// anyone can check the hash of the file they downloaded.
type PublicationContent struct {
	Period      string        `json:"period"`
	From        string        `json:"from"`
	To          string        `json:"to"`
	Basis       Basis         `json:"basis"`
	Revision    int           `json:"revision"`
	Provisional bool          `json:"provisional"`
	PublishedAt time.Time     `json:"publishedAt"`
	Rule        string        `json:"rule"`
	Forms       []FormVersion `json:"forms"`
	// Responses counts the records ranked and listed, every level.
	Responses int64 `json:"responses"`
	// Rankings is the ranking exactly as GET /api/v1/rankings gives it to
	// an inspector for the period and basis, whatever fields it has.
	Rankings json.RawMessage `json:"rankings"`
}

// Canonical is the content's canonical JSON and its SHA-256 in hex.
func (c PublicationContent) Canonical() (body []byte, sum string, err error) {
	return canonical("publication content", c)
}

// canonical is the bytes a publication freezes (v as JSON, compact, its
// fields in declaration order) and their SHA-256 in hex.
func canonical(what string, v any) (body []byte, sum string, err error) {
	body, err = json.Marshal(v)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", what, err)
	}
	h := sha256.Sum256(body)
	return body, hex.EncodeToString(h[:]), nil
}

// Publication is one revision of a published period, as stored.
type Publication struct {
	// ID is "<period>|<basis>|<revision>": a second publish racing for the
	// same revision fails on it and takes the next.
	ID          string    `bson:"_id"`
	Key         string    `bson:"key"` // "<period>|<basis>"
	Period      string    `bson:"period"`
	From        string    `bson:"from"`
	To          string    `bson:"to"`
	Basis       Basis     `bson:"basis"`
	Revision    int       `bson:"revision"`
	Provisional bool      `bson:"provisional"`
	PublishedAt time.Time `bson:"publishedAt"`
	PublishedBy string    `bson:"publishedBy"`
	Rule        string    `bson:"rule"`
	Responses   int64     `bson:"responses"`
	SHA256      string    `bson:"sha256"`
	// Content is the canonical JSON of the PublicationContent (read only
	// when one publication is asked for, never in listings).
	Content string `bson:"content,omitempty"`
	// Diff is what moved since the previous revision; nil for the first.
	Diff *PublicationDiff `bson:"diff,omitempty"`
}

// PublicationKey names the period and basis a publication's revisions share.
func PublicationKey(period string, basis Basis) string { return period + "|" + string(basis) }

// PublicationID names one revision.
func PublicationID(period string, basis Basis, revision int) string {
	return fmt.Sprintf("%s|%d", PublicationKey(period, basis), revision)
}

// PublishedRankings is the part of a published ranking that the public page,
// the CSV and the diff read; other fields stay in the content untouched.
type PublishedRankings struct {
	Rule struct {
		ID        string `json:"id"`
		MinSample int64  `json:"minSample"`
	} `json:"rule"`
	FormID      string           `json:"formId"`
	FormVersion int              `json:"formVersion"`
	Levels      []PublishedLevel `json:"levels"`
	// Province is every unit pooled: the centre of the funnel plot
	// (absent from snapshots published before it was kept).
	Province *PublishedScore `json:"province"`
}

// PublishedLevel is one level of a published ranking.
type PublishedLevel struct {
	Level       Level          `json:"level"`
	Name        Text           `json:"name"`
	RankedUnits int            `json:"rankedUnits"`
	Summary     *Text          `json:"summary"`
	Ranked      []PublishedRow `json:"ranked"`
	Unranked    []PublishedRow `json:"unranked"`
}

// PublishedRow is one unit of a published ranking. RankRange and
// EffectiveN are read when the ranking carries them (rule sipas-2017-v2).
// Only what the page, the CSV and the diff need is read, in the loosest
// types that fit (a rank range as numbers, whatever their form), so that
// the rankings may change other fields' shape (the change, say) without
// making a snapshot unreadable.
type PublishedRow struct {
	Rank      int            `json:"rank"`
	RankRange []float64      `json:"rankRange,omitempty"`
	Agency    string         `json:"agency"`
	Name      Text           `json:"name"`
	Overall   PublishedScore `json:"overall"`
	Responses int64          `json:"responses"`
	TooFew    bool           `json:"tooFew"`
	Reason    string         `json:"reason,omitempty"`
	// Includes are the merged agencies counted with the unit; Dissolved
	// the day (YYYY-MM-DD) a dissolved agency stopped serving.
	Includes  []string `json:"includes,omitempty"`
	Dissolved string   `json:"dissolved,omitempty"`
	// EffectiveN may stand on the row or on its overall score.
	EffectiveN *float64 `json:"effectiveN,omitempty"`
}

// PublishedScore is an overall index with its interval (null when none).
type PublishedScore struct {
	Index      *float64 `json:"index"`
	Low        *float64 `json:"low"`
	High       *float64 `json:"high"`
	EffectiveN *float64 `json:"effectiveN,omitempty"`
	NoData     bool     `json:"noData"`
	Incomplete bool     `json:"incomplete,omitempty"`
}

// EffN is the row's effective sample size, or nil when the ranking has none.
func (r PublishedRow) EffN() *float64 {
	if r.EffectiveN != nil {
		return r.EffectiveN
	}
	return r.Overall.EffectiveN
}

// ParsePublishedRankings reads the rankings of a publication's content.
func ParsePublishedRankings(content []byte) (PublicationContent, PublishedRankings, error) {
	var c PublicationContent
	var r PublishedRankings
	if err := json.Unmarshal(content, &c); err != nil {
		return c, r, fmt.Errorf("publication content: %w", err)
	}
	if err := json.Unmarshal(c.Rankings, &r); err != nil {
		return c, r, fmt.Errorf("publication rankings: %w", err)
	}
	return c, r, nil
}

// CountResponses adds up the records of every row of every level.
func (r PublishedRankings) CountResponses() int64 {
	var n int64
	for _, l := range r.Levels {
		for _, rows := range [][]PublishedRow{l.Ranked, l.Unranked} {
			for _, x := range rows {
				n += x.Responses
			}
		}
	}
	return n
}

// PublicationDiff is what moved between two revisions and why.
type PublicationDiff struct {
	FromRevision int `bson:"fromRevision" json:"fromRevision"`
	// Reason sums the moves up: unchanged, late_entries (some unit's records
	// changed), rule_change or rebuild (same records, same rule).
	Reason          string `bson:"reason" json:"reason"`
	RuleBefore      string `bson:"ruleBefore" json:"ruleBefore"`
	RuleAfter       string `bson:"ruleAfter" json:"ruleAfter"`
	ResponsesBefore int64  `bson:"responsesBefore" json:"responsesBefore"`
	ResponsesAfter  int64  `bson:"responsesAfter" json:"responsesAfter"`
	// Units are the units whose rank or index moved, or that came or went.
	Units []UnitMove `bson:"units" json:"units"`
}

// UnitMove is one unit whose rank (0: unranked or absent) or index moved.
type UnitMove struct {
	Level           Level    `bson:"level" json:"level"`
	Agency          string   `bson:"agency" json:"agency"`
	Name            Text     `bson:"name" json:"name"`
	RankBefore      int      `bson:"rankBefore" json:"rankBefore"`
	RankAfter       int      `bson:"rankAfter" json:"rankAfter"`
	IndexBefore     *float64 `bson:"indexBefore" json:"indexBefore"`
	IndexAfter      *float64 `bson:"indexAfter" json:"indexAfter"`
	ResponsesBefore int64    `bson:"responsesBefore" json:"responsesBefore"`
	ResponsesAfter  int64    `bson:"responsesAfter" json:"responsesAfter"`
	// Reason: late_entries when the unit's records changed, else
	// rule_change when the rule did, else rebuild.
	Reason string `bson:"reason" json:"reason"`
}

// ruleKey tells rules apart by id and minimum sample.
func ruleKey(r PublishedRankings) string { return fmt.Sprintf("%s/%d", r.Rule.ID, r.Rule.MinSample) }

// DiffPublications compares revision fromRev (before) with the new one
// (after), unit by unit within each level, in the order of after then the
// units before lacks.
func DiffPublications(fromRev int, before, after PublishedRankings) *PublicationDiff {
	d := &PublicationDiff{
		FromRevision: fromRev, RuleBefore: before.Rule.ID, RuleAfter: after.Rule.ID,
		ResponsesBefore: before.CountResponses(), ResponsesAfter: after.CountResponses(),
		Units: []UnitMove{},
	}
	ruleChanged := ruleKey(before) != ruleKey(after)
	type key struct {
		level  Level
		agency string
	}
	rows := func(r PublishedRankings) (map[key]PublishedRow, []key) {
		m := map[key]PublishedRow{}
		var order []key
		for _, l := range r.Levels {
			for _, rs := range [][]PublishedRow{l.Ranked, l.Unranked} {
				for _, x := range rs {
					k := key{l.Level, x.Agency}
					if _, dup := m[k]; !dup {
						order = append(order, k)
					}
					m[k] = x
				}
			}
		}
		return m, order
	}
	b, bOrder := rows(before)
	a, aOrder := rows(after)
	// Records changed anywhere: the moves of units whose own records did
	// not change (a rank taken by a unit with late entries) are theirs too.
	late := d.ResponsesBefore != d.ResponsesAfter
	for k, y := range a {
		if x, ok := b[k]; !ok || x.Responses != y.Responses {
			late = true
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			late = true
		}
	}
	seen := map[key]bool{}
	for _, k := range append(aOrder, bOrder...) {
		if seen[k] {
			continue
		}
		seen[k] = true
		x, inB := b[k]
		y, inA := a[k]
		sameIdx := sameIndex(x.Overall.Index, y.Overall.Index)
		if inB && inA && x.Rank == y.Rank && sameIdx {
			continue
		}
		m := UnitMove{Level: k.level, Agency: k.agency, RankBefore: x.Rank, RankAfter: y.Rank,
			IndexBefore: x.Overall.Index, IndexAfter: y.Overall.Index,
			ResponsesBefore: x.Responses, ResponsesAfter: y.Responses, Name: y.Name}
		if !inA {
			m.Name = x.Name
		}
		switch {
		case !inA || !inB || x.Responses != y.Responses:
			m.Reason = ChangeLateEntries
		case sameIdx && late: // its rank moved as others' records changed
			m.Reason = ChangeLateEntries
		case ruleChanged:
			m.Reason = ChangeRuleChange
		default:
			m.Reason = ChangeRebuild
		}
		d.Units = append(d.Units, m)
	}
	switch {
	case late:
		d.Reason = ChangeLateEntries
	case ruleChanged:
		d.Reason = ChangeRuleChange
	case len(d.Units) > 0:
		d.Reason = ChangeRebuild
	default:
		d.Reason = ChangeUnchanged
	}
	return d
}

// sameIndex compares two indices (nil: none) to well below the displayed
// precision.
func sameIndex(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return math.Abs(*a-*b) < 1e-9
}

// PeriodEnded reports whether the whole period lies before the month of now.
func PeriodEnded(p Period, now time.Time) bool { return p.To.Before(MonthOf(now)) }

// PeriodStarted reports whether the period's first month has begun.
func PeriodStarted(p Period, now time.Time) bool { return !MonthOf(now).Before(p.From) }
