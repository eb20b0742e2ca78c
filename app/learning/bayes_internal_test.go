package learning

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/applylens/learning/app/models"
)

// lbeta is log B(a, b).
func lbeta(a, b float64) float64 {
	la, _ := math.Lgamma(a)
	lb, _ := math.Lgamma(b)
	lab, _ := math.Lgamma(a + b)
	return la + lb - lab
}

// pGreater is the closed form of P(X > Y) for X ~ Beta(a1, b1) with a whole a1 and
// Y ~ Beta(a2, b2) (Evan Miller's formula for two Beta posteriors).
func pGreater(a1, b1, a2, b2 float64) float64 {
	total := 0.0
	for i := 0.0; i < a1; i++ {
		total += math.Exp(lbeta(a2+i, b1+b2) - math.Log(b1+i) - lbeta(1+i, b1) - lbeta(a2, b2))
	}
	return total
}

func TestBestOfMatchesTheClosedForm(t *testing.T) {
	for _, c := range []struct{ a1, b1, a2, b2 float64 }{
		{13, 7, 30, 22},      // close, overlapping
		{2, 1, 34, 9},        // a handful of ratings against many
		{120, 80, 400, 310},  // narrow posteriors
		{1, 1, 5, 5},         // flat against wide
		{900, 100, 880, 120}, // very narrow, far apart in sd units
	} {
		p, loss, lo, hi := bestOf([]betaPost{{c.a1, c.b1}, {c.a2, c.b2}})
		for i, b := range []betaPost{{c.a1, c.b1}, {c.a2, c.b2}} {
			d := distuv.Beta{Alpha: b.alpha, Beta: b.beta}
			require.InDelta(t, d.Quantile(0.05), lo[i], 1e-3, "5%% quantile of %+v", b)
			require.InDelta(t, d.Quantile(0.95), hi[i], 1e-3, "95%% quantile of %+v", b)
		}
		want := pGreater(c.a1, c.b1, c.a2, c.b2)
		require.InDelta(t, want, p[0], 2e-3, "%+v", c)
		require.InDelta(t, 1, p[0]+p[1], 1e-9)
		// E[max(X, Y)] − E[X] ≥ 0, and the better-looking style has the smaller loss.
		require.GreaterOrEqual(t, loss[0], 0.0)
		require.GreaterOrEqual(t, loss[1], 0.0)
		if c.a1/(c.a1+c.b1) > c.a2/(c.a2+c.b2) {
			require.Less(t, loss[0], loss[1])
		}
	}
}

func TestBestOfAgreesWithSampling(t *testing.T) {
	ps := []betaPost{{20, 15}, {9, 6}, {55, 48}, {3, 2}}
	p, loss, _, _ := bestOf(ps)
	r := rand.New(rand.NewPCG(1, 2))
	const n = 200_000
	wins := make([]float64, len(ps))
	eMax := 0.0
	for range n {
		best, top := 0, -1.0
		for i, b := range ps {
			x := distuv.Beta{Alpha: b.alpha, Beta: b.beta, Src: r}.Rand()
			if x > top {
				best, top = i, x
			}
		}
		wins[best]++
		eMax += top
	}
	for i := range ps {
		require.InDelta(t, wins[i]/n, p[i], 5e-3, "P(best) of %d", i)
		require.InDelta(t, eMax/n-ps[i].mean(), loss[i], 3e-3, "expected loss of %d", i)
	}
}

func TestEstimateKappaRecoversTheSpread(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for _, want := range []float64{10, 50, 300} {
		const mu = 0.4
		var kids []kid
		for range 3000 {
			theta := distuv.Beta{Alpha: mu * want, Beta: (1 - mu) * want, Src: r}.Rand()
			n := 5 + r.IntN(60)
			h := 0
			for range n {
				if r.Float64() < theta {
					h++
				}
			}
			kids = append(kids, kid{h: float64(h), n: float64(n), mu: mu})
		}
		got := estimateKappa(kids)
		require.InEpsilon(t, want, got, 0.3, "κ %v", want)
	}
	// Children that agree with their parent beyond the binomial noise: pool fully.
	var same []kid
	for i := range 100 {
		same = append(same, kid{h: 20, n: 40, mu: 0.5 + float64(i%2)*1e-9})
	}
	require.Equal(t, float64(kappaMax), estimateKappa(same))
	// Too few children to tell.
	require.Equal(t, float64(kappaDefault), estimateKappa(same[:kappaMinChildren-1]))
}

