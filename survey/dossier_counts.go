package survey

import "fmt"

// DossierCount is the number of dossiers an agency completed in one
// procedure area and month, as the one-stop-shop software reports it
// (PUT /api/v1/dossier-counts): the base of the invitations' coverage,
// issued ÷ completed.
type DossierCount struct {
	Agency    string `bson:"agency" json:"agency"`
	Area      string `bson:"area" json:"area"`
	Month     string `bson:"month" json:"month"`
	Completed int    `bson:"completed" json:"completed"`
}

// Limits of a dossier counts request.
const (
	MaxDossierCounts    = 1000
	MaxDossiersPerMonth = 10_000_000
)

// Field names of a dossier count's problems.
const (
	FieldMonth     = "month"
	FieldCompleted = "completed"
)

// CheckDossierCount applies the rules of one count: a known agency that
// serves (or served) a known area, a month YYYY-MM not after the current
// one, and 0–10,000,000 dossiers. It returns FieldErrors or nil.
func CheckDossierCount(d DossierCount, cat *Catalog, current Month) error {
	fe := FieldErrors{}
	ag, agErr := cat.Agency(d.Agency)
	switch {
	case d.Agency == "":
		fe[FieldAgency] = ProblemRequired
	case agErr != nil:
		fe[FieldAgency] = ProblemUnknown
	}
	switch _, arErr := cat.Area(d.Area); {
	case d.Area == "":
		fe[FieldArea] = ProblemRequired
	case arErr != nil:
		fe[FieldArea] = ProblemUnknown
	case agErr == nil && d.Agency != "" && !ag.Serves(d.Area):
		fe[FieldArea] = ProblemAreaNotServed
	}
	if m, err := ParseMonth(d.Month); err != nil || current.Before(m) {
		fe[FieldMonth] = ProblemInvalid
	}
	if d.Completed < 0 || d.Completed > MaxDossiersPerMonth {
		fe[FieldCompleted] = ProblemInvalid
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

// Key is the count's document id, agency|area|month.
func (d DossierCount) Key() string { return fmt.Sprintf("%s|%s|%s", d.Agency, d.Area, d.Month) }
