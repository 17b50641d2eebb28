package survey

import (
	"encoding/json"
	"fmt"
	"time"
)

// A CCHC publication freezes a year's CCHC index as it stood when an
// inspector published it (issue 17): later points, framework versions or
// satisfaction figures never change it. Publishing the year again makes a
// new revision; the public reads only what was published.

// CCHCPublicationContent is what a CCHC publication freezes and what its
// SHA-256 is computed over: its canonical JSON (json.Marshal of this
// struct, the result compacted) is stored as is and served as the JSON
// download.
type CCHCPublicationContent struct {
	Year        int       `json:"year"`
	Revision    int       `json:"revision"`
	Provisional bool      `json:"provisional"`
	PublishedAt time.Time `json:"publishedAt"`
	// Result is the year's index exactly as GET /api/v1/cchc/{year}
	// answered at that moment, whatever fields it has.
	Result json.RawMessage `json:"result"`
}

// Canonical is the content's canonical JSON and its SHA-256 in hex.
func (c CCHCPublicationContent) Canonical() (body []byte, sum string, err error) {
	return canonical("cchc publication content", c)
}

// CCHCPublication is one revision of a published year, as stored in
// "cchc_publications" under _id "cchc|<year>|<revision>", written once.
type CCHCPublication struct {
	ID          string    `bson:"_id"`
	Year        int       `bson:"year"`
	Revision    int       `bson:"revision"`
	Provisional bool      `bson:"provisional"`
	PublishedAt time.Time `bson:"publishedAt"`
	PublishedBy string    `bson:"publishedBy"`
	Framework   int       `bson:"framework"` // the framework version the result used
	Units       int       `bson:"units"`     // units ranked, every group
	SHA256      string    `bson:"sha256"`
	// Content is the canonical JSON of the CCHCPublicationContent (read
	// only when one revision is asked for, never in listings).
	Content string `bson:"content,omitempty"`
}

// CCHCPublicationID names one revision of a year.
func CCHCPublicationID(year, revision int) string {
	return fmt.Sprintf("cchc|%d|%d", year, revision)
}