func TestShrinkageByHand(t *testing.T) {
	// One form with 8 helpful and 2 unhelpful runs of one style: every level sees the same ten
	// ratings, and every κ is the default (too few children to estimate from).
	ev := NewEvidence()
	ev.Add(Observation{Host: "boards.greenhouse.io", SchemaHash: "h", Family: "greenhouse", Segment: SegmentSenior,
		StyleID: "a", Runs: 12, Helpful: 8, Unhelpful: 2})
	m := Fit(ev, Params{Policy: models.PolicyBayes})
	require.Equal(t, models.Kappas{Global: 20, Family: 20, Segment: 20, SegmentAcross: 20, Form: 20, FormNoFamily: 20,
		Discipline: 20, FormDiscipline: 20}, m.Kappas())

	// pooled prior Beta(9, 3): mean 0.75 over 12 → all forms: k = min(20, 12) = 12,
	// (8 + 12·0.75) / 22 = 17/22 → family: (8 + 20·17/22) / 30 → senior across families: the
	// same, so the segment's offset is family − all forms → (greenhouse, senior): parent is
	// family + offset, (8 + 20·parent) / 30 → form: (8 + 20·segment) / 30.
	root := 17.0 / 22
	fam := (8 + 20*root) / 30
	parent := fam + (fam - root)
	seg := (8 + 20*parent) / 30
	form := (8 + 20*seg) / 30
	c := m.Choose("boards.greenhouse.io", "h", "greenhouse", SegmentSenior)
	require.Equal(t, "a", *c.PreferredStyleID)
	p := c.Candidates[0].Posterior
	require.InDelta(t, form, p.Mean, 1e-4)
	require.InDelta(t, form*30, p.Alpha, 1e-3)
	require.InDelta(t, (1-form)*30, p.Beta, 1e-3)
	require.Equal(t, 1.0, p.PBest)
	lo, hi := distuv.Beta{Alpha: form * 30, Beta: (1 - form) * 30}.Quantile(0.05), distuv.Beta{Alpha: form * 30, Beta: (1 - form) * 30}.Quantile(0.95)
	require.InDelta(t, lo, p.Low, 1e-3)
	require.InDelta(t, hi, p.High, 1e-3)
	// Shares: the form keeps 10/30, the segment 10/30 of the rest, and so on up.
	require.InDelta(t, 1.0/3, p.Shares.Form, 1e-4)
	require.InDelta(t, 2.0/9, p.Shares.Segment, 1e-4)
	require.InDelta(t, 4.0/27, p.Shares.Family, 1e-4)
	require.InDelta(t, 8.0/27, p.Shares.Global, 1e-4)
	require.Equal(t, models.SourceForm, c.Source, "the form weighs most")
	require.Equal(t, models.ConfidencePriorOnly == c.Confidence, false)

	// A job of another segment on the same form has no local runs: prior only, from the
	// family and all forms.
	j := m.Choose("boards.greenhouse.io", "h", "greenhouse", SegmentIntern)
	require.Equal(t, models.ConfidencePriorOnly, j.Confidence)
	require.Zero(t, j.Candidates[0].Posterior.Shares.Form)
	require.Zero(t, j.Candidates[0].Posterior.Shares.Segment)
}

