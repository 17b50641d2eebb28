package loadtest

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// What a browser reads from the form page to send it back.
var (
	keyField     = regexp.MustCompile(`name="key" value="([^"]*)"`)
	versionField = regexp.MustCompile(`name="formVersion" value="([0-9]+)"`)
	radioField   = regexp.MustCompile(`type="radio" name="([^"]+)" value="([0-9]+)"`)
)

// browserSubmit does what a citizen's browser does: GET the form page, then
// POST it back with its key, its version and one checked radio per question.
// A share of them also write a comment. The operation succeeds when the POST
// redirects (303) to the thank-you page; the redirect is not followed.
func browserSubmit(ctx context.Context, w *worker, pageURL string, comments float64) outcome {
	if o := fetch(ctx, w, pageURL, http.StatusOK); !o.ok {
		return o
	}
	form, ok := formValues(w, string(w.buf))
	if !ok {
		return outcome{reason: "unparsable form"}
	}
	if w.rng.Float64() < comments {
		form.Set("comment", comment)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, pageURL, strings.NewReader(form.Encode()))
	if err != nil {
		return transportFailure
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return send(w, req, http.StatusSeeOther)
}

// formValues fills the form on the page: the hidden fields as rendered, and
// for each radio group a value picked among the values it offers.
func formValues(w *worker, page string) (url.Values, bool) {
	key := keyField.FindStringSubmatch(page)
	version := versionField.FindStringSubmatch(page)
	if key == nil || version == nil {
		return nil, false
	}
	v := url.Values{}
	v.Set("key", html.UnescapeString(key[1]))
	v.Set("formVersion", version[1])
	groups := map[string][]string{}
	var order []string
	for _, m := range radioField.FindAllStringSubmatch(page, -1) {
		name := html.UnescapeString(m[1])
		if _, seen := groups[name]; !seen {
			order = append(order, name)
		}
		groups[name] = append(groups[name], m[2])
	}
	if len(order) == 0 {
		return nil, false
	}
	for _, name := range order {
		values := groups[name]
		// Mostly a rating; "not applicable" (0) only now and then.
		pick := values[w.rng.IntN(len(values))]
		if n, _ := strconv.Atoi(pick); n == 0 && w.rng.IntN(4) != 0 {
			pick = values[0]
		}
		v.Set(name, pick)
	}
	return v, true
}
