// Package static embeds the stylesheet, scripts and images served under /static/.
package static

import "embed"

// FS holds the static files.
//
//go:embed *.css *.js
var FS embed.FS
