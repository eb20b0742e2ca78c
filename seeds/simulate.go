package seeds

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
)

// Quality of recommendations against the world's ground truth. Two measures, side by side:
// accuracy (the share of form × segment cells whose pick is the truly best style) and regret
// (the truly best rate minus the picked style's true rate, averaged over the cells; a cell
// with no pick scores as a style drawn at random would). Cells are the four segments of every
// form, each counted once, as an independent judge would count them; within a segment each
// discipline of its jobs weighs as often as the demo's titles have it, and is judged against
// the truth for that discipline.

// BayesSegmentOnly is the bayes policy asked for a segment alone, without the job's
// discipline: the model before issue 14, for comparison with bayes, which is asked for both.
const BayesSegmentOnly = "bayes-segment-only"

// Score is one policy's picks measured against the truth.
type Score struct {
	Policy   string  `json:"policy"`
	Events   int     `json:"events"`
	Cells    int     `json:"cells"`
	Accuracy float64 `json:"accuracy"`
	Regret   float64 `json:"regret"`
	// Served is the mean regret of the styles actually served (closed loop only): what the
	// users paid while the policy learned.
	Served float64 `json:"served_regret,omitempty"`
}

// SimThresholds are the original's thresholds, as the service's defaults.
var SimThresholds = models.Thresholds{Form: 5, Segment: 5, Family: 10}

// LoggedEvidence generates the world's events (logged by its biased epsilon-greedy policy,
// without a database) and returns their statistics as the aggregator would read them.
func (w *World) LoggedEvidence() *learning.Evidence {
	ev := learning.NewEvidence()
	g := w.generator()
	var e event
	for g.next(&e) {
		if e.Style == "" {
			continue
		}
		o := learning.Observation{Host: e.Host, SchemaHash: e.SchemaHash, Family: e.Family, Segment: e.Segment,
			Discipline: e.Discipline, StyleID: e.Style, Runs: 1}
		switch e.Feedback {
		case "helpful":
			o.Helpful = 1
		case "unhelpful":
			o.Unhelpful = 1
		}
		ev.Add(o)
	}
	return ev
}

// ScorePicks measures a fitted model's picks for every form's four segments, asking it for
// each discipline of the segment's jobs unless segmentOnly.
func (w *World) ScorePicks(m *learning.Model, segmentOnly bool) Score {
	s := Score{Policy: m.Policy(), Events: w.Opts.Events}
	if segmentOnly && s.Policy == models.PolicyBayes {
		s.Policy = BayesSegmentOnly
	}
	for _, f := range w.Forms {
		for seg := range 4 {
			var segPick *string
			if segmentOnly {
				segPick = m.Choose(f.Host, f.SchemaHash, f.Family, segKeys[seg]).PreferredStyleID
			}
			for d, share := range w.disciplineShares(seg) {
				pick := segPick
				if !segmentOnly {
					pick = m.ChooseFor(f.Host, f.SchemaHash, f.Family, segKeys[seg], d).PreferredStyleID
				}
				hit, regret := judge(f.ratesFor(seg, d), pick)
				s.Accuracy += share * hit
				s.Regret += share * regret
			}
			s.Cells++
		}
	}
	s.Accuracy /= float64(s.Cells)
	s.Regret /= float64(s.Cells)
	return s
}

// disciplineShares are the shares of the disciplines among a segment's titles.
func (w *World) disciplineShares(seg int) map[string]float64 {
	out := map[string]float64{}
	for _, t := range w.titles[seg] {
		out[t.job.Discipline] += 1 / float64(len(w.titles[seg]))
	}
	return out
}

// judge scores one pick (nil: none) against the true rates of a cell.
func judge(rates []float64, pick *string) (hit, regret float64) {
	best := rates[argmax(rates)]
	if pick == nil {
		mean := 0.0
		for _, r := range rates {
			mean += r
		}
		return 1 / float64(len(rates)), best - mean/float64(len(rates))
	}
	k := slices.Index(styleIDs, *pick)
	if k < 0 {
		return 0, best - slices.Min(rates)
	}
	if rates[k] == best {
		hit = 1
	}
	return hit, best - rates[k]
}

// EvaluateLogged fits each policy on the world's logged events and scores its picks: the
// offline question "given what the biased logging policy recorded, which style is best?".
func EvaluateLogged(opts Options, policies []string) ([]Score, error) {
	w, err := NewWorld(opts)
	if err != nil {
		return nil, err
	}
	ev := w.LoggedEvidence()
	out := make([]Score, 0, len(policies))
	for _, p := range policies {
		fit := p
		if p == BayesSegmentOnly {
			fit = models.PolicyBayes
		}
		m := learning.Fit(ev, learning.Params{Policy: fit, Thresholds: SimThresholds, Styles: styleIDs})
		out = append(out, w.ScorePicks(m, p == BayesSegmentOnly))
	}
	return out, nil
}

