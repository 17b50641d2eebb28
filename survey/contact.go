package survey

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Contact on request (issue 18): a citizen may leave a phone number or an
// e-mail address for the agency to call back. It is kept apart from the
// response, sealed with AES-256-GCM under the installation's contact key
// (the response id is the additional data, so a sealed contact cannot be
// moved to another item), shown only to the agency's staff on the
// attention item, and deleted when the item is resolved or after
// ContactRetention, whichever comes first.

// ContactRetention is how long a contact is kept at most.
const ContactRetention = 90 * 24 * time.Hour

// Contact is what a citizen left: a phone number, an e-mail address, or both.
type Contact struct {
	Phone string `json:"phone,omitempty"`
	Email string `json:"email,omitempty"`
}

// Field names of the contact block.
const (
	FieldContactPhone   = "contactPhone"
	FieldContactEmail   = "contactEmail"
	FieldContactConsent = "contactConsent"
)

// CheckContact checks a contact as entered: empty (no contact asked for:
// ok is false, no error), or a phone of 8 to 15 digits (spaces, dots,
// hyphens and a leading + allowed) and/or an e-mail address, with the
// consent given.
func CheckContact(phone, email string, consent bool) (c Contact, ok bool, fe FieldErrors) {
	phone, email = strings.TrimSpace(phone), strings.TrimSpace(email)
	if phone == "" && email == "" {
		return Contact{}, false, nil
	}
	fe = FieldErrors{}
	if phone != "" {
		digits := 0
		valid := len(phone) <= 30
		for i, r := range phone {
			switch {
			case r >= '0' && r <= '9':
				digits++
			case r == ' ' || r == '.' || r == '-':
			case r == '+' && i == 0:
			default:
				valid = false
			}
		}
		if !valid || digits < 8 || digits > 15 {
			fe[FieldContactPhone] = ProblemInvalid
		}
	}
	if email != "" {
		a, err := mail.ParseAddress(email)
		if err != nil || a.Address != email || len(email) > 254 || a.Name != "" {
			fe[FieldContactEmail] = ProblemInvalid
		}
	}
	if !consent {
		fe[FieldContactConsent] = ProblemRequired
	}
	if len(fe) > 0 {
		return Contact{}, false, fe
	}
	return Contact{Phone: phone, Email: email}, true, nil
}

// ContactBox seals and opens contacts under the installation's key.
type ContactBox struct {
	aead cipher.AEAD
}

// ParseContactKey reads a 32-byte key written in base64 (standard or URL
// alphabet, padded or not) or in hex (64 digits).
func ParseContactKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 64 {
		if b, err := hex.DecodeString(s); err == nil {
			return b, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	return nil, errors.New("the contact key must be 32 bytes, written in base64 (44 characters) or hex (64 digits)")
}

// NewContactBox makes a box from a 32-byte key.
func NewContactBox(key []byte) (*ContactBox, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("contact key: %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &ContactBox{aead: aead}, nil
}

// Seal encrypts the contact for the response id: a fresh nonce, then the
// ciphertext with its tag.
func (b *ContactBox) Seal(c Contact, id string) ([]byte, error) {
	plain, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, b.aead.NonceSize(), b.aead.NonceSize()+len(plain)+b.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return b.aead.Seal(nonce, nonce, plain, []byte(id)), nil
}

// Open decrypts a contact sealed for the response id.
func (b *ContactBox) Open(sealed []byte, id string) (Contact, error) {
	n := b.aead.NonceSize()
	if len(sealed) < n {
		return Contact{}, errors.New("contact: sealed value too short")
	}
	plain, err := b.aead.Open(nil, sealed[:n], sealed[n:], []byte(id))
	if err != nil {
		return Contact{}, errors.New("contact: cannot be opened with this key")
	}
	var c Contact
	if err := json.Unmarshal(plain, &c); err != nil {
		return Contact{}, fmt.Errorf("contact: %w", err)
	}
	return c, nil
}
