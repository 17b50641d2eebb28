package server

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	qrcode "github.com/skip2/go-qrcode"

	"hailong/survey"
)

// QR codes of short links. They hold the short link, never the long signed
// one: the fewer characters, the fewer modules, the larger each module when
// printed. Upper-cased (scheme, host and code are case-insensitive here),
// the URL fits QR's alphanumeric mode at 5.5 bits a character instead of 8.
// At error correction level M (15 % of the symbol may be damaged) a short
// link of up to 61 characters, e.g. "HTTPS://DICHVUCONG.TUYENQUANG.GOV.VN/R/"
// and a code of 15 (54 characters), fits version 3: 29 modules, 37 with the
// 4-module quiet zone. Printed 2 cm wide with its quiet zone, a module is
// 0.54 mm; phone cameras read codes from about 0.4 mm a module at hand
// distance. A host of more than 35 characters moves to version 4 (33
// modules, 0.49 mm at 2 cm). TestQRVersionAndModuleSize pins this.

// qrLevel is the error correction level of invitation QR codes.
const qrLevel = qrcode.Medium

// qrPixelsPerModule is the PNG's module size: 8 px, so a version-3 code is
// 296 px, 300 dpi at 2.5 cm.
const qrPixelsPerModule = 8

// qrContent is the text of a short link's QR code: the upper-case short URL
// when the base has no path (which would be case-sensitive), else the short
// URL as is.
func qrContent(base, code string) string {
	u, err := url.Parse(base)
	if err == nil && (u.Path == "" || u.Path == "/") {
		return strings.ToUpper(u.Scheme+"://"+u.Host) + "/R/" + code
	}
	return base + shortPath(code)
}

// invitationQR builds the QR code of the request's short code, or answers 404.
func (s *Server) invitationQR(c *gin.Context) (*qrcode.QRCode, bool) {
	code, ok := survey.NormalizeCode(c.Param("code"))
	if !ok {
		s.servePageError(c, s.invitationGone(c, "invalid"))
		return nil, false
	}
	q, err := qrcode.New(qrContent(s.publicBase(c), code), qrLevel)
	if err != nil {
		s.servePageError(c, fmt.Errorf("qr code: %w", err))
		return nil, false
	}
	return q, true
}

// qrCacheControl is the Cache-Control of QR images. A QR code depends only
// on its code and the public address (no database read), so the browser
// may keep it a day. A shared cache may keep it too only when the address is
// fixed by HAILONG_PUBLIC_URL: otherwise the QR holds the request's Host,
// and a proxy would serve one client's host to the others.
func (s *Server) qrCacheControl() string {
	if s.cfg.PublicURL != "" {
		return "public, max-age=86400"
	}
	return "private, max-age=86400"
}

// qrSVG answers the QR code as SVG.
func (s *Server) qrSVG(c *gin.Context) {
	q, ok := s.invitationQR(c)
	if !ok {
		return
	}
	c.Header("Cache-Control", s.qrCacheControl())
	c.Data(http.StatusOK, "image/svg+xml", []byte(qrSVGMarkup(q.Bitmap(), "")))
}

// qrPNG answers the QR code as PNG, 8 pixels a module.
func (s *Server) qrPNG(c *gin.Context) {
	q, ok := s.invitationQR(c)
	if !ok {
		return
	}
	png, err := q.PNG(-qrPixelsPerModule)
	if err != nil {
		s.servePageError(c, fmt.Errorf("qr png: %w", err))
		return
	}
	c.Header("Cache-Control", s.qrCacheControl())
	c.Data(http.StatusOK, "image/png", png)
}

// qrSVGMarkup draws a QR bitmap (quiet zone included) as SVG: a white
// square and one black rect per horizontal run of dark modules, in module
// units, so it prints sharp at any size. label, when set, is its accessible
// name.
func qrSVGMarkup(bm [][]bool, label string) string {
	n := len(bm)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" shape-rendering="crispEdges"`, n, n)
	if label != "" {
		fmt.Fprintf(&b, ` role="img" aria-label="%s"`, template.HTMLEscapeString(label))
	}
	fmt.Fprintf(&b, `><rect width="%d" height="%d" fill="#fff"/>`, n, n)
	for y, row := range bm {
		for x := 0; x < len(row); {
			if !row[x] {
				x++
				continue
			}
			start := x
			for x < len(row) && row[x] {
				x++
			}
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="1"/>`, start, y, x-start)
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// SlipPage is a printable invitation slip: Vietnamese first, English second.
type SlipPage struct {
	Vi, En *Messages
	CSS    string
	Format string // "80mm" (receipt printer) or "a6"
	Agency survey.Text
	Area   survey.Text
	QR     template.HTML
	// ShortHost and ShortPath are the short link without the scheme, as
	// printed: the line may break between them.
	ShortHost, ShortPath string
	Expires              string // dd/mm/yyyy
	Expired              bool
	Other                string // the other format's URL
}

// invitationSlip shows the slip of an invitation, to print and hand over
// with the dossier's result: the QR code, the short link and one line of
// invitation. ?format=a6 selects A6, otherwise a receipt 80 mm wide.
func (s *Server) invitationSlip(c *gin.Context) error {
	code, ok := survey.NormalizeCode(c.Param("code"))
	if !ok {
		return s.invitationGone(c, "invalid")
	}
	ctx := c.Request.Context()
	inv, err := s.store.Invitation(ctx, code)
	if errors.Is(err, survey.ErrNotFound) {
		return s.invitationGone(c, "invalid")
	}
	if err != nil {
		return err
	}
	cat, err := s.store.Catalog(ctx)
	if err != nil {
		return err
	}
	ag, err := cat.Agency(inv.Agency)
	if err != nil {
		return err
	}
	ar, err := cat.Area(inv.Area)
	if err != nil {
		return err
	}
	base := s.publicBase(c)
	q, err := qrcode.New(qrContent(base, code), qrLevel)
	if err != nil {
		return fmt.Errorf("qr code: %w", err)
	}
	short := base + shortPath(code)
	p := SlipPage{
		Vi: s.locales[survey.Vi], En: s.locales[survey.En], CSS: s.inv.slipCSS, Format: "80mm",
		Agency: ag.Name, Area: ar.Name,
		QR:        template.HTML(qrSVGMarkup(q.Bitmap(), short)), // our own markup, the label escaped
		ShortHost: strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(short, "https://"), "http://"), shortPath(code)),
		ShortPath: shortPath(code),
		Expires:   inv.ExpiresAt.In(hcm).Format("02/01/2006"),
		Expired:   !time.Now().Before(inv.ExpiresAt),
		Other:     shortPath(code) + "/slip?format=a6",
	}
	if c.Query("format") == "a6" {
		p.Format, p.Other = "a6", shortPath(code)+"/slip"
	}
	c.Header("Cache-Control", "no-store")
	s.render(c, http.StatusOK, "invitation_slip", p)
	return nil
}
