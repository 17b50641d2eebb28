package survey

import "time"

// ActiveAt reports whether the agency served at t: from Since, and while
// Active, or until Until once stopped (merged or dissolved from a date). An
// agency stopped without a date never serves.
func (a Agency) ActiveAt(t time.Time) bool {
	if !a.Since.IsZero() && t.Before(a.Since) {
		return false
	}
	if a.Active {
		return true
	}
	return !a.Until.IsZero() && t.Before(a.Until)
}

// ActiveOn reports whether the agency served at some time of the day that
// starts at day (see ParseDay): one merged on that day did not, one founded
// on it did.
func (a Agency) ActiveOn(day time.Time) bool {
	next := day.AddDate(0, 0, 1)
	if !a.Since.IsZero() && !a.Since.Before(next) {
		return false
	}
	if a.Active {
		return true
	}
	return !a.Until.IsZero() && a.Until.After(day)
}

// NameOn is the name the agency had on the day: the first former name
// still in use then, or its present name.
func (a Agency) NameOn(day time.Time) Text {
	for _, f := range a.FormerNames {
		if day.Before(f.Until) {
			return f.Name
		}
	}
	return a.Name
}

// AgenciesOn lists, in catalog order, the agencies that served on the day,
// each under the name it had then (its record of names is unchanged).
func (c *Catalog) AgenciesOn(day time.Time) []Agency {
	out := make([]Agency, 0, len(c.Agencies))
	for _, a := range c.Agencies {
		if a.ActiveOn(day) {
			a.Name = a.NameOn(day)
			out = append(out, a)
		}
	}
	return out
}

// ParseDay reads a date written YYYY-MM-DD as the start of that day in
// Vietnam; ok is false when it is not such a date.
func ParseDay(s string) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", s, zone)
	return t, err == nil && len(s) == len("2006-01-02")
}
