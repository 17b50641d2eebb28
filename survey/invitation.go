package survey

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"
	"unicode/utf8"
)

// An invitation is a verified, single-use survey link issued for one
// completed dossier by the one-stop-shop software (or an administrator). The
// dossier reference never leaves the request: it is kept only as a keyed hash
// (DossierHash), which also names the invitation, so a second request for
// the same agency and dossier finds the first invitation and returns the same
// link.

// Invitation is one issued link as stored.
type Invitation struct {
	// Code is the short code of the link (/r/<code>), derived from the keyed
	// hash of the agency and dossier (see InvitationCodes); it is the
	// invitation's id.
	Code string `bson:"_id" json:"code"`
	// Dossier is the keyed hash of the agency and dossier reference
	// (DossierHash), never the reference itself.
	Dossier   string    `bson:"dossier" json:"-"`
	Agency    string    `bson:"agency" json:"agency"`
	Area      string    `bson:"area" json:"area"`
	Procedure string    `bson:"procedure,omitempty" json:"procedureCode,omitempty"`
	IssuedAt  time.Time `bson:"issuedAt" json:"issuedAt"`
	ExpiresAt time.Time `bson:"expiresAt" json:"expiresAt"`
	IssuedBy  string    `bson:"issuedBy" json:"-"`
	// UsedAt and UseKey are set once a response was stored through the link:
	// UseKey is the idempotency key of the form that was sent, so the same
	// form sent again is thanked again while any other is told the link was
	// used. The response itself, whose id is derived from the code
	// (InvitationResponseID), is what claims the link.
	UsedAt time.Time `bson:"usedAt,omitempty" json:"-"`
	UseKey string    `bson:"useKey,omitempty" json:"-"`
	// ExpiryCounted is set once the invitation, expired unused, was counted
	// expired in its month's InvitationCount (only then may it be deleted).
	ExpiryCounted bool `bson:"expiryCounted,omitempty" json:"-"`
}

// Expired reports whether the invitation expired unused at now.
func (inv Invitation) Expired(now time.Time) bool {
	return !inv.Used() && !now.Before(inv.ExpiresAt)
}

// Used reports whether a response was recorded through the invitation.
func (inv Invitation) Used() bool { return inv.UseKey != "" }

// Limits of an invitation request.
const (
	DefaultInvitationDays = 30
	MaxInvitationDays     = 180
	MaxDossierRefLen      = 200
	MaxProcedureCodeLen   = 64
	MaxInvitationBatch    = 1000
)

// Field names of an invitation request's problems.
const (
	FieldDossierRef    = "dossierRef"
	FieldProcedureCode = "procedureCode"
	FieldExpiresInDays = "expiresInDays"
)

// InvitationRequest is what an integrating system asks for.
type InvitationRequest struct {
	Agency        string `json:"agency"`
	Area          string `json:"area"`
	ProcedureCode string `json:"procedureCode,omitempty"`
	DossierRef    string `json:"dossierRef"`
	ExpiresInDays int    `json:"expiresInDays,omitempty"`
}

// CheckInvitation applies the rules of an invitation request: a known active
// agency that serves a known area, a dossier reference of 1–200 printable
// characters, an optional procedure code of up to 64 printable characters
// and a lifetime of 1–180 days (30 when zero). It returns the request
// normalised (trimmed, default lifetime) or FieldErrors.
func CheckInvitation(in InvitationRequest, cat *Catalog) (InvitationRequest, error) {
	fe := FieldErrors{}
	in.Agency, in.Area = strings.TrimSpace(in.Agency), strings.TrimSpace(in.Area)
	in.DossierRef, in.ProcedureCode = strings.TrimSpace(in.DossierRef), strings.TrimSpace(in.ProcedureCode)
	ag, agErr := cat.Agency(in.Agency)
	agencyOK := false
	switch {
	case in.Agency == "":
		fe[FieldAgency] = ProblemRequired
	case agErr != nil || !ag.Active:
		fe[FieldAgency] = ProblemUnknown
	default:
		agencyOK = true
	}
	switch _, arErr := cat.Area(in.Area); {
	case in.Area == "":
		fe[FieldArea] = ProblemRequired
	case arErr != nil:
		fe[FieldArea] = ProblemUnknown
	case agencyOK && !ag.Serves(in.Area):
		fe[FieldArea] = ProblemAreaNotServed
	}
	switch {
	case in.DossierRef == "":
		fe[FieldDossierRef] = ProblemRequired
	case utf8.RuneCountInString(in.DossierRef) > MaxDossierRefLen:
		fe[FieldDossierRef] = ProblemTooLong
	case !printable(in.DossierRef):
		fe[FieldDossierRef] = ProblemInvalid
	}
	switch {
	case utf8.RuneCountInString(in.ProcedureCode) > MaxProcedureCodeLen:
		fe[FieldProcedureCode] = ProblemTooLong
	case !printable(in.ProcedureCode):
		fe[FieldProcedureCode] = ProblemInvalid
	}
	if in.ExpiresInDays == 0 {
		in.ExpiresInDays = DefaultInvitationDays
	}
	if in.ExpiresInDays < 1 || in.ExpiresInDays > MaxInvitationDays {
		fe[FieldExpiresInDays] = ProblemInvalid
	}
	if len(fe) > 0 {
		return in, fe
	}
	return in, nil
}