func TestDisciplineLevelByHand(t *testing.T) {
	// The same ten ratings, all of data jobs: the discipline level sits between (family,
	// senior) and the form's runs for (senior, data), each shrunk with the default κ.
	ev := NewEvidence()
	ev.Add(Observation{Host: "boards.greenhouse.io", SchemaHash: "h", Family: "greenhouse", Segment: SegmentSenior,
		Discipline: DisciplineData, StyleID: "a", Runs: 12, Helpful: 8, Unhelpful: 2})
	m := Fit(ev, Params{Policy: models.PolicyBayes})
	root := 17.0 / 22
	fam := (8 + 20*root) / 30
	parent := fam + (fam - root)
	seg := (8 + 20*parent) / 30
	formSeg := (8 + 20*seg) / 30
	disc := (8 + 20*seg) / 30
	form := (8 + 20*(disc+formSeg-seg)) / 30 // the parent: the discipline cell plus the form's leaning
	c := m.ChooseFor("boards.greenhouse.io", "h", "greenhouse", SegmentSenior, DisciplineData)
	require.Equal(t, "senior/data", c.SegmentKey)
	p := c.Candidates[0].Posterior
	require.InDelta(t, form, p.Mean, 1e-4)
	require.InDelta(t, 1.0/3, p.Shares.Form, 1e-4)
	require.InDelta(t, 2.0/9, p.Shares.Discipline, 1e-4)
	require.InDelta(t, 4.0/27, p.Shares.Segment, 1e-4)
	require.InDelta(t, 8.0/81, p.Shares.Family, 1e-4)
	require.InDelta(t, 16.0/81, p.Shares.Global, 1e-4)
	require.Equal(t, 10, c.Candidates[0].RatedRuns, "the form's runs for (senior, data)")

	// Without a discipline the choice is the segment's, with no discipline share.
	s := m.Choose("boards.greenhouse.io", "h", "greenhouse", SegmentSenior)
	require.Equal(t, "senior", s.SegmentKey)
	require.Zero(t, s.Candidates[0].Posterior.Shares.Discipline)
	require.InDelta(t, formSeg, s.Candidates[0].Posterior.Mean, 1e-4)

	// A discipline the form has not seen: no runs of its own, pooled from (family, senior)
	// and the form's leaning.
	u := m.ChooseFor("boards.greenhouse.io", "h", "greenhouse", SegmentSenior, DisciplineSales)
	require.Zero(t, u.Candidates[0].Posterior.Shares.Form)
	require.Zero(t, u.Candidates[0].Posterior.Shares.Discipline)
	require.Equal(t, "a", *u.PreferredStyleID)
	require.InDelta(t, formSeg, u.Candidates[0].Posterior.Mean, 1e-4, "the segment's estimate plus the form's leaning")

	// The threshold policy ignores the discipline.
	th := Fit(ev, Params{Policy: models.PolicyThreshold, Thresholds: models.Thresholds{Form: 5, Segment: 5, Family: 10}})
	require.Equal(t, th.Choose("boards.greenhouse.io", "h", "greenhouse", SegmentSenior),
		th.ChooseFor("boards.greenhouse.io", "h", "greenhouse", SegmentSenior, DisciplineData))
}

func TestWellMeasuredBeatsAHandfulOfRatings(t *testing.T) {
	// The case: 2 helpful / 0 unhelpful over 8 runs against 34 / 8 over 107 runs, on a
	// family whose styles are otherwise alike.
	ev := NewEvidence()
	add := func(host, style string, h, u int64) {
		ev.Add(Observation{Host: host, SchemaHash: "s", Family: "lever", Segment: SegmentDefault, StyleID: style, Runs: h + u, Helpful: h, Unhelpful: u})
	}
	add("jobs.lever.co", "lucky", 2, 0)
	add("jobs.lever.co", "solid", 34, 8)
	for i := range 30 { // other forms of the family: both styles middling
		host := string(rune('a'+i%26)) + "x.lever.co"
		add(host, "lucky", 4, 6)
		add(host, "solid", 5, 5)
	}
	m := Fit(ev, Params{Policy: models.PolicyBayes})
	c := m.Choose("jobs.lever.co", "s", "lever", SegmentDefault)
	require.Equal(t, "solid", *c.PreferredStyleID)
	th := Fit(ev, Params{Policy: models.PolicyThreshold, Thresholds: models.Thresholds{Form: 2, Segment: 5, Family: 10}})
	require.Equal(t, "lucky", *th.Choose("jobs.lever.co", "s", "lever", SegmentDefault).PreferredStyleID, "the ratio over 2 ratings wins under the original's rules")
}

func TestNoRatingsNoPick(t *testing.T) {
	ev := NewEvidence()
	ev.Add(Observation{Host: "jobs.lever.co", SchemaHash: "s", Family: "lever", StyleID: "a", Runs: 9})
	c := Fit(ev, Params{Policy: models.PolicyBayes, Styles: []string{"a", "b"}}).Choose("jobs.lever.co", "s", "lever", SegmentJunior)
	require.Equal(t, models.SourceNone, c.Source)
	require.Nil(t, c.PreferredStyleID)
	require.Empty(t, c.Candidates)
}

