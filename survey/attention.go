package survey

import (
	"math"
	"slices"
	"time"
)

// The attention queue (issue 18): a response that says a citizen was badly
// served becomes an item the agency must look at, acknowledge, work on and
// resolve within a number of working days. The item carries what triggered
// it (the low factors, the overall mean, the redacted comment) and never
// more about the citizen than the day of the answer.

// AttentionState is where an item stands.
type AttentionState string

// States of an item. A new item is AttentionNew; staff move it to any of
// the other three (and may move it back from resolved, reopening it).
const (
	AttentionNew          AttentionState = "new"
	AttentionAcknowledged AttentionState = "acknowledged"
	AttentionInProgress   AttentionState = "in_progress"
	AttentionResolved     AttentionState = "resolved"
)

// AttentionStates lists every state, in the order of the work.
var AttentionStates = []AttentionState{AttentionNew, AttentionAcknowledged, AttentionInProgress, AttentionResolved}

// ValidAttentionState reports whether s is a known state.
func ValidAttentionState(s AttentionState) bool { return slices.Contains(AttentionStates, s) }

// SettableAttentionState reports whether staff may set s (every state but new).
func SettableAttentionState(s AttentionState) bool {
	return s != AttentionNew && ValidAttentionState(s)
}

// Reasons an item entered the queue.
const (
	ReasonFactorLow        = "factor_low"        // a factor's mean at or under AttentionRule.FactorMax
	ReasonOverallLow       = "overall_low"       // the overall mean at or under OverallMax
	ReasonCommentLow       = "comment_low"       // a comment with the overall mean at or under CommentMax
	ReasonContactRequested = "contact_requested" // the citizen asked to be contacted
)

// AttentionNoteMax is the longest note, in characters.
const AttentionNoteMax = 1000

// AttentionRule says which responses enter the queue and when an item is
// overdue. The thresholds are means on the 1–5 scale; answers "not
// applicable" are left out of every mean.
type AttentionRule struct {
	FactorMax  float64 // a factor's mean at or under this enters (default 2)
	OverallMax float64 // the overall mean at or under this enters (default 2.5)
	CommentMax float64 // a non-empty comment with the overall mean at or under this enters (default 3)
	DueDays    int     // working days (Monday to Friday) before an open item is overdue (default 10)
}

// DefaultAttentionRule is the rule of issue 18.
func DefaultAttentionRule() AttentionRule {
	return AttentionRule{FactorMax: 2, OverallMax: 2.5, CommentMax: 3, DueDays: 10}
}

// FactorMean is the mean of a factor's valid answers in one response.
type FactorMean struct {
	Code string  `bson:"code" json:"code"`
	Mean float64 `bson:"mean" json:"mean"`
}

// AttentionChange is one step of an item's history: who set which state,
// with which note, when.
type AttentionChange struct {
	State AttentionState `bson:"state" json:"state"`
	Note  string         `bson:"note,omitempty" json:"note,omitempty"`
	By    string         `bson:"by" json:"by"`
	At    time.Time      `bson:"at" json:"at"`
}

// AttentionItem is one response in the queue. Its ID is the response's id,
// so the item of a response is written at most once however often the
// response is submitted or replayed. Day is the response's day in
// Vietnamese time (YYYY-MM-DD): the item never says the time of day, nor
// anything about the respondent beyond the answers and the redacted comment.
type AttentionItem struct {
	ID      string       `bson:"_id" json:"id"`
	Agency  string       `bson:"agency" json:"agency"`
	Area    string       `bson:"area" json:"area"`
	Channel Channel      `bson:"channel" json:"channel"`
	FormID  string       `bson:"formId" json:"formId"`
	Version int          `bson:"formVersion" json:"formVersion"`
	Lang    Lang         `bson:"lang,omitempty" json:"-"` // the citizen's language, for a reply
	Day     string       `bson:"day" json:"day"`
	Reasons []string     `bson:"reasons" json:"reasons"`
	Factors []FactorMean `bson:"factors" json:"factors"`
	Overall float64      `bson:"overall" json:"overall"` // 0 when no answer was valid
	Answers []Answer     `bson:"answers" json:"answers"`
	Comment string       `bson:"comment,omitempty" json:"comment,omitempty"` // redacted (Redact)
	// Contact says the citizen left a contact (kept apart, encrypted; see
	// Contact). It stays true after the contact is deleted.
	Contact bool           `bson:"contact,omitempty" json:"contact"`
	State   AttentionState `bson:"state" json:"state"`
	Note    string         `bson:"note,omitempty" json:"note,omitempty"`
	// Created is when the item was made (the response's receipt); for
	// listings of new items, never shown.
	Created  time.Time         `bson:"created" json:"-"`
	Updated  time.Time         `bson:"updated" json:"-"`
	Resolved *time.Time        `bson:"resolved,omitempty" json:"-"`
	History  []AttentionChange `bson:"history,omitempty" json:"history"`

	// Due is the last working day to resolve it (YYYY-MM-DD); Overdue is
	// set when it is open after that day. Both are worked out on reading,
	// under the rule in force (AttentionItem.SetDue).
	Due     string `bson:"-" json:"due"`
	Overdue bool   `bson:"-" json:"overdue"`
}