// printable reports whether s is valid UTF-8 without control characters.
func printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return false
		}
	}
	return true
}

// DossierHash is the keyed hash that stands for an agency's dossier: an
// HMAC-SHA256 under key (derived from the installation's server key, which
// never rotates) of the agency and the reference. Without the key a stolen
// database does not tell which dossier an invitation was for, nor can
// references be tried against it.
// The hash is written in base64url (43 characters).
func DossierHash(key []byte, agency, dossierRef string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("hailong dossier v1\x00" + agency + "\x00" + dossierRef))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// codeAlphabet is Crockford's base32: digits and upper-case letters without
// I, L, O and U, so a code read aloud or retyped is unambiguous, and an
// upper-case short link fits the QR code's compact alphanumeric mode.
const codeAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// CodeLen is the length of a short code: 15 characters of 5 bits, 75 bits,
// far too many to guess one of the issued codes.
const CodeLen = 15

// InvitationCodes returns the candidate short codes of a dossier hash: three
// disjoint 75-bit windows of it. The first is the code; should it already
// name another dossier's invitation (a chance of about n/2^75 for n issued
// invitations) the next is tried. A repeated request walks the same
// candidates, so it finds the same invitation.
func InvitationCodes(dossierHash string) []string {
	hash, err := base64.RawURLEncoding.DecodeString(dossierHash)
	if err != nil {
		return nil
	}
	var out []string
	for w := 0; w+CodeLen*5 <= len(hash)*8 && len(out) < 3; w += CodeLen * 5 {
		b := make([]byte, CodeLen)
		for i := range b {
			v := 0
			for j := 0; j < 5; j++ {
				bit := w + i*5 + j
				v = v<<1 | int(hash[bit/8]>>(7-bit%8)&1)
			}
			b[i] = codeAlphabet[v]
		}
		out = append(out, string(b))
	}
	return out
}

// NormalizeCode returns the upper-case form of a short code and whether it is
// one: CodeLen characters of the code alphabet in either case (the QR code
// carries it in upper case).
func NormalizeCode(s string) (string, bool) {
	if len(s) != CodeLen {
		return "", false
	}
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
			b[i] = c
		}
		if strings.IndexByte(codeAlphabet, c) < 0 {
			return "", false
		}
	}
	return string(b), true
}

// InvitationResponseID is the id of the response given through an
// invitation: an HMAC of its code under the server key, so the one response
// an invitation may have is claimed by the response's own insert (a second
// one is a duplicate key), and nobody without the key can take that id for a
// response of the anonymous form.
func InvitationResponseID(key []byte, code string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("hailong invitation response v1\x00" + code))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:18])
}

// SameAnswers reports whether two responses carry the same answers, comment
// and demographics: the same form sent twice.
func (r Response) SameAnswers(o Response) bool {
	if r.FormID != o.FormID || r.FormVersion != o.FormVersion || r.Comment != o.Comment || r.Respondent != o.Respondent || len(r.Answers) != len(o.Answers) {
		return false
	}
	for i := range r.Answers {
		if r.Answers[i] != o.Answers[i] {
			return false
		}
	}
	return true
}
