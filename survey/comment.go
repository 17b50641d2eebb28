package survey

import "time"

// Comment is a respondent's free-text comment as agency staff read it: one
// per response that has one, in the month of the response (SubmittedAt).
type Comment struct {
	// ID is the response's id.
	ID      string
	Agency  string
	Month   Month
	Page    int // the bucket holding it, which the handled mark is addressed to
	At      time.Time
	Area    string
	Channel Channel
	// Score is the response's mean score in tenths (see CommentScore).
	Score   int
	Text    string
	Handled *Handled
}

// Handled records who marked a comment handled, and when.
type Handled struct {
	By string
	At time.Time
}

// CommentScore is the score shown beside a comment and filtered on: the mean
// of the response's valid answers (1 to 5; "not applicable" excluded), in
// tenths of a point rounded half up (3.45 → 35, shown 3.5). It is 0 when no
// answer is valid. The mean, not the lowest answer, so that one harsh answer
// among fives does not file a comment among the complaints.
func CommentScore(answers []Answer) int {
	sum, n := 0, 0
	for _, a := range answers {
		if a.Value >= 1 && a.Value <= 5 {
			sum += a.Value
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return (20*sum + n) / (2 * n)
}

// ScoreBand selects comments by score: low is a mean that rounds to 1 or 2
// (below 2.5), mid one that rounds to 3 (2.5 to 3.4), high one that rounds
// to 4 or 5 (3.5 and above). The empty band selects every comment.
type ScoreBand string

// Score bands.
const (
	BandAny  ScoreBand = ""
	BandLow  ScoreBand = "low"
	BandMid  ScoreBand = "mid"
	BandHigh ScoreBand = "high"
)

// ScoreBands lists the bands a filter may name.
var ScoreBands = []ScoreBand{BandLow, BandMid, BandHigh}

// ParseScoreBand reads a band name; "" is every comment.
func ParseScoreBand(s string) (ScoreBand, bool) {
	switch b := ScoreBand(s); b {
	case BandAny, BandLow, BandMid, BandHigh:
		return b, true
	}
	return "", false
}

// Contains reports whether a comment with the score (in tenths, 0 for none)
// is in the band. A comment without a valid answer is in no band but BandAny.
func (b ScoreBand) Contains(tenths int) bool {
	switch b {
	case BandAny:
		return true
	case BandLow:
		return tenths >= 10 && tenths < 25
	case BandMid:
		return tenths >= 25 && tenths < 35
	case BandHigh:
		return tenths >= 35
	}
	return false
}
