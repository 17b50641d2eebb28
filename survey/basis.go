package survey

// Basis is which responses a ranking or a report is computed over.
type Basis string

const (
	// BasisAll counts every response.
	BasisAll Basis = "all"
	// BasisVerified counts only the responses given through a verified
	// invitation.
	BasisVerified Basis = "verified"
	// BasisIndependent leaves out the responses the rated agency's own staff
	// entered (Response.SelfEntered).
	BasisIndependent Basis = "independent"
)

// Bases lists every basis, in the order a page offers them.
var Bases = []Basis{BasisAll, BasisVerified, BasisIndependent}

// ParseBasis reads a basis by its name; ok is false for any other string.
func ParseBasis(s string) (Basis, bool) {
	for _, b := range Bases {
		if string(b) == s {
			return b, true
		}
	}
	return "", false
}
