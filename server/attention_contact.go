package server

import (
	"hailong/survey"
)

// The "contact me" block of the citizen's form (issue 18): optional and
// apart from the questions, offered only when a contact key is configured.
// What is entered is checked, sealed (survey.ContactBox) and handed to the
// store with the response, which keeps it apart from the response
// (store/attention.go). It is never logged, exported or reported.

// contactEntry is the block as entered.
type contactEntry struct {
	Phone, Email string
	Consent      bool
}

// ContactBlock is the block as the form shows it.
type ContactBlock struct {
	Phone, Email                         string
	Consent                              bool
	PhoneError, EmailError, ConsentError string
}

// contactBlock is the block for the form, nil when contacts are not offered;
// its errors are added to the form's summary.
func (s *Server) contactBlock(b BasePage, in contactEntry, errs map[string]string, list *[]ErrorItem) *ContactBlock {
	if s.attention.box == nil {
		return nil
	}
	cb := &ContactBlock{Phone: in.Phone, Email: in.Email, Consent: in.Consent,
		PhoneError: errs[survey.FieldContactPhone], EmailError: errs[survey.FieldContactEmail], ConsentError: errs[survey.FieldContactConsent]}
	for _, e := range []struct{ anchor, label, msg string }{
		{"contact-phone", "contact.phone", cb.PhoneError},
		{"contact-email", "contact.email", cb.EmailError},
		{"contact-consent", "contact.consent_label", cb.ConsentError},
	} {
		if e.msg != "" {
			*list = append(*list, ErrorItem{Anchor: e.anchor, Label: b.L.T(e.label), Message: e.msg})
		}
	}
	return cb
}

// postedContact reads the block from a posted form, adds its problems, and
// seals a valid contact into the response (when there is no other problem).
// Without a contact key the fields are ignored.
func (s *Server) postedContact(get func(string) (string, bool), resp *survey.Response, problems survey.FieldErrors) (contactEntry, error) {
	if s.attention.box == nil {
		return contactEntry{}, nil
	}
	var in contactEntry
	in.Phone, _ = get("contactPhone")
	in.Email, _ = get("contactEmail")
	consent, _ := get("contactConsent")
	in.Consent = consent != ""
	ct, ok, fe := survey.CheckContact(in.Phone, in.Email, in.Consent)
	for k, v := range fe {
		problems[k] = v
	}
	if !ok || len(problems) > 0 {
		return in, nil
	}
	sealed, err := s.attention.box.Seal(ct, resp.ID)
	if err != nil {
		return in, err
	}
	resp.Contact = sealed
	return in, nil
}
