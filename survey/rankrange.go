package survey

import (
	"hash/fnv"
	"math/rand/v2"
	"slices"
)

// RankRange is the 90 % range of a unit's rank, [best, worst]: the 5th and
// 95th percentiles of its rank over RankDraws simulated surveys. The zero
// value means "not ranked".
type RankRange [2]int

// RankDraws is the number of simulated surveys behind every rank range.
const RankDraws = 2000

// rankSeed fixes the simulation, so that a ranking read twice, or
// published and read again, shows the same ranges.
const rankSeed uint64 = 0x4861694c6f6e6731 // "HaiLong1"

// rankRanges simulates the ranking of scores (the ranked units, named by
// units) RankDraws times: each unit's index is drawn on the logit scale,
// normal around its (empirical) logit with its standard error (logitScale),
// the draws are ranked, and each unit gets the 5th and 95th percentiles of
// its ranks. Each unit has its own random stream, seeded by rankSeed and its
// name, so a unit's draws do not depend on which other units are ranked or
// in which order. The range is widened, if need be, to hold the unit's
// published rank (ranks[i]), so a page never shows "3 (4–6)".
func rankRanges(units []string, scores []Score, ranks []int) []RankRange {
	n := len(units)
	out := make([]RankRange, n)
	if n == 0 {
		return out
	}
	draws := make([][]float64, n)
	for i, u := range units {
		h := fnv.New64a()
		h.Write([]byte(u))
		rng := rand.New(rand.NewPCG(rankSeed, h.Sum64()))
		mu, se := logitScale(scores[i])
		d := make([]float64, RankDraws)
		for k := range d {
			d[k] = mu + se*rng.NormFloat64()
		}
		draws[i] = d
	}
	// counts[i][r] counts the draws in which unit i came r+1.
	counts := make([][]int, n)
	for i := range counts {
		counts[i] = make([]int, n)
	}
	order := make([]int, n)
	for k := 0; k < RankDraws; k++ {
		for i := range order {
			order[i] = i
		}
		slices.SortFunc(order, func(a, b int) int {
			switch va, vb := draws[a][k], draws[b][k]; {
			case va > vb:
				return -1
			case va < vb:
				return 1
			}
			return a - b
		})
		for r, i := range order {
			counts[i][r]++
		}
	}
	for i := range out {
		lo, hi, cum := 0, 0, 0
		for r, c := range counts[i] {
			cum += c
			if lo == 0 && cum*20 > RankDraws { // more than 5 % at or above r+1
				lo = r + 1
			}
			if cum*20 >= RankDraws*19 { // 95 % at or above r+1
				hi = r + 1
				break
			}
		}
		out[i] = RankRange{min(lo, ranks[i]), max(hi, ranks[i])}
	}
	return out
}
