package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	qrcode "github.com/skip2/go-qrcode"
)

// BenchmarkInvitationBatch1000 issues batches of 1,000 new invitations
// through POST /api/v1/invitations/batch against the embedded FerretDB;
// invitations/s is the figure.
func BenchmarkInvitationBatch1000(b *testing.B) {
	env := newTestEnv(b)
	admin := newAdmin(b, env)
	key := newIntegrationKey(b, env, admin, "bench", "so-tn-mt")
	n := 0
	bodies := func() string {
		items := make([]any, 1000)
		for i := range items {
			items[i] = map[string]any{"agency": "so-tn-mt", "area": "dat-dai", "dossierRef": fmt.Sprintf("000.00.25.H58-260101-%07d", n), "procedureCode": "1.004227"}
			n++
		}
		return mustJSON(b, map[string]any{"items": items})
	}
	hdr := map[string]string{"Content-Type": "application/json", "Authorization": "Bearer " + key}
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		body := bodies()
		b.StartTimer()
		r := doRequest(b, nil, http.MethodPost, env.http.URL+"/api/v1/invitations/batch", body, hdr)
		var out struct{ Items []InvitationJSON }
		if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &out) != nil || len(out.Items) != 1000 || !out.Items[999].Created {
			b.Fatalf("batch: %s", r)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "invitations/s")
}

const benchQRContent = "HTTPS://DICHVUCONG.TUYENQUANG.GOV.VN/R/ABCDEFGHJKMNPQR"

// BenchmarkQRSVG encodes a short link and draws it as SVG (qr.svg).
func BenchmarkQRSVG(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		q, err := qrcode.New(benchQRContent, qrLevel)
		if err != nil {
			b.Fatal(err)
		}
		_ = qrSVGMarkup(q.Bitmap(), "")
	}
}

// BenchmarkQRPNG encodes a short link and writes the PNG (qr.png).
func BenchmarkQRPNG(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		q, err := qrcode.New(benchQRContent, qrLevel)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := q.PNG(-qrPixelsPerModule); err != nil {
			b.Fatal(err)
		}
	}
}
