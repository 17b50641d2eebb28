package survey

import (
	"slices"
	"time"
)

// RatingLevel is one of the three levels of the quick per-dossier rating a
// kiosk offers. It is not the SIPAS 1–5 scale and never counts in a SIPAS
// index: ratings are their own records with their own monthly counts.
type RatingLevel string

// Rating levels, best first.
const (
	RatingVerySatisfied RatingLevel = "very_satisfied" // Rất hài lòng
	RatingSatisfied     RatingLevel = "satisfied"      // Hài lòng
	RatingDissatisfied  RatingLevel = "dissatisfied"   // Không hài lòng
)

// RatingLevels lists the levels, best first.
var RatingLevels = []RatingLevel{RatingVerySatisfied, RatingSatisfied, RatingDissatisfied}

// ValidRatingLevel reports whether l is a rating level.
func ValidRatingLevel(l RatingLevel) bool { return slices.Contains(RatingLevels, l) }

// TopicStaffAttitude is what the quick rating asks about.
const TopicStaffAttitude = "staff_attitude"

// Rating is one quick rating given at a kiosk. Its ID is the idempotency key
// the tablet generated, so a retry (the offline queue sending again) is a
// duplicate, never a second count.
type Rating struct {
	ID      string      `bson:"_id" json:"id"`
	Kiosk   string      `bson:"kiosk" json:"kiosk"`
	Agency  string      `bson:"agency" json:"agency"`
	Counter string      `bson:"counter,omitempty" json:"counter,omitempty"`
	Topic   string      `bson:"topic" json:"topic"`
	Level   RatingLevel `bson:"level" json:"level"`
	Lang    Lang        `bson:"lang" json:"lang"`
	// RatedAt is when the citizen rated (the tablet's clock, which may be
	// earlier than ReceivedAt when the rating waited offline); it decides the
	// month the rating counts in.
	RatedAt    time.Time `bson:"ratedAt" json:"ratedAt"`
	ReceivedAt time.Time `bson:"receivedAt" json:"receivedAt"`
}

// SameRequest reports whether a stored rating is the one r retries.
func (r Rating) SameRequest(other Rating) bool {
	return r.Kiosk == other.Kiosk && r.Agency == other.Agency && r.Counter == other.Counter && r.Level == other.Level
}

// Month is the month the rating counts in.
func (r Rating) Month() Month { return MonthOf(r.RatedAt) }

// RatingSubmission is a quick rating as a kiosk sends it.
type RatingSubmission struct {
	Key     string
	Level   RatingLevel
	Counter string
	Lang    Lang
	// RatedAt is the tablet's time of the rating; zero means now.
	RatedAt time.Time
}

// How far the tablet's time of a rating may be from the server's: a rating
// may have waited offline up to RatingMaxAge; a clock ahead by up to
// RatingMaxSkew is taken as now.
const (
	RatingMaxAge  = 31 * 24 * time.Hour
	RatingMaxSkew = 10 * time.Minute
)

// ProblemTooOld: a rating waited longer than RatingMaxAge, or an entered
// survey is dated further back than its enterer may (CheckEntry).
const ProblemTooOld = "too_old"

// Field names of a rating's problems.
const (
	FieldRatingLevel   = "level"
	FieldRatingCounter = "counter"
	FieldRatingAt      = "ratedAt"
)

// CheckRating applies the rules of a quick rating made at the kiosk: a known
// level, one of the kiosk's counters or none, a valid key and a time neither
// older than RatingMaxAge nor ahead by more than RatingMaxSkew.
func CheckRating(s RatingSubmission, k Kiosk, now time.Time) (Rating, error) {
	fe := FieldErrors{}
	if !ValidRatingLevel(s.Level) {
		fe[FieldRatingLevel] = ProblemInvalid
	}
	if s.Counter != "" && !slices.Contains(k.Counters, s.Counter) {
		fe[FieldRatingCounter] = ProblemUnknown
	}
	if !ValidKey(s.Key) {
		fe[FieldKey] = ProblemInvalid
	}
	at := s.RatedAt
	switch {
	case at.IsZero():
		at = now
	case at.After(now.Add(RatingMaxSkew)):
		fe[FieldRatingAt] = ProblemFuture
	case at.Before(now.Add(-RatingMaxAge)):
		fe[FieldRatingAt] = ProblemTooOld
	case at.After(now):
		at = now
	}
	if len(fe) > 0 {
		return Rating{}, fe
	}
	lang := s.Lang
	if _, ok := ParseLang(string(lang)); !ok {
		lang = Vi
	}
	return Rating{
		ID: s.Key, Kiosk: k.ID, Agency: k.Agency, Counter: s.Counter, Topic: TopicStaffAttitude,
		Level: s.Level, Lang: lang, RatedAt: at, ReceivedAt: now,
	}, nil
}

// RatingCount is the number of ratings of each level.
type RatingCount struct {
	VerySatisfied int64 `json:"very_satisfied"`
	Satisfied     int64 `json:"satisfied"`
	Dissatisfied  int64 `json:"dissatisfied"`
}

// Add counts n ratings of the level.
func (c *RatingCount) Add(l RatingLevel, n int64) {
	switch l {
	case RatingVerySatisfied:
		c.VerySatisfied += n
	case RatingSatisfied:
		c.Satisfied += n
	case RatingDissatisfied:
		c.Dissatisfied += n
	}
}

// Total is the number of ratings.
func (c RatingCount) Total() int64 { return c.VerySatisfied + c.Satisfied + c.Dissatisfied }

// CounterRatings are the ratings of one counter ("" when none was chosen).
type CounterRatings struct {
	Counter string
	Count   RatingCount
}

// MonthRatings are an agency's ratings in a month, by counter (in the order
// of the counter labels, the ratings without a counter last).
type MonthRatings struct {
	Month    Month
	Counters []CounterRatings
}

// Total is the month's ratings of every counter.
func (m MonthRatings) Total() RatingCount {
	var t RatingCount
	for _, c := range m.Counters {
		t.VerySatisfied += c.Count.VerySatisfied
		t.Satisfied += c.Count.Satisfied
		t.Dissatisfied += c.Count.Dissatisfied
	}
	return t
}
