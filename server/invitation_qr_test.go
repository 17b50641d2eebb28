package server

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/makiuchi-d/gozxing"
	zxqr "github.com/makiuchi-d/gozxing/qrcode"
	qrcode "github.com/skip2/go-qrcode"

	"hailong/survey"
)

// decodeQR reads a QR code from an image with ZXing's Go port: pixels to
// modules, error correction, text. It is told the image is a clean,
// upright code (PURE_BARCODE), as ours are: gozxing's general detector
// misses about 1 % of such synthetic images (seen on 3 of 300 random codes,
// each of which decodes from its module matrix and in pure mode).
func decodeQR(t testing.TB, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatalf("binarize: %v", err)
	}
	res, err := zxqr.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	if err != nil {
		t.Fatalf("decode QR: %v", err)
	}
	return res.GetText()
}

var svgRectRE = regexp.MustCompile(`<rect x="(\d+)" y="(\d+)" width="(\d+)" height="1"/>`)

// rasterizeSVG draws our QR SVG (a viewBox of n×n modules, one rect per run
// of dark modules) at px pixels a module, and returns the module matrix too.
func rasterizeSVG(t testing.TB, svg string, px int) (image.Image, [][]bool) {
	t.Helper()
	m := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindStringSubmatch(svg)
	if m == nil || m[1] != m[2] {
		t.Fatalf("no square viewBox in %.100s", svg)
	}
	n, _ := strconv.Atoi(m[1])
	grid := make([][]bool, n)
	for i := range grid {
		grid[i] = make([]bool, n)
	}
	for _, r := range svgRectRE.FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.Atoi(r[1])
		y, _ := strconv.Atoi(r[2])
		w, _ := strconv.Atoi(r[3])
		for i := x; i < x+w; i++ {
			grid[y][i] = true
		}
	}
	img := image.NewGray(image.Rect(0, 0, n*px, n*px))
	for y := 0; y < n*px; y++ {
		for x := 0; x < n*px; x++ {
			c := color.Gray{Y: 255}
			if grid[y/px][x/px] {
				c.Y = 0
			}
			img.SetGray(x, y, c)
		}
	}
	return img, grid
}

// TestQRCodesDecodeToTheShortLink: the PNG and the SVG of an invitation's
// QR code both decode (ZXing) to its short link in upper case, which leads
// to the verified link; the SVG's modules are the PNG's.
func TestQRCodesDecodeToTheShortLink(t *testing.T) {
	env := newInvEnv(t)
	inv := env.mustIssue(t, "so-tu-phap", "tu-phap", "HS-QR")
	want := strings.ToUpper(env.http.URL) + "/R/" + inv.Code

	r := env.getPage(t, env.client(t), local(t, inv.QRPngURL))
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/png" {
		t.Fatalf("PNG: %d %s", r.status, r.header.Get("Content-Type"))
	}
	img, err := png.Decode(strings.NewReader(r.body))
	if err != nil {
		t.Fatalf("PNG does not decode: %v", err)
	}
	if got := decodeQR(t, img); got != want {
		t.Errorf("PNG QR holds %q, want %q", got, want)
	}

	r = env.getPage(t, env.client(t), local(t, inv.QRSvgURL))
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "image/svg+xml" {
		t.Fatalf("SVG: %d %s", r.status, r.header.Get("Content-Type"))
	}
	svgImg, grid := rasterizeSVG(t, r.body, 6)
	if got := decodeQR(t, svgImg); got != want {
		t.Errorf("SVG QR holds %q, want %q", got, want)
	}
	// Module by module, the SVG is the PNG (8 px a module, sampled at centres).
	if b := img.Bounds(); b.Dx() != len(grid)*qrPixelsPerModule {
		t.Fatalf("PNG is %d px for %d modules, want %d px a module", b.Dx(), len(grid), qrPixelsPerModule)
	}
	for y := range grid {
		for x := range grid[y] {
			r, _, _, _ := img.At(x*qrPixelsPerModule+4, y*qrPixelsPerModule+4).RGBA()
			if dark := r < 0x8000; dark != grid[y][x] {
				t.Fatalf("module (%d,%d): PNG dark %v, SVG dark %v", x, y, dark, grid[y][x])
			}
		}
	}

	// The decoded text, opened as a link (upper-case path), leads to the form.
	path := strings.TrimPrefix(want, strings.ToUpper(env.http.URL))
	r = env.getPage(t, env.client(t), path)
	if r.status != http.StatusFound || r.header.Get("Location") != local(t, inv.URL) {
		t.Errorf("GET %s: %d to %q, want the verified link", path, r.status, r.header.Get("Location"))
	}
	if r := env.getPage(t, env.client(t), "/r/"+strings.ToLower(inv.Code)); r.status != http.StatusFound {
		t.Errorf("lower-case short link: %d", r.status)
	}
	if r := env.getPage(t, env.client(t), "/r/not-a-code/qr.svg"); r.status != http.StatusNotFound {
		t.Errorf("QR of a malformed code: %d", r.status)
	}
}

