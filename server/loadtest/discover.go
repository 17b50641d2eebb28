package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"hailong/server"
)

// maxTargets bounds how many agency and area pairs a run spreads over (and
// so how many forms are fetched before it starts).
const maxTargets = 64

// target is one agency and area to survey, with the questionnaire that
// applies to it as the API describes it.
type target struct {
	agency, area string
	form         server.FormJSON
	questions    []string // every criterion and extra item code
	top          int      // the best value of the scale
}

// surveyPath is the citizen form page of the target.
func (t target) surveyPath() string {
	return "/s/" + url.PathEscape(t.agency) + "/" + url.PathEscape(t.area)
}

// discover lists the agencies and areas the service offers (optionally only
// one agency or area) and fetches each one's form through the public API.
func discover(ctx context.Context, c *http.Client, base, agency, area string) ([]target, error) {
	var list struct {
		Agencies []struct {
			Code   string   `json:"code"`
			Areas  []string `json:"areas"`
			Active bool     `json:"active"`
		} `json:"agencies"`
	}
	if err := getJSON(ctx, c, base+"/api/v1/agencies", &list); err != nil {
		return nil, err
	}
	var out []target
	for _, ag := range list.Agencies {
		if !ag.Active || (agency != "" && ag.Code != agency) {
			continue
		}
		for _, ar := range ag.Areas {
			if (area != "" && ar != area) || len(out) == maxTargets {
				continue
			}
			t := target{agency: ag.Code, area: ar}
			path := "/api/v1/forms/" + url.PathEscape(ag.Code) + "/" + url.PathEscape(ar)
			if err := getJSON(ctx, c, base+path, &t.form); err != nil {
				return nil, err
			}
			for _, f := range t.form.Factors {
				for _, q := range f.Criteria {
					t.questions = append(t.questions, q.Code)
				}
			}
			for _, q := range t.form.Extra {
				t.questions = append(t.questions, q.Code)
			}
			for _, l := range t.form.Scale {
				t.top = max(t.top, l.Value)
			}
			if len(t.questions) == 0 || t.top < 1 {
				return nil, fmt.Errorf("GET %s: a form without questions or scale", path)
			}
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no active agency serves the chosen area (-agency %q, -area %q)", agency, area)
	}
	return out, nil
}

// getJSON reads a JSON document that must be answered 200.
func getJSON(ctx context.Context, c *http.Client, u string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return fmt.Errorf("GET %s: status %d", u, resp.StatusCode)
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(v); err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	return nil
}
