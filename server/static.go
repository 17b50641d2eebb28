package server

import (
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"hailong/static"
)

// serveStatic serves the embedded static files. URLs carry a content hash
// (?v=...), so the files may be cached for a year. No directory listings.
func serveStatic(c *gin.Context) {
	name := strings.TrimPrefix(path.Clean("/"+c.Param("file")), "/")
	if name == "" || strings.HasSuffix(name, ".go") {
		c.Status(http.StatusNotFound)
		return
	}
	f, err := static.FS.Open(name)
	if err != nil {
		c.Status(http.StatusNotFound)
		return
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.IsDir() {
		c.Status(http.StatusNotFound)
		return
	}
	if c.Query("v") != "" {
		c.Header("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		c.Header("Cache-Control", "public, max-age=300")
	}
	c.FileFromFS(name, http.FS(static.FS))
}
