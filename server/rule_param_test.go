package server

import (
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"

	"hailong/survey"
)

// TestRuleParameter: the report, rankings and aggregates export APIs score
// with sipas-2017-v2 by default and echo it, take rule=sipas-2017-v1, and
// answer an unknown rule with a 400 JSON error coded unknown_rule.
func TestRuleParameter(t *testing.T) {
	e := newExportEnv(t)
	const period = "from=2025-01&to=2025-03"
	report := "/api/v1/reports/agencies/so-tu-phap?" + period
	rankings := "/api/v1/rankings?" + period
	aggregates := "/api/v1/exports/aggregates?format=json&" + period

	for _, path := range []string{report, rankings, aggregates} {
		for _, bad := range []string{"sipas-2017-v3", "SIPAS-2017-V2", "%24where"} {
			r := e.get(t, e.inspector, path+"&rule="+bad, "en")
			wantFieldError(t, path+" rule="+bad, r, "rule")
			if r.status == http.StatusBadRequest {
				if code := decodeAPIError(t, r).Error.Code; code != "unknown_rule" {
					t.Errorf("%s rule=%s: code %q, want unknown_rule", path, bad, code)
				}
			}
		}
	}

	// The pages answer 400 with the message, in Vietnamese.
	for _, path := range []string{"/dashboard?agency=so-tu-phap&" + period + "&rule=v9", "/rankings?" + period + "&rule=v9", "/rankings?" + period + "&compare=decade"} {
		r := e.inspector.get(t, path)
		msg := "rule nhận sipas-2017-v2"
		if strings.Contains(path, "compare") {
			msg = "compare nhận previous"
		}
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, msg) {
			t.Errorf("%s: %d, want 400 with %q", path, r.status, msg)
		}
	}

	// The report: v2 by default, with effectiveN and the interval it gives.
	for _, rule := range []string{"", survey.RuleSIPAS2017V2, survey.RuleSIPAS2017} {
		path := report
		if rule != "" {
			path += "&rule=" + rule
		}
		r := e.get(t, e.inspector, path, "")
		if r.status != http.StatusOK {
			t.Fatalf("%s: %s", path, r)
		}
		var rep ReportJSON
		if err := json.Unmarshal([]byte(r.body), &rep); err != nil {
			t.Fatal(err)
		}
		want := rule
		if want == "" {
			want = survey.DefaultRuleID
		}
		if rep.Report.Rule != want {
			t.Errorf("%s: rule %q, want %q", path, rep.Report.Rule, want)
		}
		o := rep.Report.Overall
		if o.NoData || o.EffectiveN <= 0 {
			t.Fatalf("%s: overall %+v: the fixture should give an index with effectiveN", path, o)
		}
		lo, hi := survey.Wilson(o.Index/100, o.EffectiveN)
		if math.Abs(o.Low-100*lo) > 1e-6 || math.Abs(o.High-100*hi) > 1e-6 {
			t.Errorf("%s: overall [%.3f, %.3f] is not Wilson(%.4f, effectiveN %.2f) = [%.3f, %.3f]", path, o.Low, o.High, o.Index, o.EffectiveN, 100*lo, 100*hi)
		}
		switch want {
		case survey.RuleSIPAS2017V2:
			if o.ApproxInterval {
				t.Errorf("%s: overall interval approximate although the rollups were rebuilt with pair sums", path)
			}
			if o.EffectiveN == o.N {
				t.Errorf("%s: effectiveN %.3f equals v1's N: not the respondent-level variance", path, o.EffectiveN)
			}
			for _, f := range rep.Report.Factors {
				if !f.NoData && (f.EffectiveN <= 0 || f.ApproxInterval) {
					t.Errorf("%s: factor %s effectiveN %.2f approx %v", path, f.Code, f.EffectiveN, f.ApproxInterval)
				}
			}
		case survey.RuleSIPAS2017:
			if o.EffectiveN != o.N {
				t.Errorf("%s: v1 effectiveN %.3f, want its N %.3f", path, o.EffectiveN, o.N)
			}
		}
	}

	// Rankings and the aggregates export echo the rule.
	for _, tc := range []struct{ path, rule string }{
		{rankings, survey.DefaultRuleID}, {rankings + "&rule=sipas-2017-v1", survey.RuleSIPAS2017},
		{aggregates, survey.DefaultRuleID}, {aggregates + "&rule=sipas-2017-v1", survey.RuleSIPAS2017},
	} {
		r := e.get(t, e.inspector, tc.path, "")
		if r.status != http.StatusOK {
			t.Fatalf("%s: %s", tc.path, r)
		}
		var got struct {
			Rule struct {
				ID string `json:"id"`
			} `json:"rule"`
		}
		if err := json.Unmarshal([]byte(r.body), &got); err != nil {
			t.Fatalf("%s: %v", tc.path, err)
		}
		if got.Rule.ID != tc.rule {
			t.Errorf("%s: rule %q, want %q", tc.path, got.Rule.ID, tc.rule)
		}
	}
}
