// Package templates embeds the HTML templates and the message files.
package templates

import "embed"

// FS holds every *.html template and locales/*.json message file.
//
//go:embed *.html locales/*.json
var FS embed.FS
