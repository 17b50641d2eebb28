package server

import (
	"context"
	"os"
	"testing"
	"time"

	"hailong/survey"
)

func TestZZDumpComments(t *testing.T) {
	env := newTestEnv(t)
	staffA := azLogin(t, env, "staff-a", azInsertUser(t, env, "staff-a", survey.RoleStaff, "so-tu-phap"))
	t0 := time.Date(2025, 8, 1, 8, 0, 0, 0, hcm)
	cmStore(t, env, "resp-tp-00001", "so-tu-phap", "tu-phap", "2025-06", 2, 5, "Rất hài lòng", t0)
	cmStore(t, env, "resp-tp-00002", "so-tu-phap", "tu-phap", "2025-07", 3, 1, "Chờ quá lâu\nhai dòng <b>x</b>", t0)
	env.store.FlushComments(context.Background())
	r := staffA.get(t, "/comments?agency=so-tu-phap&from=2025-06&to=2025-07&limit=1")
	os.WriteFile("/tmp/comments_page.html", []byte(r.body), 0o644)
	r = staffA.get(t, "/comments?agency=so-tu-phap&from=2025-06&to=2025-07&lang=en")
	os.WriteFile("/tmp/comments_page_en.html", []byte(r.body), 0o644)
}
