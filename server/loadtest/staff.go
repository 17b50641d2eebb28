package loadtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"time"

	"hailong/survey"
)

// csrfField is the hidden CSRF token of the login form.
var csrfField = regexp.MustCompile(`name="csrf" value="([^"]*)"`)

// login signs in as a staff user the way a browser does (GET /login for the
// CSRF token and its cookie, then POST /login) and returns the cookie jar
// holding the session, which every client of the run then shares.
func login(ctx context.Context, base, user, password string) (http.CookieJar, error) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: noRedirect}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/login", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET /login: %w", err)
	}
	page, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	if err != nil {
		return nil, fmt.Errorf("GET /login: %w", err)
	}
	m := csrfField.FindSubmatch(page)
	if resp.StatusCode != http.StatusOK || m == nil {
		return nil, fmt.Errorf("GET /login: status %d, no login form", resp.StatusCode)
	}
	form := url.Values{"username": {user}, "password": {password}, "csrf": {html.UnescapeString(string(m[1]))}}
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err = c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("POST /login: %w", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		return nil, fmt.Errorf("log in as %q: status %d (check -user and -password)", user, resp.StatusCode)
	}
	return jar, nil
}

// staffScenario prepares the dashboard or export scenario: it logs in, then
// probes the page once. A 404 means the service has no such page yet. With
// agencies (the -self administrator sees them all) each request reads the
// page of one of them in turn; otherwise the page is read as given.
func staffScenario(ctx context.Context, c *http.Client, o options, base string, agencies []string) (*scenario, error) {
	if o.user == "" {
		return nil, errors.New("the " + o.scenario + " scenario reads staff pages: give -user and -password")
	}
	jar, err := login(ctx, base, o.user, o.password)
	if err != nil {
		return nil, err
	}
	path, vary := o.path, false
	probe, probeWant := path, http.StatusOK
	if path == "" {
		path, vary = "/"+o.scenario, len(agencies) > 0
		probe = path
		if o.scenario == "export" {
			// Probed without a format (a 400): a real export may take minutes.
			now := survey.MonthOf(time.Now())
			path, vary = fmt.Sprintf("%s?format=csv&from=%s&to=%s", exportPath, now.Add(-24), now), false
			probe, probeWant = exportPath, http.StatusBadRequest
		}
	}
	c = &http.Client{Jar: jar, Timeout: c.Timeout, CheckRedirect: noRedirect}
	status, err := get(ctx, c, base+probe)
	if err != nil {
		return nil, err
	}
	switch status {
	case http.StatusNotFound:
		return nil, fmt.Errorf("scenario %s: %w (GET %s answers 404)", o.scenario, errNotAvailable, probe)
	case probeWant:
	default:
		return nil, fmt.Errorf("scenario %s: GET %s answers %d to %q", o.scenario, probe, status, o.user)
	}
	note := "GET " + path
	if vary {
		note += "?agency={each agency in turn}"
	}
	sc := &scenario{name: o.scenario, note: note, jar: jar, do: func(ctx context.Context, w *worker) outcome {
		u := base + path
		if vary {
			u += "?agency=" + url.QueryEscape(agencies[w.rng.IntN(len(agencies))])
		}
		return fetch(ctx, w, u, http.StatusOK)
	}}
	if o.scenario == "export" {
		sc.rows = true
		sc.do = func(ctx context.Context, w *worker) outcome { return exportFetch(ctx, w, base+path) }
	}
	return sc, nil
}

// exportPath is what the export scenario reads by default, as CSV: every
// response of the last 25 months (the demo responses' span).
const exportPath = "/api/v1/exports/responses"

// exportFetch downloads an export to its end without keeping it, counting
// its rows (lines, less the CSV header); it succeeds when the export says it
// is complete (the X-Export-Status trailer).
func exportFetch(ctx context.Context, w *worker, u string) outcome {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return transportFailure
	}
	resp, err := w.http.Do(req)
	if err != nil {
		return transportFailure
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return statusOutcome(resp.StatusCode, http.StatusOK)
	}
	if cap(w.buf) < 64<<10 {
		w.buf = make([]byte, 64<<10)
	}
	buf := w.buf[:cap(w.buf)]
	var lines int64
	for {
		n, err := resp.Body.Read(buf)
		lines += int64(bytes.Count(buf[:n], []byte{'\n'}))
		if err == io.EOF {
			break
		}
		if err != nil {
			return transportFailure
		}
	}
	if resp.Trailer.Get("X-Export-Status") != "complete" {
		return outcome{reason: "incomplete export"}
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		lines--
	}
	return outcome{ok: true, items: lines}
}
