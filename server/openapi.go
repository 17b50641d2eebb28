package server

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPIDoc is the OpenAPI 3 description of the JSON API and the
// operational endpoints, kept as a plain JSON file so a change to it is
// reviewed like code. openapi_test.go checks that it lists every route
// under /api/ (and nothing else), that every example in it validates against
// its schema, and that the real server answers as it says.
//
//go:embed openapi.json
var openAPIDoc []byte

// serveOpenAPI answers GET /api/v1/openapi.json.
func serveOpenAPI(c *gin.Context) {
	c.Header("Cache-Control", "public, max-age=300")
	c.Data(http.StatusOK, "application/json; charset=utf-8", openAPIDoc)
}
