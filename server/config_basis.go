package server

import "hailong/survey"

// DefaultRankingBasis is the basis rankings are computed on unless the
// caller names one (HAILONG_RANKING_BASIS): the independent responses, so
// that the surveys an agency's own staff entered do not raise its rank
// (issue 14).
const DefaultRankingBasis = survey.BasisIndependent

// loadRankingBasis reads HAILONG_RANKING_BASIS: all, verified or
// independent.
func loadRankingBasis(getenv func(string) string, cfg *Config, bad func(string, ...any)) {
	cfg.RankingBasis = DefaultRankingBasis
	v := getenv("HAILONG_RANKING_BASIS")
	if v == "" {
		return
	}
	b, ok := survey.ParseBasis(v)
	if !ok {
		bad("HAILONG_RANKING_BASIS=%q must be all, verified or independent", v)
		return
	}
	cfg.RankingBasis = b
}

// rankingBasis is the basis of a ranking whose caller named none, and of
// the dashboard's rank and province comparison.
func (s *Server) rankingBasis() survey.Basis {
	if s.cfg.RankingBasis == "" {
		return DefaultRankingBasis
	}
	return s.cfg.RankingBasis
}

// selfEntered reports whether a survey the user enters for the agency is
// self-entered: the user is staff of the agency or of an agency of its
// lineage, either way (the agency merged into one of theirs, or one of
// theirs merged into it). Administrators' and inspectors' entries are not.
func selfEntered(u *survey.User, cat *survey.Catalog, agency string) bool {
	if u == nil || u.Role != survey.RoleStaff {
		return false
	}
	for _, own := range u.Agencies {
		if own == agency {
			return true
		}
		for _, a := range survey.Lineage(cat, own) {
			if a == agency {
				return true
			}
		}
		for _, a := range survey.Lineage(cat, agency) {
			if a == own {
				return true
			}
		}
	}
	return false
}