// Open reports whether the item is not resolved.
func (it AttentionItem) Open() bool { return it.State != AttentionResolved }

// SetDue works out Due and Overdue under the rule at now.
func (it *AttentionItem) SetDue(rule AttentionRule, now time.Time) {
	// From the day the item was made: a paper survey entered late is not
	// overdue the moment it is entered.
	due := AddWorkingDays(it.Created, rule.DueDays)
	it.Due = due.Format(time.DateOnly)
	today := now.In(zone).Format(time.DateOnly)
	it.Overdue = it.Open() && today > it.Due
}

// DaysToResolve is how long a resolved item took, in days (fractional);
// ok is false for an open item.
func (it AttentionItem) DaysToResolve() (float64, bool) {
	if it.Resolved == nil || it.Open() {
		return 0, false
	}
	return max(0, it.Resolved.Sub(it.Created).Hours()/24), true
}

// AddWorkingDays returns the day n working days (Monday to Friday) after
// the day of t, in Vietnamese time, at midnight. Public holidays are not
// known to the service and count as working days.
func AddWorkingDays(t time.Time, n int) time.Time {
	t = t.In(zone)
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, zone)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if wd := d.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return d
}

// NeedsAttention applies the rule to a stored response answering the form
// (nil when the form is unknown: then only the overall mean and the
// comment are judged). contact says the citizen asked to be contacted: such
// a response always enters, with the reason contact_requested. It returns
// the new item, and false when the response does not enter the queue.
func NeedsAttention(r Response, f *Form, rule AttentionRule, contact bool) (AttentionItem, bool) {
	factorOf := map[string]string{}
	var order []string
	if f != nil {
		for _, fa := range f.Factors {
			order = append(order, fa.Code)
			for _, c := range fa.Criteria {
				factorOf[c.Code] = fa.Code
			}
		}
	}
	sums, counts := map[string]int{}, map[string]int{}
	total, n := 0, 0
	for _, a := range r.Answers {
		if a.Value == NotApplicable {
			continue
		}
		total += a.Value
		n++
		if fc := factorOf[a.Code]; fc != "" {
			sums[fc] += a.Value
			counts[fc]++
		}
	}
	it := AttentionItem{ID: r.ID, Agency: r.Agency, Area: r.Area, Channel: r.Channel, FormID: r.FormID, Version: r.FormVersion, Lang: r.Lang,
		Day: r.SubmittedAt.In(zone).Format(time.DateOnly), Answers: r.Answers, Comment: r.Comment,
		Contact: contact, State: AttentionNew, Created: r.ReceivedAt, Updated: r.ReceivedAt}
	if it.Created.IsZero() {
		it.Created = r.SubmittedAt
		it.Updated = r.SubmittedAt
	}
	if it.Answers == nil {
		it.Answers = []Answer{}
	}
	lowFactor := false
	for _, fc := range order {
		if counts[fc] == 0 {
			continue
		}
		m := round2(float64(sums[fc]) / float64(counts[fc]))
		it.Factors = append(it.Factors, FactorMean{Code: fc, Mean: m})
		if m <= rule.FactorMax {
			lowFactor = true
		}
	}
	if it.Factors == nil {
		it.Factors = []FactorMean{}
	}
	if lowFactor {
		it.Reasons = append(it.Reasons, ReasonFactorLow)
	}
	if n > 0 {
		it.Overall = round2(float64(total) / float64(n))
		if it.Overall <= rule.OverallMax {
			it.Reasons = append(it.Reasons, ReasonOverallLow)
		}
		if r.Comment != "" && it.Overall <= rule.CommentMax {
			it.Reasons = append(it.Reasons, ReasonCommentLow)
		}
	}
	if contact {
		it.Reasons = append(it.Reasons, ReasonContactRequested)
	}
	return it, len(it.Reasons) > 0
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// AttentionCounts is an agency's queue in figures: open items, of which
// overdue, and the median days the resolved ones took (nil when none was
// resolved).
type AttentionCounts struct {
	Open                int64    `json:"open"`
	Overdue             int64    `json:"overdue"`
	MedianDaysToResolve *float64 `json:"medianDaysToResolve"`
}

// CountAttention sums items (with Due set) into counts.
func CountAttention(items []AttentionItem) AttentionCounts {
	var c AttentionCounts
	var days []float64
	for _, it := range items {
		if it.Open() {
			c.Open++
			if it.Overdue {
				c.Overdue++
			}
		} else if d, ok := it.DaysToResolve(); ok {
			days = append(days, d)
		}
	}
	if len(days) > 0 {
		slices.Sort(days)
		m := days[len(days)/2]
		if len(days)%2 == 0 {
			m = (days[len(days)/2-1] + days[len(days)/2]) / 2
		}
		m = math.Round(m*10) / 10
		c.MedianDaysToResolve = &m
	}
	return c
}