func TestExplainBayes(t *testing.T) {
	ev := NewEvidence()
	for i, hu := range [][2]int64{{30, 10}, {10, 12}} {
		ev.Add(Observation{Host: "boards.greenhouse.io", SchemaHash: "h", Family: "greenhouse", Segment: SegmentSenior,
			StyleID: []string{"concise_bullets_v2", "narrative_para_v1"}[i], Runs: hu[0] + hu[1], Helpful: hu[0], Unhelpful: hu[1]})
	}
	c := Fit(ev, Params{Policy: models.PolicyBayes}).Choose("boards.greenhouse.io", "h", "greenhouse", SegmentSenior)
	got := Explain(c, "greenhouse", models.Thresholds{})
	p := c.Candidates[0].Posterior
	require.Contains(t, got, fmt.Sprintf("concise_bullets_v2: %.0f%% likely best", p.PBest*100))
	require.Contains(t, got, fmt.Sprintf("%.0f%% of the evidence from this form", p.Shares.Form*100))
	require.Contains(t, got, fmt.Sprintf("%.0f%% greenhouse senior", p.Shares.Segment*100))
	require.Contains(t, got, "1 other style(s) compete")

	// A pair's choice names the discipline cell and the level apart.
	ev.Add(Observation{Host: "boards.greenhouse.io", SchemaHash: "h", Family: "greenhouse", Segment: SegmentSenior,
		Discipline: DisciplineData, StyleID: "narrative_para_v1", Runs: 20, Helpful: 18, Unhelpful: 2})
	c = Fit(ev, Params{Policy: models.PolicyBayes}).ChooseFor("boards.greenhouse.io", "h", "greenhouse", SegmentSenior, DisciplineData)
	got = Explain(c, "greenhouse", models.Thresholds{})
	p = c.Candidates[0].Posterior
	require.Positive(t, p.Shares.Discipline)
	require.Contains(t, got, fmt.Sprintf("%.0f%% greenhouse senior/data, %.0f%% greenhouse senior,", p.Shares.Discipline*100, p.Shares.Segment*100))
}

// leanOf is a fixed lean of a (family, segment, discipline, style), one of 0, 1/div, …,
// (mod−1)/div: a hash of the names, so that each cell leans to styles of its own.
func leanOf(mod int, div float64, parts ...string) float64 {
	h := 0
	for _, p := range parts {
		for _, r := range p {
			h = h*31 + int(r)
		}
	}
	return float64(h%mod) / div
}

// A hint keeps a (segment, discipline) entry only where its pick differs from the segment's
// (addPairs): served through ChoiceFor, every pair, seen on the form or not, must still get
// exactly the model's pick for it, and Pick (means only) must agree with the full choice.
func TestPairEntriesKeepEveryPick(t *testing.T) {
	rng := rand.New(rand.NewPCG(14, 1))
	styles := []string{"a", "b", "c"}
	families := []string{"greenhouse", "lever", ""}
	discs := Disciplines()[:6]
	// Each family, segment and discipline leans to a style of its own, so that pairs do differ.
	lean := func(parts ...string) float64 { return leanOf(7, 40, parts...) }
	ev := NewEvidence()
	type form struct{ host, family string }
	var forms []form
	for i := range 60 {
		f := form{fmt.Sprintf("f%d.example", i), families[i%len(families)]}
		forms = append(forms, f)
		for range 12 {
			seg, d, s := Segments()[rng.IntN(4)], discs[rng.IntN(len(discs))], styles[rng.IntN(3)]
			if f.family != "greenhouse" {
				d = discs[rng.IntN(2)] // fewer disciplines: some pairs have no cell at all
			}
			n := int64(1 + rng.IntN(6))
			var h int64
			for range n {
				if rng.Float64() < 0.4+lean(f.family, seg, d, s) {
					h++
				}
			}
			ev.Add(Observation{Host: f.host, SchemaHash: "s", Family: f.family, Segment: seg, Discipline: d,
				StyleID: s, Runs: n, Helpful: h, Unhelpful: n - h})
		}
	}
	m := Fit(ev, Params{Policy: models.PolicyBayes, Styles: styles})
	w := &window{ev: ev}
	entries, pairs := 0, 0
	for _, f := range forms {
		h := &models.StyleHint{BySegment: map[string]models.Choice{}}
		for _, seg := range Segments() {
			w.chooseSegment(h.BySegment, formKey{f.host, "s"}, f.family, seg, m)
		}
		entries += len(h.BySegment) - len(Segments())
		for _, seg := range Segments() {
			for _, d := range Disciplines() {
				pairs++
				want := m.ChooseFor(f.host, "s", f.family, seg, d)
				got, ok := ChoiceFor(h, seg, d)
				require.True(t, ok)
				require.Equal(t, *want.PreferredStyleID, *got.PreferredStyleID, "%s %s/%s", f.host, seg, d)
				if pick, ok := m.Pick(f.host, "s", f.family, seg, d); ok {
					require.Equal(t, *want.PreferredStyleID, pick, "%s %s/%s", f.host, seg, d)
				}
			}
		}
	}
	require.Positive(t, entries, "some pairs pick differently from their segment")
	require.Less(t, entries, pairs/4, "most pairs are served by their segment's entry")
}

