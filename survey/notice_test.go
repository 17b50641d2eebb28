package survey

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

func TestCleanNotifySettings(t *testing.T) {
	ok := "0123456789abcdef"
	for _, c := range []struct {
		name string
		in   NotifySettings
		want FieldErrors
	}{
		{"empty", NotifySettings{}, nil},
		{"addresses and webhook", NotifySettings{Emails: []string{"a@stp.gov.vn", " B@stp.gov.vn "}, WebhookURL: "https://pakn.gov.vn/h?x=1", WebhookSecret: ok}, nil},
		{"display name", NotifySettings{Emails: []string{"Ann <a@b.vn>"}}, FieldErrors{FieldEmails: ProblemEmailInvalid}},
		{"no domain dot", NotifySettings{Emails: []string{"root@localhost"}}, FieldErrors{FieldEmails: ProblemEmailInvalid}},
		{"not an address", NotifySettings{Emails: []string{"vanthu"}}, FieldErrors{FieldEmails: ProblemEmailInvalid}},
		{"too many", NotifySettings{Emails: strings.Split(strings.Repeat("x@b.vn,", 20)+"a1@b.vn,a2@b.vn,a3@b.vn,a4@b.vn,a5@b.vn,a6@b.vn,a7@b.vn,a8@b.vn,a9@b.vn,b1@b.vn,b2@b.vn,b3@b.vn,b4@b.vn,b5@b.vn,b6@b.vn,b7@b.vn,b8@b.vn,b9@b.vn,c1@b.vn,c2@b.vn,c3@b.vn", ",")}, FieldErrors{FieldEmails: ProblemTooManyEmails}},
		{"ftp", NotifySettings{WebhookURL: "ftp://pakn.gov.vn/", WebhookSecret: ok}, FieldErrors{FieldWebhookURL: ProblemInvalid}},
		{"relative", NotifySettings{WebhookURL: "/hooks", WebhookSecret: ok}, FieldErrors{FieldWebhookURL: ProblemInvalid}},
		{"user in URL", NotifySettings{WebhookURL: "https://u:p@pakn.gov.vn/", WebhookSecret: ok}, FieldErrors{FieldWebhookURL: ProblemInvalid}},
		{"fragment", NotifySettings{WebhookURL: "https://pakn.gov.vn/#x", WebhookSecret: ok}, FieldErrors{FieldWebhookURL: ProblemInvalid}},
		{"no secret", NotifySettings{WebhookURL: "https://pakn.gov.vn/"}, FieldErrors{FieldWebhookSecret: ProblemSecretRequired}},
		{"short secret", NotifySettings{WebhookURL: "https://pakn.gov.vn/", WebhookSecret: "short"}, FieldErrors{FieldWebhookSecret: ProblemSecretShort}},
		{"long secret", NotifySettings{WebhookURL: "https://pakn.gov.vn/", WebhookSecret: strings.Repeat("s", 201)}, FieldErrors{FieldWebhookSecret: ProblemSecretLong}},
	} {
		out, fe := CleanNotifySettings(c.in)
		if fe.Error() != c.want.Error() {
			t.Errorf("%s: %v, want %v", c.name, fe, c.want)
		}
		if c.name == "addresses and webhook" && strings.Join(out.Emails, ",") != "a@stp.gov.vn,b@stp.gov.vn" {
			t.Errorf("cleaned addresses %v", out.Emails)
		}
	}
	// A secret without a URL is dropped: no webhook.
	if out, _ := CleanNotifySettings(NotifySettings{WebhookSecret: ok}); out.WebhookSecret != "" {
		t.Errorf("a secret kept without a webhook")
	}
}

func TestWebhookSignatureAndHint(t *testing.T) {
	body := []byte(`{"id":"item-1"}`)
	m := hmac.New(sha256.New, []byte("0123456789abcdef"))
	m.Write(body)
	if got, want := WebhookSignature("0123456789abcdef", body), "sha256="+hex.EncodeToString(m.Sum(nil)); got != want {
		t.Errorf("signature %s, want %s", got, want)
	}
	if WebhookSignature("another-secret-123", body) == WebhookSignature("0123456789abcdef", body) {
		t.Errorf("the signature does not depend on the secret")
	}
	for in, want := range map[string]string{"": "", "short": "…", "pakn-shared-secret-2026": "…2026"} {
		if got := SecretHint(in); got != want {
			t.Errorf("SecretHint(%q) = %q, want %q", in, got, want)
		}
	}
}
