package survey

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

func testKeys(now time.Time) []SigningKey {
	return []SigningKey{
		{ID: 1, Key: bytes.Repeat([]byte{1}, 32), ActiveFrom: now.Add(-time.Hour)},
		{ID: 2, Key: bytes.Repeat([]byte{2}, 32), ActiveFrom: now.Add(time.Minute)}, // not signing yet
	}
}

func TestInvitationTokenRoundTripAndRejections(t *testing.T) {
	now := time.Unix(1_760_000_000, 0)
	ring := NewKeyring(testKeys(now))
	claims := InvitationClaims{Code: "ABCDEFGHJKMNPQR", Agency: "so-tu-phap", Area: "tu-phap", Expires: now.Add(48 * time.Hour)}
	tok, err := ring.Sign(claims, now)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ring.Verify(tok, now)
	if err != nil || got.KeyID != 1 || got.Code != claims.Code || got.Agency != claims.Agency || got.Area != claims.Area || !got.Expires.Equal(claims.Expires) {
		t.Fatalf("Verify = %+v, %v; want the claims under key 1", got, err)
	}
	if len(tok) > 100 {
		t.Errorf("token is %d characters, want a compact one", len(tok))
	}

	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	flip := func(i int) string {
		b := append([]byte{}, raw...)
		b[i] ^= 0x01
		return base64.RawURLEncoding.EncodeToString(b)
	}
	tests := []struct {
		name  string
		token string
		at    time.Time
		want  error
	}{
		{"expired", tok, claims.Expires, ErrTokenExpired},
		{"agency changed", flip(bytes.Index(raw, []byte("so-tu-phap"))), now, ErrTokenInvalid},
		{"expiry pushed", flip(6), now, ErrTokenInvalid},
		{"tag changed", flip(len(raw) - 1), now, ErrTokenInvalid},
		{"key id changed", flip(2), now, ErrTokenInvalid},
		{"truncated", tok[:len(tok)-4], now, ErrTokenInvalid},
		{"empty", "", now, ErrTokenInvalid},
		{"not base64", strings.Repeat("*", 60), now, ErrTokenInvalid},
		{"too long", strings.Repeat("A", MaxTokenLen+1), now, ErrTokenInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ring.Verify(tc.token, tc.at); !errors.Is(err, tc.want) {
				t.Errorf("Verify = %v, want %v", err, tc.want)
			}
		})
	}

	// A token signed with another installation's key 1 is forged here.
	otherRing := NewKeyring([]SigningKey{{ID: 1, Key: bytes.Repeat([]byte{9}, 32)}})
	forged, _ := otherRing.Sign(claims, now)
	if _, err := ring.Verify(forged, now); !errors.Is(err, ErrTokenInvalid) {
		t.Errorf("token of another key: %v, want ErrTokenInvalid", err)
	}
}

// TestKeyRotation: a new key signs once active; the old one verifies until
// it is retired, then its tokens are refused; the last signing key cannot be
// retired.
func TestKeyRotation(t *testing.T) {
	now := time.Unix(1_760_000_000, 0)
	keys := testKeys(now)
	claims := InvitationClaims{Code: "ABCDEFGHJKMNPQR", Agency: "a", Area: "b", Expires: now.Add(time.Hour)}
	old, _ := NewKeyring(keys).Sign(claims, now)
	later := now.Add(2 * time.Minute)
	fresh, _ := NewKeyring(keys).Sign(claims, later)
	if c, err := NewKeyring(keys).Verify(fresh, later); err != nil || c.KeyID != 2 {
		t.Fatalf("after activation: key %d, %v; want key 2", c.KeyID, err)
	}
	if c, err := NewKeyring(keys).Verify(old, later); err != nil || c.KeyID != 1 {
		t.Fatalf("old token before retirement: key %d, %v; want valid under key 1", c.KeyID, err)
	}
	if err := CheckRetireKey(keys, 2, later); err != nil {
		t.Errorf("retiring key 2 while key 1 can still sign: %v, want allowed", err)
	}
	if err := CheckRetireKey(keys, 1, now); err == nil {
		t.Error("retiring key 1 before key 2 is active: allowed, want refused (no key would sign)")
	}
	if err := CheckRetireKey(keys, 1, later); err != nil {
		t.Fatalf("retiring key 1 once key 2 signs: %v", err)
	}
	keys[0].RetiredAt = later
	if _, err := NewKeyring(keys).Verify(old, later); !errors.Is(err, ErrTokenRetired) {
		t.Errorf("old token after retirement: %v, want ErrTokenRetired", err)
	}
	if _, err := NewKeyring(keys).Verify(fresh, later); err != nil {
		t.Errorf("new token after retiring the old key: %v", err)
	}
	if err := CheckRetireKey(keys, 2, later); err == nil {
		t.Error("retiring the only signing key: allowed, want refused")
	}
	if err := CheckRetireKey(keys, 9, later); !errors.Is(err, ErrNotFound) {
		t.Errorf("retiring an unknown key: %v, want ErrNotFound", err)
	}
	keys[1].RetiredAt = later
	if _, err := NewKeyring(keys).Sign(claims, later); err == nil {
		t.Error("signing with every key retired: no error")
	}
}