// TestUnseenSegmentsShareTheirChoice: under bayes a run makes the choices of a segment a form
// has no run in (and of that segment's pairs) once per family and segment, and shares them
// (window.unseen). Every hint must be the one made form by form: forms that saw some segments,
// with and without disciplines, and forms that saw none, in families and in none.
func TestUnseenSegmentsShareTheirChoice(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 12))
	lean := func(parts ...string) float64 { return leanOf(11, 20, parts...) }
	styles := []string{"a", "b", "c", "d"}
	families := []string{"greenhouse", "lever", ""}
	discs := Disciplines()[:4]
	w := newWindow()
	var keys []formKey
	for i := range 90 {
		k := formKey{fmt.Sprintf("f%d.example", i), "s"}
		keys = append(keys, k)
		family := families[i%len(families)]
		for range rng.IntN(6) { // 0 to 5 cells: most forms see a segment or two
			seg := append(Segments(), "")[rng.IntN(5)]
			d := ""
			if rng.IntN(2) == 0 {
				d = discs[rng.IntN(len(discs))]
			}
			// Each (family, segment, discipline) leans to a style of its own, so that pairs keep
			// entries of their own.
			style := styles[rng.IntN(len(styles))]
			runs := int64(1 + rng.IntN(8))
			helpful := int64(0)
			for range runs {
				if rng.Float64() < 0.3+lean(family, seg, d, style) {
					helpful++
				}
			}
			w.add(cell{key: k, family: family, segment: seg, discipline: d, style: style,
				runs: runs, ok: runs, helpful: helpful, unhelpful: runs - helpful})
		}
	}
	model := Fit(w.ev, Params{Policy: models.PolicyBayes, Styles: styles})
	s := settings{days: 30, policy: models.PolicyBayes, thresholds: models.Thresholds{Form: 5, Segment: 5, Family: 10}, runID: "r"}
	now := time.Now()
	unseen := 0
	formOf := func(k formKey) *formAcc {
		if f, ok := w.forms[k]; ok {
			return f
		}
		return &formAcc{}
	}
	for _, k := range keys {
		f := formOf(k)
		for _, seg := range Segments() {
			if len(w.ev.formStyles(k, seg)) == 0 {
				unseen++
			}
		}
		w.noShare = true
		alone := w.profile(k, f, "", model, s, now)
		w.noShare = false
		shared := w.profile(k, f, "", model, s, now)
		require.Equal(t, *alone.hint, *shared.hint, "%v", k)
		require.Equal(t, hintDigest(alone.hint), hintDigest(shared.hint), "%v", k)
	}
	require.Greater(t, unseen, len(keys), "many segments are unseen")
	n, withPairs := 0, 0
	w.unseenMemo.Range(func(_, v any) bool {
		n++
		if len(v.(models.SegmentChoices)) > 1 {
			withPairs++
		}
		return true
	})
	require.Equal(t, len(families)*len(Segments()), n, "made once per family and segment")
	require.Positive(t, withPairs, "some shared segments carry pair entries")

	// A stored form with the blank key, which unseen plans as "no runs" (no writer of ours
	// stores one): nothing is shared, and its own hint is its own.
	blank := formKey{}
	w.add(cell{key: blank, family: "lever", segment: SegmentSenior, discipline: discs[0], style: "a", runs: 9, ok: 9, helpful: 9})
	model = Fit(w.ev, Params{Policy: models.PolicyBayes, Styles: styles})
	w.unseenMemo.Clear()
	for _, k := range append(keys[:9], blank) {
		w.noShare = true
		alone := w.profile(k, formOf(k), "", model, s, now)
		w.noShare = false
		require.Equal(t, *alone.hint, *w.profile(k, formOf(k), "", model, s, now).hint, "%v", k)
	}
}
