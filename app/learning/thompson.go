package learning

import (
	"math/rand/v2"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/applylens/learning/app/models"
)

// Draw is the style served for one request, with the probability it had of being served.
type Draw struct {
	StyleID    string  `json:"style_id"`
	Policy     string  `json:"policy"`     // exploit: the posterior best; explore: another style
	Propensity float64 `json:"propensity"` // this style's allocation probability
}

// Allocation is the probability of serving each candidate of a bayes choice: Thompson
// sampling gives each its P(best), and a floor keeps every style's chance at least floor
// (floor · k of the traffic is spread evenly, the rest follows P(best)). Without posteriors
// (a threshold choice, or the kill switch) the winner gets everything.
func Allocation(c models.Choice, floor float64) map[string]float64 {
	out := map[string]float64{}
	k := len(c.Candidates)
	if k == 0 {
		return out
	}
	if c.Candidates[0].Posterior == nil {
		out[c.Candidates[0].StyleID] = 1
		return out
	}
	spread := min(floor*float64(k), 1)
	total := 0.0 // stored P(best)s are rounded: normalise them
	for _, s := range c.Candidates {
		total += s.Posterior.PBest
	}
	for _, s := range c.Candidates {
		p := 1 / float64(k)
		if total > 0 {
			p = s.Posterior.PBest / total
		}
		out[s.StyleID] = spread/float64(k) + (1-spread)*p
	}
	return out
}

// Thompson draws the style to serve for a bayes choice: with probability floor·k a style
// uniformly at random, otherwise a Thompson draw (one sample from every candidate's Beta
// posterior, the largest wins), so that each style is served with its Allocation. A choice
// with no posteriors (threshold, or none) serves its preferred style, if any, as exploit.
func Thompson(c models.Choice, floor float64, rng *rand.Rand) (Draw, bool) {
	if c.PreferredStyleID == nil || len(c.Candidates) == 0 {
		return Draw{}, false
	}
	best := *c.PreferredStyleID
	if c.Candidates[0].Posterior == nil {
		return Draw{StyleID: best, Policy: PolicyExploit, Propensity: 1}, true
	}
	k := len(c.Candidates)
	var pick string
	if rng.Float64() < min(floor*float64(k), 1) {
		pick = c.Candidates[rng.IntN(k)].StyleID
	} else {
		top := -1.0
		for _, s := range c.Candidates {
			x := distuv.Beta{Alpha: s.Posterior.Alpha, Beta: s.Posterior.Beta, Src: rng}.Rand()
			if x > top {
				top, pick = x, s.StyleID
			}
		}
	}
	d := Draw{StyleID: pick, Policy: PolicyExplore, Propensity: Allocation(c, floor)[pick]}
	if pick == best {
		d.Policy = PolicyExploit
	}
	return d, true
}