func FuzzVerifyToken(f *testing.F) {
	now := time.Unix(1_760_000_000, 0)
	ring := NewKeyring(testKeys(now))
	tok, _ := ring.Sign(InvitationClaims{Code: "ABCDEFGHJKMNPQR", Agency: "so-tu-phap", Area: "tu-phap", Expires: now.Add(time.Hour)}, now)
	f.Add(tok)
	f.Add("")
	f.Add("AQABAAAAAA")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ring.Verify(s, now)
		if err == nil && (s != tok || c.Code != "ABCDEFGHJKMNPQR") {
			t.Fatalf("Verify(%q) accepted %+v", s, c)
		}
	})
}

func TestInvitationCodes(t *testing.T) {
	h := DossierHash([]byte("k"), "so-tu-phap", "HS-1")
	codes := InvitationCodes(h)
	if len(codes) != 3 {
		t.Fatalf("%d candidates, want 3", len(codes))
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if n, ok := NormalizeCode(strings.ToLower(c)); !ok || n != c || len(c) != CodeLen {
			t.Errorf("code %q: normalised %q %v", c, n, ok)
		}
		seen[c] = true
	}
	if len(seen) != 3 {
		t.Errorf("candidates %v are not distinct", codes)
	}
	if h2 := DossierHash([]byte("k"), "so-tu-phap", "HS-1"); h2 != h {
		t.Error("the dossier hash is not deterministic")
	}
	if DossierHash([]byte("k"), "so-xay-dung", "HS-1") == h || DossierHash([]byte("other"), "so-tu-phap", "HS-1") == h {
		t.Error("the dossier hash ignores the agency or the key")
	}
	for _, bad := range []string{"", "ABCDEFGHJKMNPQ", "ABCDEFGHJKMNPQRS", "ABCDEFGHIKMNPQR", "ABCDEFGHJKMNPQ$"} {
		if _, ok := NormalizeCode(bad); ok {
			t.Errorf("NormalizeCode(%q) accepted", bad)
		}
	}
	if id := InvitationResponseID([]byte("k"), codes[0]); !ValidKey(id) || id == InvitationResponseID([]byte("k2"), codes[0]) {
		t.Errorf("response id %q: not a valid key or not keyed", id)
	}
}

func TestCheckInvitation(t *testing.T) {
	cat := &Catalog{
		Areas:    []Area{{Code: "tu-phap"}, {Code: "dat-dai"}},
		Agencies: []Agency{{Code: "so-tu-phap", Active: true, Areas: []string{"tu-phap"}}, {Code: "so-cu", Areas: []string{"tu-phap"}}},
	}
	ok := InvitationRequest{Agency: " so-tu-phap ", Area: "tu-phap", DossierRef: " HS-1 "}
	got, err := CheckInvitation(ok, cat)
	if err != nil || got.Agency != "so-tu-phap" || got.DossierRef != "HS-1" || got.ExpiresInDays != DefaultInvitationDays {
		t.Fatalf("CheckInvitation(valid) = %+v, %v", got, err)
	}
	tests := []struct {
		name string
		in   InvitationRequest
		want FieldErrors
	}{
		{"empty", InvitationRequest{}, FieldErrors{FieldAgency: ProblemRequired, FieldArea: ProblemRequired, FieldDossierRef: ProblemRequired}},
		{"unknown agency", InvitationRequest{Agency: "$where", Area: "tu-phap", DossierRef: "x"}, FieldErrors{FieldAgency: ProblemUnknown}},
		{"inactive agency", InvitationRequest{Agency: "so-cu", Area: "tu-phap", DossierRef: "x"}, FieldErrors{FieldAgency: ProblemUnknown}},
		{"area not served", InvitationRequest{Agency: "so-tu-phap", Area: "dat-dai", DossierRef: "x"}, FieldErrors{FieldArea: ProblemAreaNotServed}},
		{"unknown area", InvitationRequest{Agency: "so-tu-phap", Area: "nope", DossierRef: "x"}, FieldErrors{FieldArea: ProblemUnknown}},
		{"long dossier", InvitationRequest{Agency: "so-tu-phap", Area: "tu-phap", DossierRef: strings.Repeat("x", 201)}, FieldErrors{FieldDossierRef: ProblemTooLong}},
		{"control char", InvitationRequest{Agency: "so-tu-phap", Area: "tu-phap", DossierRef: "a\nb"}, FieldErrors{FieldDossierRef: ProblemInvalid}},
		{"long procedure", InvitationRequest{Agency: "so-tu-phap", Area: "tu-phap", DossierRef: "x", ProcedureCode: strings.Repeat("p", 65)}, FieldErrors{FieldProcedureCode: ProblemTooLong}},
		{"days too many", InvitationRequest{Agency: "so-tu-phap", Area: "tu-phap", DossierRef: "x", ExpiresInDays: 181}, FieldErrors{FieldExpiresInDays: ProblemInvalid}},
		{"days negative", InvitationRequest{Agency: "so-tu-phap", Area: "tu-phap", DossierRef: "x", ExpiresInDays: -1}, FieldErrors{FieldExpiresInDays: ProblemInvalid}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CheckInvitation(tc.in, cat)
			var fe FieldErrors
			if !errors.As(err, &fe) || len(fe) != len(tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
			for k, v := range tc.want {
				if fe[k] != v {
					t.Errorf("field %s: %q, want %q", k, fe[k], v)
				}
			}
		})
	}
}
