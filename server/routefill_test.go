package server

import (
	"fmt"
	"strings"

	"hailong/survey"
)

// azFill puts a test value in each parameter of a route, so tests that walk
// every route (headers_test.go, malformed_test.go) can call it. The values
// need not exist: those tests check headers and statuses, not content. A new
// parameter without a value fails them, so its route gets one here.
func azFill(route, agency string) (string, error) {
	segs := strings.Split(route, "/")
	for i, s := range segs {
		if !strings.HasPrefix(s, ":") && !strings.HasPrefix(s, "*") {
			continue
		}
		prev := ""
		if i > 0 {
			prev = segs[i-1]
		}
		var v string
		switch name := s[1:]; {
		case name == "code" && prev == "areas":
			v = "dat-dai"
		case name == "code" && prev == "agencies", name == "agency":
			v = agency
		case name == "code" && (prev == "r" || prev == "R"):
			v = "AAAAAAAAAAAAAAA" // a well-formed short code that was never issued
		case name == "token" && prev == "v":
			v = "AQAB-not-a-signed-token"
		case name == "area":
			v = "dat-dai"
		case name == "username":
			v = "admin"
		case name == "id" && prev == "forms":
			v = survey.DefaultFormID
		case name == "id" && prev == "tokens":
			v = "1"
		case name == "id" && prev == "kiosks":
			v = "knosuchkiosk00"
		case name == "id" && prev == "invitation-keys":
			v = "999"
		case name == "version":
			v = "1"
		case name == "page" && prev == "2025-07":
			v = "0"
		case name == "id" && (prev == "0" || prev == "comments"):
			v = "no-such-comment"
		case name == "period", name == "month":
			v = "2025-07"
		case name == "year" && prev == "cchc":
			v = "2018"
		default:
			return "", fmt.Errorf("no test value for parameter %s (after %q)", s, prev)
		}
		segs[i] = v
	}
	return strings.Join(segs, "/"), nil
}
