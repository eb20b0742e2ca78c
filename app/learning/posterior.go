package learning

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// betaPost is a Beta posterior over a helpful rate.
type betaPost struct{ alpha, beta float64 }

func (b betaPost) mean() float64 { return b.alpha / (b.alpha + b.beta) }

func (b betaPost) sd() float64 {
	n := b.alpha + b.beta
	return math.Sqrt(b.alpha * b.beta / (n * n * (n + 1)))
}

// interval90 is the equal-tailed 90% credible interval.
func (b betaPost) interval90() (lo, hi float64) {
	d := distuv.Beta{Alpha: b.alpha, Beta: b.beta}
	return d.Quantile(0.05), d.Quantile(0.95)
}

// Grid sizes of the quadrature: cells over the range where the posteriors have mass, at
// least quadMinCells, and enough that the narrowest posterior spans quadPerSD cells per
// standard deviation, at most quadMaxCells.
const (
	quadMinCells = 256
	quadMaxCells = 4096
	quadPerSD    = 6
	quadSpanSD   = 8 // the range covers every mean ± quadSpanSD standard deviations
)

// bestOf computes, for independent Beta posteriors, each one's probability of being the
// largest (P(best)) and its expected loss E[max − θᵢ], by quadrature on one grid (exact up to
// the grid: no sampling, so the same posteriors always give the same figures). The
// probabilities add up to 1.
//
// With the cells' masses mᵢ and the mass below each cell Lᵢ (Uᵢ = Lᵢ + mᵢ):
// P(best i) ≈ Σ cells mᵢ · Π_{k≠i} (Lₖ + mₖ/2), and E[max] ≈ Σ cells x · (Π Uₖ − Π Lₖ).
func bestOf(ps []betaPost) (pBest, loss []float64) {
	k := len(ps)
	pBest, loss = make([]float64, k), make([]float64, k)
	if k == 0 {
		return
	}
	if k == 1 {
		pBest[0] = 1
		return
	}
	lo, hi, minSD := 1.0, 0.0, 1.0
	for _, p := range ps {
		m, s := p.mean(), p.sd()
		lo, hi, minSD = math.Min(lo, m-quadSpanSD*s), math.Max(hi, m+quadSpanSD*s), math.Min(minSD, s)
	}
	lo, hi = math.Max(lo, 0), math.Min(hi, 1)
	cells := int(math.Ceil((hi - lo) / minSD * quadPerSD))
	cells = min(max(cells, quadMinCells), quadMaxCells)
	dx := (hi - lo) / float64(cells)

	mass := make([][]float64, k)
	for i, p := range ps {
		mass[i] = make([]float64, cells)
		logs := make([]float64, cells)
		top := math.Inf(-1)
		for j := range cells {
			x := lo + (float64(j)+0.5)*dx
			logs[j] = (p.alpha-1)*math.Log(x) + (p.beta-1)*math.Log1p(-x)
			top = math.Max(top, logs[j])
		}
		sum := 0.0
		for j := range cells {
			mass[i][j] = math.Exp(logs[j] - top)
			sum += mass[i][j]
		}
		if sum == 0 || math.IsNaN(sum) { // all mass outside the grid: cannot happen for a proper Beta
			sum = 1
		}
		for j := range cells {
			mass[i][j] /= sum
		}
	}
	below := make([]float64, k) // Lᵢ of the current cell
	eMax := 0.0
	for j := range cells {
		x := lo + (float64(j)+0.5)*dx
		prodU, prodL := 1.0, 1.0
		for i := range k {
			prodU *= below[i] + mass[i][j]
			prodL *= below[i]
		}
		eMax += x * (prodU - prodL)
		for i := range k {
			others := 1.0
			for o := range k {
				if o != i {
					others *= below[o] + mass[o][j]/2
				}
			}
			pBest[i] += mass[i][j] * others
		}
		for i := range k {
			below[i] += mass[i][j]
		}
	}
	total := 0.0
	for _, p := range pBest {
		total += p
	}
	for i, p := range ps {
		if total > 0 {
			pBest[i] /= total
		}
		loss[i] = math.Max(0, eMax-p.mean())
	}
	return pBest, loss
}
