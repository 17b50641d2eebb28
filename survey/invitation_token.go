package survey

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"slices"
	"time"
)

// An invitation token is the part of a verified link after /v/: opaque to
// the citizen, signed by the server, and enough on its own to show the form,
// so a forged or expired token is refused before the database is asked
// anything. Its bytes, in base64url without padding:
//
//	[0]      format version (1)
//	[1:3]    key id, big-endian
//	[3:7]    expiry, Unix seconds, big-endian
//	then     the code, the agency and the area, each as one length byte
//	         followed by its bytes
//	last 16  HMAC-SHA256 of everything before, under the key, truncated to
//	         128 bits
//
// A typical token is 52–60 bytes, about 75 characters.

// Token problems. ErrTokenInvalid covers malformed, forged and unknown-key
// tokens; the others are genuine tokens that no longer work.
var (
	ErrTokenInvalid = errors.New("invitation token is not valid")
	ErrTokenExpired = errors.New("invitation token has expired")
	ErrTokenRetired = errors.New("invitation token was signed with a retired key")
)

const (
	tokenVersion = 1
	tokenTagLen  = 16
	// MaxTokenLen bounds the text of a token read from a URL.
	MaxTokenLen = 400
	tokenDomain = "hailong invitation token v1\x00"
)

// InvitationClaims is what a token says.
type InvitationClaims struct {
	KeyID   uint16
	Code    string
	Agency  string
	Area    string
	Expires time.Time // whole seconds
}

// SigningKey is one key of the invitation keyring. Keys are numbered from 1;
// the newest key whose ActiveFrom has come signs new tokens, every key not
// retired verifies. A new key becomes active only some time after it is
// made, so every instance of the service has loaded it before any token
// signed with it reaches one.
type SigningKey struct {
	ID         int       `bson:"_id" json:"id"`
	Key        []byte    `bson:"key" json:"-"`
	CreatedAt  time.Time `bson:"createdAt" json:"createdAt"`
	ActiveFrom time.Time `bson:"activeFrom" json:"activeFrom"`
	RetiredAt  time.Time `bson:"retiredAt,omitempty" json:"retiredAt,omitzero"`
	CreatedBy  string    `bson:"createdBy,omitempty" json:"createdBy,omitempty"`
}

// Retired reports whether the key no longer verifies.
func (k SigningKey) Retired() bool { return !k.RetiredAt.IsZero() }

// Keyring holds the signing keys; it is immutable and safe for concurrent use.
type Keyring struct {
	keys map[uint16]SigningKey
}

// NewKeyring builds a keyring from the stored keys (ids outside 1–65535 and
// keys shorter than 32 bytes are left out).
func NewKeyring(keys []SigningKey) *Keyring {
	k := &Keyring{keys: make(map[uint16]SigningKey, len(keys))}
	for _, sk := range keys {
		if sk.ID >= 1 && sk.ID <= 0xffff && len(sk.Key) >= 32 {
			k.keys[uint16(sk.ID)] = sk
		}
	}
	return k
}

// Signer returns the key that signs at now: the newest active, not retired.
func (k *Keyring) Signer(now time.Time) (SigningKey, bool) {
	var best SigningKey
	found := false
	for _, sk := range k.keys {
		if sk.Retired() || now.Before(sk.ActiveFrom) {
			continue
		}
		if !found || sk.ID > best.ID {
			best, found = sk, true
		}
	}
	return best, found
}

// Sign returns the token of the claims under the signing key at now; the
// claims' KeyID is ignored. It fails when no key is active, or a field is
// longer than 255 bytes.
func (k *Keyring) Sign(c InvitationClaims, now time.Time) (string, error) {
	sk, ok := k.Signer(now)
	if !ok {
		return "", errors.New("invitation tokens: no active signing key")
	}
	if len(c.Code) > 255 || len(c.Agency) > 255 || len(c.Area) > 255 {
		return "", errors.New("invitation tokens: field too long")
	}
	exp := c.Expires.Unix()
	if exp < 0 || exp > 0xffffffff {
		return "", errors.New("invitation tokens: expiry out of range")
	}
	b := make([]byte, 0, 7+3+len(c.Code)+len(c.Agency)+len(c.Area)+tokenTagLen)
	b = append(b, tokenVersion)
	b = binary.BigEndian.AppendUint16(b, uint16(sk.ID))
	b = binary.BigEndian.AppendUint32(b, uint32(exp))
	for _, f := range []string{c.Code, c.Agency, c.Area} {
		b = append(b, byte(len(f)))
		b = append(b, f...)
	}
	b = append(b, tokenTag(sk.Key, b)...)
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func tokenTag(key, payload []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(tokenDomain))
	m.Write(payload)
	return m.Sum(nil)[:tokenTagLen]
}

