package server

import (
	"context"
	"net/url"
	"strconv"

	"hailong/survey"
)

// maxRedactedShown bounds the count the thank-you page takes from its URL:
// the comment is at most a few thousand characters, so a larger number is
// not one the service wrote.
const maxRedactedShown = 1000

// insertResponse stores a checked response (see store.InsertResponse) and,
// when it is new, counts the personal details removed from its comment in
// hailong_comment_redactions_total. Every handler that stores a response
// goes through here, so a retry (nothing stored) is never counted twice.
func (s *Server) insertResponse(ctx context.Context, resp survey.Response) (bool, error) {
	created, err := s.store.InsertResponse(ctx, resp)
	if err == nil && created && resp.Redactions > 0 {
		s.metrics.redactions.Add(float64(resp.Redactions))
	}
	return created, err
}

// thanksPath is the thank-you page of a survey; when redacted details were
// removed from the comment it says how many, for the page to tell.
func thanksPath(agency, area string, redacted int) string {
	p := surveyPath(agency, area) + "/thanks"
	if redacted > 0 {
		p += "?" + url.Values{"redacted": {strconv.Itoa(redacted)}}.Encode()
	}
	return p
}

// redactedNotice is what the thank-you page says of the details removed
// from the comment, given its "redacted" parameter; "" when none.
func redactedNotice(ms *Messages, param string) string {
	n, err := strconv.Atoi(param)
	if err != nil || n < 1 || n > maxRedactedShown {
		return ""
	}
	return ms.T("thanks.redacted", n, survey.RedactionMark)
}