// Closed-loop serving policies.
const (
	LoopThreshold = "threshold+egreedy" // the original: threshold picks, the extension explores 15%
	LoopBayesEps  = "bayes+egreedy"     // bayes picks, the extension explores 15%
	LoopThompson  = "bayes+thompson"    // bayes posteriors, Thompson sampling with a floor
)

// LoopPolicies lists the closed-loop policies.
func LoopPolicies() []string { return []string{LoopThreshold, LoopBayesEps, LoopThompson} }

// LoopPoint is one policy's state after some requests.
type LoopPoint struct {
	Score
	Requests int `json:"requests"`
}

// SimulateLoop runs the closed loop for each policy from no data: the world's requests in
// order (form, then a job of one of its segments), the policy picks a style from the hints of
// the last aggregation, the simulated user rates it with the truth's probability, and every
// `every` requests the evidence is aggregated again. It reports, at each aggregation, the
// picks' accuracy and regret and the mean regret of what was served so far.
func SimulateLoop(opts Options, every int, floor float64, policies []string) ([]LoopPoint, error) {
	if every < 1 {
		return nil, fmt.Errorf("every must be at least 1 (got %d)", every)
	}
	w, err := NewWorld(opts)
	if err != nil {
		return nil, err
	}
	var out []LoopPoint
	for _, p := range policies {
		pts, err := w.loop(p, every, floor)
		if err != nil {
			return nil, err
		}
		out = append(out, pts...)
	}
	return out, nil
}

func (w *World) loop(policy string, every int, floor float64) ([]LoopPoint, error) {
	fitPolicy := models.PolicyBayes
	switch policy {
	case LoopThreshold:
		fitPolicy = models.PolicyThreshold
	case LoopBayesEps, LoopThompson:
	default:
		return nil, fmt.Errorf("unknown policy %q (want one of %v)", policy, LoopPolicies())
	}
	r := rand.New(rand.NewPCG(w.Opts.Seed, 0x6c6f6f70)) // the same requests and users for every policy
	ev := learning.NewEvidence()
	model := learning.Fit(ev, learning.Params{Policy: fitPolicy, Thresholds: SimThresholds, Styles: styleIDs})
	type cell struct {
		form, seg  int
		discipline string
	}
	hints := map[cell]models.Choice{}
	var points []LoopPoint
	served := 0.0
	for i, fi := range w.slots {
		f := w.Forms[fi]
		seg, disc := segNone, ""
		if r.Float64() >= f.noJob {
			seg = pickIndex(r, f.segCum[:])
			disc = w.titles[seg][r.IntN(len(w.titles[seg]))].job.Discipline
		}
		key := cell{int(fi), seg, disc}
		c, ok := hints[key]
		if !ok {
			c = model.ChooseFor(f.Host, f.SchemaHash, f.Family, segKeys[seg], disc)
			hints[key] = c
		}
		style := w.serve(policy, c, floor, r)
		rates := f.ratesFor(seg, disc)
		served += rates[argmax(rates)] - rates[style]
		o := learning.Observation{Host: f.Host, SchemaHash: f.SchemaHash, Family: f.Family, Segment: segKeys[seg],
			Discipline: disc, StyleID: styleIDs[style], Runs: 1}
		helpful := r.Float64() < rates[style]
		rated := ratedIfNot
		if helpful {
			rated = ratedIfHelpful
		}
		if r.Float64() < rated {
			if helpful {
				o.Helpful = 1
			} else {
				o.Unhelpful = 1
			}
		}
		ev.Add(o)
		if (i+1)%every == 0 || i+1 == len(w.slots) {
			model = learning.Fit(ev, learning.Params{Policy: fitPolicy, Thresholds: SimThresholds, Styles: styleIDs})
			clear(hints)
			s := w.ScorePicks(model, false)
			s.Policy, s.Events, s.Served = policy, i+1, served/float64(i+1)
			points = append(points, LoopPoint{Score: s, Requests: i + 1})
		}
	}
	return points, nil
}

// serve picks the style index for one request.
func (w *World) serve(policy string, c models.Choice, floor float64, r *rand.Rand) int {
	if policy == LoopThompson {
		if d, ok := learning.Thompson(c, floor, r); ok {
			return slices.Index(styleIDs, d.StyleID)
		}
		return r.IntN(len(styleIDs))
	}
	// The extension's epsilon-greedy: the hint's style, else (15%, or always without a hint)
	// a style uniformly at random among the others.
	if c.PreferredStyleID == nil {
		return r.IntN(len(styleIDs))
	}
	pref := slices.Index(styleIDs, *c.PreferredStyleID)
	if r.Float64() < Epsilon {
		k := r.IntN(len(styleIDs) - 1)
		if k >= pref {
			k++
		}
		return k
	}
	return pref
}
