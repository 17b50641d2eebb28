package survey

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Kiosk is a counter tablet registered by an administrator. Once paired it
// stays on its agency: it offers the quick three-level rating of staff
// attitude (optionally for one of its counters) and the full questionnaire of
// each of its areas. Only hashes of its pairing code and of its credential are
// kept.
type Kiosk struct {
	ID       string   `bson:"_id" json:"id"`
	Name     string   `bson:"name" json:"name"`
	Agency   string   `bson:"agency" json:"agency"`
	Areas    []string `bson:"areas" json:"areas"`
	Counters []string `bson:"counters" json:"counters"`
	// IdleSeconds is how long the tablet waits, untouched, before going back
	// to its first screen; MinIntervalSeconds the shortest time between two
	// submissions it may make.
	IdleSeconds        int  `bson:"idle" json:"idleSeconds"`
	MinIntervalSeconds int  `bson:"interval" json:"minIntervalSeconds"`
	Revoked            bool `bson:"revoked" json:"revoked"`
	// Paired is whether a tablet holds a working credential, since PairedAt.
	Paired   bool      `bson:"paired" json:"paired"`
	PairedAt time.Time `bson:"pairedAt,omitempty" json:"pairedAt,omitzero"`
	// CodeExpires is when the pending pairing code stops working; zero when
	// there is none.
	CodeExpires time.Time `bson:"codeExpires,omitempty" json:"pairingCodeExpiresAt,omitzero"`
	CreatedAt   time.Time `bson:"createdAt" json:"createdAt"`
	UpdatedAt   time.Time `bson:"updatedAt" json:"updatedAt"`
	// LastSeen is the tablet's last call for its configuration.
	LastSeen time.Time `bson:"lastSeen,omitempty" json:"lastSeenAt,omitzero"`

	CodeHash       string `bson:"codeHash,omitempty" json:"-"`
	CredentialHash string `bson:"credHash,omitempty" json:"-"`
	// LastSubmit is when the server last accepted a submission from it (the
	// minimum interval is counted from there).
	LastSubmit time.Time `bson:"lastSubmit" json:"-"`
}

// Pairing outcomes besides success.
var (
	// ErrPairingCode: no pending pairing code matches (wrong, already used,
	// replaced by a newer one, or its kiosk was revoked).
	ErrPairingCode = errors.New("pairing code unknown or used")
	// ErrPairingExpired: the code matched but is past its expiry.
	ErrPairingExpired = errors.New("pairing code expired")
)

// Kiosk limits and defaults.
const (
	DefaultKioskIdle     = 60
	MinKioskIdle         = 5
	MaxKioskIdle         = 3600
	DefaultKioskInterval = 5
	MinKioskInterval     = 1
	MaxKioskInterval     = 600
	MaxKioskCounters     = 50
	MaxCounterLen        = 20
	// PairingCodeTTL is how long a pairing code works.
	PairingCodeTTL = 24 * time.Hour
)

// Field names of a kiosk's problems.
const (
	FieldKioskName     = "name"
	FieldKioskAgency   = "agency"
	FieldKioskAreas    = "areas"
	FieldKioskCounters = "counters"
	FieldKioskIdle     = "idleSeconds"
	FieldKioskInterval = "minIntervalSeconds"
)

// NewKioskID returns a new kiosk id: "k" and 13 characters of a–z, 2–7.
func NewKioskID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "k" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}