// Verify checks a token's signature, then its key's state and expiry, and
// returns its claims. It reads nothing but the keyring: a forged token is
// ErrTokenInvalid, a genuine one past its expiry ErrTokenExpired, one whose
// key was retired ErrTokenRetired.
func (k *Keyring) Verify(token string, now time.Time) (InvitationClaims, error) {
	if len(token) < 10 || len(token) > MaxTokenLen || !base64URL(token) {
		return InvitationClaims{}, ErrTokenInvalid
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(token) // one spelling per token
	if err != nil || len(b) < 7+3+tokenTagLen || b[0] != tokenVersion {
		return InvitationClaims{}, ErrTokenInvalid
	}
	payload, tag := b[:len(b)-tokenTagLen], b[len(b)-tokenTagLen:]
	c := InvitationClaims{KeyID: binary.BigEndian.Uint16(payload[1:3])}
	c.Expires = time.Unix(int64(binary.BigEndian.Uint32(payload[3:7])), 0)
	rest := payload[7:]
	var fields [3]string
	for i := range fields {
		if len(rest) < 1 || len(rest) < 1+int(rest[0]) {
			return InvitationClaims{}, ErrTokenInvalid
		}
		n := int(rest[0])
		fields[i], rest = string(rest[1:1+n]), rest[1+n:]
	}
	if len(rest) != 0 {
		return InvitationClaims{}, ErrTokenInvalid
	}
	sk, ok := k.keys[c.KeyID]
	if !ok || !hmac.Equal(tag, tokenTag(sk.Key, payload)) {
		return InvitationClaims{}, ErrTokenInvalid
	}
	c.Code, c.Agency, c.Area = fields[0], fields[1], fields[2]
	if _, ok := NormalizeCode(c.Code); !ok {
		return InvitationClaims{}, ErrTokenInvalid
	}
	if sk.Retired() {
		return c, ErrTokenRetired
	}
	if !now.Before(c.Expires) {
		return c, ErrTokenExpired
	}
	return c, nil
}

// Keys returns the keyring's keys, newest first.
func (k *Keyring) Keys() []SigningKey {
	out := make([]SigningKey, 0, len(k.keys))
	for _, sk := range k.keys {
		out = append(out, sk)
	}
	slices.SortFunc(out, func(a, b SigningKey) int { return b.ID - a.ID })
	return out
}

// The states of a signing key at a time (Keyring.State).
const (
	KeySigning   = "signing"   // it signs new links and verifies
	KeyVerifying = "verifying" // it verifies the links it signed before
	KeyPending   = "pending"   // it will sign from its ActiveFrom on
	KeyRetired   = "retired"   // it no longer verifies
)

// State says what key sk of the keyring does at now: KeySigning,
// KeyVerifying, KeyPending or KeyRetired.
func (k *Keyring) State(sk SigningKey, now time.Time) string {
	switch signer, _ := k.Signer(now); {
	case sk.Retired():
		return KeyRetired
	case now.Before(sk.ActiveFrom):
		return KeyPending
	case sk.ID == signer.ID:
		return KeySigning
	}
	return KeyVerifying
}

// ProblemLastKey: the key is the only one that signs new links.
const ProblemLastKey = "last_key"

// CheckRetireKey says whether key id may be retired at now: another key, not
// retired, must already sign, so new links can still be issued. Retiring a
// retired key again is allowed (nothing changes).
func CheckRetireKey(keys []SigningKey, id int, now time.Time) error {
	found, other := false, false
	for _, k := range keys {
		switch {
		case k.ID == id:
			found = true
			if k.Retired() {
				return nil
			}
		case !k.Retired() && !now.Before(k.ActiveFrom):
			other = true
		}
	}
	if !found {
		return ErrNotFound
	}
	if !other {
		return FieldErrors{"id": ProblemLastKey}
	}
	return nil
}

// Has reports whether the keyring holds the key, retired or not.
func (k *Keyring) Has(id uint16) bool {
	_, ok := k.keys[id]
	return ok
}

// base64URL reports whether s holds only the characters of unpadded
// base64url: the decoder skips line breaks, which would give one token many
// spellings (found by FuzzVerifyToken).
func base64URL(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// TokenKeyID reads the key id a token claims, without checking anything else.
func TokenKeyID(token string) (uint16, bool) {
	if len(token) < 4 || len(token) > MaxTokenLen || !base64URL(token[:4]) {
		return 0, false
	}
	b, err := base64.RawURLEncoding.DecodeString(token[:4])
	if err != nil || len(b) < 3 || b[0] != tokenVersion {
		return 0, false
	}
	return binary.BigEndian.Uint16(b[1:3]), true
}
