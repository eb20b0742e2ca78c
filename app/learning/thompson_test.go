package learning_test

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
)

// thompsonChoice is a bayes choice over four styles: one clear leader, two close behind it and
// one far behind (whose P(best) is about 0, so only the floor serves it).
func thompsonChoice(t *testing.T) models.Choice {
	t.Helper()
	ev := learning.NewEvidence()
	for style, hu := range map[string][2]int64{"lead": {60, 30}, "near": {25, 17}, "wide": {3, 2}, "poor": {10, 90}} {
		ev.Add(learning.Observation{Host: "jobs.lever.co", SchemaHash: "s", Family: "lever", Segment: learning.SegmentSenior,
			StyleID: style, Runs: hu[0] + hu[1], Helpful: hu[0], Unhelpful: hu[1]})
	}
	c := learning.Fit(ev, learning.Params{Policy: models.PolicyBayes}).Choose("jobs.lever.co", "s", "lever", learning.SegmentSenior)
	require.Len(t, c.Candidates, 4)
	return c
}

func TestThompsonServesItsStatedAllocation(t *testing.T) {
	c := thompsonChoice(t)
	const floor, draws = 0.02, 6000
	alloc := learning.Allocation(c, floor)
	total := 0.0
	for _, s := range c.Candidates {
		require.GreaterOrEqual(t, alloc[s.StyleID], floor-1e-12, "every style keeps the floor")
		total += alloc[s.StyleID]
	}
	require.InDelta(t, 1, total, 1e-9)
	require.InDelta(t, floor, alloc["poor"], 1e-3, "a hopeless style gets the floor and no more")

	r := rand.New(rand.NewPCG(42, 42))
	seen := map[string]float64{}
	for range draws {
		d, ok := learning.Thompson(c, floor, r)
		require.True(t, ok)
		require.Equal(t, alloc[d.StyleID], d.Propensity, "the stated propensity is the allocation")
		if d.StyleID == *c.PreferredStyleID {
			require.Equal(t, learning.PolicyExploit, d.Policy)
		} else {
			require.Equal(t, learning.PolicyExplore, d.Policy)
		}
		seen[d.StyleID]++
	}
	chi2 := 0.0
	for id, p := range alloc {
		want := p * draws
		chi2 += (seen[id] - want) * (seen[id] - want) / want
	}
	pValue := distuv.ChiSquared{K: float64(len(alloc) - 1)}.Survival(chi2)
	require.Greater(t, pValue, 0.001, "χ² %.2f: observed %v against %v", chi2, seen, alloc)
}

func TestThompsonWithoutPosteriors(t *testing.T) {
	// A threshold choice (or the kill switch's): the preferred style, always, with propensity 1.
	id := "concise_bullets_v1"
	c := models.Choice{Source: models.SourceForm, PreferredStyleID: &id, Candidates: []models.StyleStats{{StyleID: id, IsWinner: true}}}
	d, ok := learning.Thompson(c, 0.02, rand.New(rand.NewPCG(1, 1)))
	require.True(t, ok)
	require.Equal(t, learning.Draw{StyleID: id, Policy: learning.PolicyExploit, Propensity: 1}, d)
	_, ok = learning.Thompson(models.Choice{Source: models.SourceNone}, 0.02, rand.New(rand.NewPCG(1, 1)))
	require.False(t, ok, "nothing to serve without a pick")
}