// ValidKioskID reports whether id has the shape NewKioskID gives.
func ValidKioskID(id string) bool {
	if len(id) != 14 || id[0] != 'k' {
		return false
	}
	for i := 1; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// CheckKiosk applies the rules of a kiosk: a name of 1–100 characters; an
// active agency; areas that agency serves (none: the kiosk offers only the
// quick rating); up to 50 distinct counter labels of 1–20 printable
// characters; an idle time of 5–3600 s and a minimum interval of 1–600 s.
func CheckKiosk(k Kiosk, cat *Catalog) FieldErrors {
	fe := FieldErrors{}
	switch n := utf8.RuneCountInString(strings.TrimSpace(k.Name)); {
	case n == 0:
		fe[FieldKioskName] = ProblemRequired
	case n > 100 || !utf8.ValidString(k.Name):
		fe[FieldKioskName] = ProblemTooLong
	}
	ag, err := cat.Agency(k.Agency)
	switch {
	case k.Agency == "":
		fe[FieldKioskAgency] = ProblemRequired
	case err != nil:
		fe[FieldKioskAgency] = ProblemUnknown
	case !ag.Active:
		fe[FieldKioskAgency] = ProblemInactive
	}
	for i, a := range k.Areas {
		if _, err := cat.Area(a); err != nil {
			fe[FieldKioskAreas] = ProblemUnknown
		} else if ag.Code != "" && !ag.Serves(a) {
			fe[FieldKioskAreas] = ProblemAreaNotServed
		} else if slices.Contains(k.Areas[:i], a) {
			fe[FieldKioskAreas] = ProblemDuplicate
		}
	}
	if len(k.Counters) > MaxKioskCounters {
		fe[FieldKioskCounters] = ProblemTooLong
	}
	for i, c := range k.Counters {
		if !ValidCounter(c) {
			fe[FieldKioskCounters] = ProblemInvalid
		} else if slices.Contains(k.Counters[:i], c) {
			fe[FieldKioskCounters] = ProblemDuplicate
		}
	}
	if k.IdleSeconds < MinKioskIdle || k.IdleSeconds > MaxKioskIdle {
		fe[FieldKioskIdle] = ProblemInvalid
	}
	if k.MinIntervalSeconds < MinKioskInterval || k.MinIntervalSeconds > MaxKioskInterval {
		fe[FieldKioskInterval] = ProblemInvalid
	}
	if len(fe) == 0 {
		return nil
	}
	return fe
}

// ValidCounter reports whether s can label a counter: 1 to 20 characters,
// letters, digits, spaces and "-", not starting or ending with a space.
func ValidCounter(s string) bool {
	n := utf8.RuneCountInString(s)
	if n == 0 || n > MaxCounterLen || !utf8.ValidString(s) || strings.TrimSpace(s) != s {
		return false
	}
	for _, r := range s {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ' || r == '-') {
			return false
		}
	}
	return true
}

// ParseCounters reads counters as an administrator types them: labels
// separated by commas, where "1-12" stands for 1, 2, …, 12 (a range of up to
// MaxKioskCounters numbers). Labels are trimmed; empty ones are skipped.
func ParseCounters(s string) []string {
	out := []string{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if lo, hi, ok := strings.Cut(part, "-"); ok {
			a, err1 := strconv.Atoi(strings.TrimSpace(lo))
			b, err2 := strconv.Atoi(strings.TrimSpace(hi))
			if err1 == nil && err2 == nil && a >= 0 && a < b && b-a < MaxKioskCounters {
				for i := a; i <= b; i++ {
					out = append(out, strconv.Itoa(i))
				}
				continue
			}
		}
		out = append(out, part)
	}
	return out
}

// pairingAlphabet has no letters or digits easily mistaken for another
// (no 0/O, 1/I/L): 31 characters, so an 8-character code holds 39.6 bits.
const pairingAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// PairingCodeLen is the number of characters of a pairing code.
const PairingCodeLen = 8

// NewPairingCode returns a fresh pairing code, uniformly drawn, shown as
// "ABCD-EFGH".
func NewPairingCode() string {
	var b strings.Builder
	max := big.NewInt(int64(len(pairingAlphabet)))
	for i := range PairingCodeLen {
		if i == PairingCodeLen/2 {
			b.WriteByte('-')
		}
		n, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("crypto/rand: " + err.Error()) // never fails on supported platforms
		}
		b.WriteByte(pairingAlphabet[n.Int64()])
	}
	return b.String()
}

// NormalizePairingCode reads a code as typed: case, spaces and hyphens do not
// matter. ok is false when it cannot be a pairing code.
func NormalizePairingCode(s string) (string, bool) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == ' ' || r == '-' || r == '\t':
			continue
		case r < utf8.RuneSelf && strings.IndexByte(pairingAlphabet, byte(r)) >= 0:
			b.WriteRune(r)
		default:
			return "", false
		}
	}
	if b.Len() != PairingCodeLen {
		return "", false
	}
	return b.String(), true
}
