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
