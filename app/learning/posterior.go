package learning

import "math"

// betaPost is a Beta posterior over a helpful rate.
type betaPost struct{ alpha, beta float64 }

func (b betaPost) mean() float64 { return b.alpha / (b.alpha + b.beta) }

func (b betaPost) sd() float64 {
	n := b.alpha + b.beta
	return math.Sqrt(b.alpha * b.beta / (n * n * (n + 1)))
}

// Grid sizes of the quadrature: cells over the range where the posteriors have mass, at
// least quadMinCells, and enough that the narrowest posterior spans quadPerSD cells per
// standard deviation, at most quadMaxCells.
const (
	quadMinCells = 128
	quadMaxCells = 4096
	quadPerSD    = 4
	quadSpanSD   = 8 // the range covers every mean ± quadSpanSD standard deviations
)

// bestOf computes, for independent Beta posteriors, each one's probability of being the
// largest (P(best)), its expected loss E[max − θᵢ] and its 90% interval, by quadrature on one
// grid (exact up to the grid: no sampling, so the same posteriors always give the same
// figures). The probabilities add up to 1.
//
// With the cells' masses mᵢ and the mass below each cell Lᵢ (Uᵢ = Lᵢ + mᵢ):
// P(best i) ≈ Σ cells mᵢ · Π_{k≠i} (Lₖ + mₖ/2), and E[max] ≈ Σ cells x · (Π Uₖ − Π Lₖ).
func bestOf(ps []betaPost) (pBest, loss []float64, lo, hi []float64) {
	k := len(ps)
	pBest, loss, lo, hi = make([]float64, k), make([]float64, k), make([]float64, k), make([]float64, k)
	if k == 0 {
		return
	}
	from, to, minSD := 1.0, 0.0, 1.0
	for _, p := range ps {
		m, s := p.mean(), p.sd()
		from, to, minSD = math.Min(from, m-quadSpanSD*s), math.Max(to, m+quadSpanSD*s), math.Min(minSD, s)
	}
	from, to = math.Max(from, 0), math.Min(to, 1)
	cells := int(math.Ceil((to - from) / minSD * quadPerSD))
	cells = min(max(cells, quadMinCells), quadMaxCells)
	dx := (to - from) / float64(cells)

	xs, logX, log1mX := make([]float64, cells), make([]float64, cells), make([]float64, cells)
	for j := range cells {
		x := from + (float64(j)+0.5)*dx
		xs[j], logX[j], log1mX[j] = x, math.Log(x), math.Log1p(-x)
	}
	mass := make([][]float64, k)
	for i, p := range ps {
		row := make([]float64, cells)
		top := math.Inf(-1)
		for j := range cells {
			row[j] = (p.alpha-1)*logX[j] + (p.beta-1)*log1mX[j]
			top = math.Max(top, row[j])
		}
		sum := 0.0
		for j := range cells {
			row[j] = math.Exp(row[j] - top)
			sum += row[j]
		}
		for j := range cells {
			row[j] /= sum
		}
		mass[i] = row
		lo[i], hi[i] = gridQuantile(row, from, dx, 0.05), gridQuantile(row, from, dx, 0.95)
	}
	if k == 1 {
		pBest[0] = 1
		return
	}
	below := make([]float64, k) // Lᵢ of the current cell
	half := make([]float64, k)  // Lᵢ + mᵢ/2
	suffix := make([]float64, k+1)
	eMax := 0.0
	for j := range cells {
		prodU, prodL := 1.0, 1.0
		for i := range k {
			m := mass[i][j]
			prodU *= below[i] + m
			prodL *= below[i]
			half[i] = below[i] + m/2
		}
		eMax += xs[j] * (prodU - prodL)
		// Π over the others of (Lₒ + mₒ/2), by prefix and suffix products.
		suffix[k] = 1
		for i := k - 1; i >= 0; i-- {
			suffix[i] = suffix[i+1] * half[i]
		}
		prefix := 1.0
		for i := range k {
			pBest[i] += mass[i][j] * prefix * suffix[i+1]
			prefix *= half[i]
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
	return pBest, loss, lo, hi
}

// gridQuantile is the q-quantile of a distribution given by its cells' masses, linear within
// a cell.
func gridQuantile(mass []float64, from, dx, q float64) float64 {
	acc := 0.0
	for j, m := range mass {
		if acc+m >= q {
			return from + (float64(j)+(q-acc)/m)*dx
		}
		acc += m
	}
	return from + float64(len(mass))*dx
}
