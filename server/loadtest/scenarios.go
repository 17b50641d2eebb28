package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"hailong/survey"
)

// errNotAvailable says the service has no route for the scenario yet.
var errNotAvailable = errors.New("not available")

// scenario is a prepared workload: one operation, and whether it stores
// responses (so its throughput is compared with the raw insert rate).
type scenario struct {
	name   string
	do     op
	writes bool
	rows   bool           // operations export rows (counted, compared with the cursor read)
	note   string         // what one operation is, for the output
	jar    http.CookieJar // the staff session, for the dashboard and export
}

// newScenario prepares the named scenario against base: it discovers the
// agencies, areas and forms; for the dashboard and export it also logs in
// and probes the page they read.
func newScenario(ctx context.Context, c *http.Client, o options, base string) (*scenario, []target, error) {
	ts, err := discover(ctx, c, base, o.agency, o.area)
	if err != nil {
		return nil, nil, err
	}
	if o.scenario == "dashboard" || o.scenario == "export" {
		var agencies []string
		if o.self {
			for _, t := range ts {
				if len(agencies) == 0 || agencies[len(agencies)-1] != t.agency {
					agencies = append(agencies, t.agency)
				}
			}
		}
		sc, err := staffScenario(ctx, c, o, base, agencies)
		return sc, ts, err
	}
	pick := func(w *worker) target { return ts[w.rng.IntN(len(ts))] }
	switch o.scenario {
	case "form":
		return &scenario{name: "form", note: "GET /s/{agency}/{area}", do: func(ctx context.Context, w *worker) outcome {
			return fetch(ctx, w, base+pick(w).surveyPath(), http.StatusOK)
		}}, ts, nil
	case "submit":
		return &scenario{name: "submit", writes: true, note: "GET /s/{agency}/{area}, then POST it (303)", do: func(ctx context.Context, w *worker) outcome {
			return browserSubmit(ctx, w, base+pick(w).surveyPath(), o.comments)
		}}, ts, nil
	default: // api-submit
		return &scenario{name: "api-submit", writes: true, note: "POST /api/v1/responses (201)", do: func(ctx context.Context, w *worker) outcome {
			return apiSubmit(ctx, w, base, pick(w), o.comments)
		}}, ts, nil
	}
}

// apiRequest is the body of POST /api/v1/responses.
type apiRequest struct {
	Agency         string            `json:"agency"`
	Area           string            `json:"area"`
	FormVersion    int               `json:"formVersion"`
	Answers        map[string]int    `json:"answers"`
	Comment        string            `json:"comment,omitempty"`
	Channel        string            `json:"channel"`
	IdempotencyKey string            `json:"idempotencyKey"`
	Respondent     map[string]string `json:"respondent,omitempty"`
}

// comment is what a respondent writes; a share of them write one.
const comment = "Thủ tục nhanh, cán bộ nhiệt tình. (load test)"

// apiChannels are the channels another system may name (kiosk is for paired
// tablets only).
var apiChannels = []survey.Channel{survey.ChannelWeb, survey.ChannelCounter, survey.ChannelPostal, survey.ChannelPhone, survey.ChannelPaper}

// apiSubmit posts a valid response under a fresh idempotency key; a share
// of them carry a comment.
func apiSubmit(ctx context.Context, w *worker, base string, t target, comments float64) outcome {
	in := apiRequest{Agency: t.agency, Area: t.area, FormVersion: t.form.Version,
		Answers: make(map[string]int, len(t.questions)), IdempotencyKey: survey.NewKey(),
		Channel: string(apiChannels[w.rng.IntN(len(apiChannels))])}
	for _, q := range t.questions {
		in.Answers[q] = answer(w, t.top)
	}
	if w.rng.Float64() < comments {
		in.Comment = comment
	}
	if len(t.form.Demographics) > 0 && w.rng.IntN(2) == 0 {
		in.Respondent = map[string]string{}
		for _, d := range t.form.Demographics {
			if len(d.Options) > 0 {
				in.Respondent[d.Code] = d.Options[w.rng.IntN(len(d.Options))].Code
			}
		}
	}
	body, err := json.Marshal(in)
	if err != nil {
		return outcome{reason: "encode"}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/responses", bytes.NewReader(body))
	if err != nil {
		return transportFailure
	}
	req.Header.Set("Content-Type", "application/json")
	return send(w, req, http.StatusCreated)
}

// answer is a value of the scale, now and then "not applicable".
func answer(w *worker, top int) int {
	if w.rng.IntN(20) == 0 {
		return survey.NotApplicable
	}
	return 1 + w.rng.IntN(top)
}

// fetch GETs a page that must be answered want.
func fetch(ctx context.Context, w *worker, u string, want int) outcome {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return transportFailure
	}
	return send(w, req, want)
}

// send does the request and reads the whole body into the worker's buffer.
func send(w *worker, req *http.Request, want int) outcome {
	resp, err := w.http.Do(req)
	if err != nil {
		return transportFailure
	}
	defer resp.Body.Close()
	b := bytes.NewBuffer(w.buf[:0])
	if _, err := b.ReadFrom(resp.Body); err != nil {
		return transportFailure
	}
	w.buf = b.Bytes()
	return statusOutcome(resp.StatusCode, want)
}

// get answers the status of one GET, the body discarded.
func get(ctx context.Context, c *http.Client, u string) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, fmt.Errorf("GET %s: %w", u, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode, nil
}
