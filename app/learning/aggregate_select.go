package learning

import (
	"iter"
	"math"
	"math/big"
	"slices"

	"github.com/applylens/learning/app/models"
)

// styleAcc counts one style's runs at one level. Everything is an integer sum, so totals and
// the ranking (which compares ratios by cross-multiplying) never depend on row order.
type styleAcc struct {
	runs, helpful, unhelpful int64
	editSum, editN           int64 // edit_chars over the runs that reported it
}

func (s *styleAcc) add(o styleAcc) {
	s.runs += o.runs
	s.helpful += o.helpful
	s.unhelpful += o.unhelpful
	s.editSum += o.editSum
	s.editN += o.editN
}

// rated counts the runs with feedback; unrated runs are neither helpful nor unhelpful.
func (s styleAcc) rated() int64 { return s.helpful + s.unhelpful }

// stats are the figures shown in a hint. Ratios are rounded for display only; ranking uses
// the exact counts.
func (s styleAcc) stats(styleID, level, segment string) models.StyleStats {
	st := models.StyleStats{
		StyleID:       styleID,
		Level:         level,
		SegmentKey:    segment,
		TotalRuns:     int(s.runs),
		HelpfulRuns:   int(s.helpful),
		UnhelpfulRuns: int(s.unhelpful),
		RatedRuns:     int(s.rated()),
	}
	if r := HelpfulRatio(s.helpful, s.rated()); r != nil {
		st.HelpfulRatio = ptr(round(*r, 4))
	}
	if s.editN > 0 {
		st.AvgEditChars = ptr(round(float64(s.editSum)/float64(s.editN), 2))
	}
	return st
}

type candidate struct {
	id  string
	acc styleAcc
}

// better reports whether a ranks before b: a higher helpful ratio (a style with no rated run
// last), then fewer average edit_chars (none reported last), then more runs, then the smaller
// style id, so that no two styles ever tie.
func better(a, b candidate) bool {
	ar, br := a.acc.rated(), b.acc.rated()
	if (ar > 0) != (br > 0) {
		return ar > 0
	}
	if ar > 0 {
		if c := cmpRatio(a.acc.helpful, ar, b.acc.helpful, br); c != 0 {
			return c > 0
		}
	}
	if (a.acc.editN > 0) != (b.acc.editN > 0) {
		return a.acc.editN > 0
	}
	if a.acc.editN > 0 {
		if c := cmpRatio(a.acc.editSum, a.acc.editN, b.acc.editSum, b.acc.editN); c != 0 {
			return c < 0
		}
	}
	if a.acc.runs != b.acc.runs {
		return a.acc.runs > b.acc.runs
	}
	return a.id < b.id
}

// cmpRatio compares a/b with c/d (b, d > 0) exactly.
func cmpRatio(a, b, c, d int64) int {
	const small = 1 << 31
	if a >= 0 && c >= 0 && a < small && b < small && c < small && d < small {
		x, y := a*d, c*b
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	}
	x := new(big.Int).Mul(big.NewInt(a), big.NewInt(d))
	y := new(big.Int).Mul(big.NewInt(c), big.NewInt(b))
	return x.Cmp(y)
}

// compete returns the styles of one level with at least min runs, best first.
func compete(styles iter.Seq2[string, *styleAcc], min int) []candidate {
	var out []candidate
	for id, acc := range styles {
		if acc.runs >= int64(min) {
			out = append(out, candidate{id: id, acc: *acc})
		}
	}
	slices.SortFunc(out, func(a, b candidate) int {
		if better(a, b) {
			return -1
		}
		return 1
	})
	return out
}

// mostCommon returns the key with the most events (ties: the smaller key), or "".
func mostCommon(counts tally) string {
	best, bestN := "", int64(0)
	for _, c := range counts {
		if c.n > bestN || (c.n == bestN && c.name < best) {
			best, bestN = c.name, c.n
		}
	}
	return best
}

// vote returns the canonical map: for each key, the value with the most votes, ties going to
// the smallest value (byte order), so that the map never depends on row order.
func vote(votes map[string]map[string]int64) models.StringMap {
	out := models.StringMap{}
	for key, values := range votes {
		best, bestN := "", int64(-1)
		for v, n := range values {
			if n > bestN || (n == bestN && v < best) {
				best, bestN = v, n
			}
		}
		out[key] = best
	}
	return out
}

// priorWeight is a style's prior for the bandit: 2·(helpful+1)/(rated+2), the mean of a
// Beta(1,1) prior updated with the window's ratings, scaled so that no data gives 1. It is a
// pure function of the window (no compounding) and stays within [0.0001, 2], which fits the
// column's numeric(10,4) and never rounds to 0 (a style with weight 0 could never be tried).
func priorWeight(s styleAcc) float64 {
	return max(round(2*float64(s.helpful+1)/float64(s.rated()+2), 4), 0.0001)
}

func round(x float64, places int) float64 {
	p := math.Pow10(places)
	return math.Round(x*p) / p
}

func ptr[T any](v T) *T { return &v }