// TestQRVersionAndModuleSize pins the size argument of invitation_qr.go: a
// short link with a host of up to 35 characters is a version-3 code (29
// modules, 37 with the quiet zone: 0.54 mm a module printed 2 cm wide), a
// longer host up to 64 characters version 4 (0.49 mm).
func TestQRVersionAndModuleSize(t *testing.T) {
	code := "ABCDEFGHJKMNPQR"
	for _, tc := range []struct {
		base    string
		version int
	}{
		{"https://dichvucong.tuyenquang.gov.vn", 3},
		{"https://" + strings.Repeat("a", 32) + ".vn", 3}, // a 35-character host
		{"https://" + strings.Repeat("a", 33) + ".vn", 4},
		{"https://" + strings.Repeat("a", 61) + ".vn", 4}, // 64 characters
	} {
		content := qrContent(tc.base, code)
		if !regexp.MustCompile(`^[0-9A-Z $%*+\-./:]+$`).MatchString(content) {
			t.Errorf("%q is not in QR's alphanumeric set", content)
		}
		q, err := qrcode.New(content, qrLevel)
		if err != nil {
			t.Fatal(err)
		}
		modules := len(q.Bitmap()) // with the quiet zone
		mm := 20.0 / float64(modules)
		if q.VersionNumber != tc.version || mm < 0.48 {
			t.Errorf("%s: version %d, %.2f mm a module at 2 cm; want version %d, at least 0.48 mm", tc.base, q.VersionNumber, mm, tc.version)
		}
		if u := "/r/" + code; len(u) > 40 {
			t.Errorf("short link path %q is longer than 40", u)
		}
	}
	// A base with a path keeps its case (the path is case-sensitive).
	if got := qrContent("https://example.gov.vn/hailong", code); got != "https://example.gov.vn/hailong/r/"+code {
		t.Errorf("qrContent with a path = %q", got)
	}
}

// TestInvitationSlip: the printable slip holds the QR code, the short link,
// the Vietnamese invitation first and the English one second, in both sizes.
func TestInvitationSlip(t *testing.T) {
	env := newInvEnv(t)
	inv := env.mustIssue(t, "so-tu-phap", "tu-phap", "HS-SLIP")
	for _, q := range []string{"", "?format=a6"} {
		r := env.getPage(t, env.client(t), local(t, inv.SlipURL)+q)
		if r.status != http.StatusOK {
			t.Fatalf("slip%s: %d", q, r.status)
		}
		vi, en := strings.Index(r.body, "Mời Ông/Bà đánh giá"), strings.Index(r.body, "Please rate how your dossier")
		short := strings.Replace(strings.TrimPrefix(inv.ShortURL, "http://"), "/r/", "<wbr>/r/", 1)
		if vi < 0 || en < vi || !hasElement(r.body, "svg[xmlns=\"http://www.w3.org/2000/svg\"]") || !strings.Contains(r.body, short) || !strings.Contains(r.body, "Sở Tư pháp") {
			t.Errorf("slip%s lacks the QR code, the short link %s or the invitation lines in order", q, short)
		}
		format := "slip-80mm"
		if q != "" {
			format = "slip-a6"
		}
		if !hasElement(r.body, "[class=\"slip "+format+"\"]") || !strings.Contains(r.body, "/static/slip.css?v=") {
			t.Errorf("slip%s: not the %s layout or no print stylesheet", q, format)
		}
	}
	if r := env.getPage(t, env.client(t), "/r/"+strings.Repeat("Z", survey.CodeLen)+"/slip"); r.status != http.StatusNotFound {
		t.Errorf("slip of nothing: %d", r.status)
	}
	css := env.getPage(t, env.client(t), "/static/slip.css")
	if css.status != http.StatusOK || !bytes.Contains([]byte(css.body), []byte("@page receipt")) {
		t.Errorf("slip.css: %d", css.status)
	}
}
