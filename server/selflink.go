package server

import (
	"net/url"
	"path"
	"strings"

	"github.com/gin-gonic/gin"
)

// Links a page makes back to itself (the language switch, the login's
// next=, the comments' return address) are built from the route the request
// matched, never from the raw request path: the router cleans the path
// (RemoveExtraSlash), so "/%2F%2Fevil.example%2F..%2Flogin" serves the login
// page, and echoing its raw path would give the page a link to
// "//evil.example/..", another site.

// selfPath is the path of the page being served: the route's template with
// the request's parameters filled in, each escaped as one path segment, or,
// for a request no route matched, its cleaned path escaped the same way. It
// always starts with exactly one "/" followed by a character that is
// neither "/" nor "\", so no browser reads it as another site's address.
func selfPath(c *gin.Context) string {
	var segs []string
	if route := c.FullPath(); route != "" {
		for _, seg := range strings.Split(route, "/") {
			switch {
			case seg == "":
			case seg[0] == ':':
				segs = append(segs, url.PathEscape(c.Param(seg[1:])))
			case seg[0] == '*': // a catch-all: its value spans segments
				segs = append(segs, escapedSegments(c.Param(seg[1:]))...)
			default:
				segs = append(segs, url.PathEscape(seg))
			}
		}
	} else {
		segs = escapedSegments(path.Clean("/" + c.Request.URL.Path))
	}
	return "/" + strings.Join(segs, "/")
}

// escapedSegments splits p at "/" and escapes each non-empty segment.
func escapedSegments(p string) []string {
	var out []string
	for _, seg := range strings.Split(p, "/") {
		if seg != "" {
			out = append(out, url.PathEscape(seg))
		}
	}
	return out
}

// selfURI is selfPath with the request's query, re-encoded (so it holds no
// raw character a browser could read another way).
func selfURI(c *gin.Context) string {
	p := selfPath(c)
	if q := c.Request.URL.Query(); len(q) > 0 {
		p += "?" + q.Encode()
	}
	return p
}
