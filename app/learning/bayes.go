package learning

import (
	"cmp"
	"iter"
	"maps"
	"math"
	"slices"
	"strconv"
	"sync"

	"github.com/applylens/learning/app/models"
)

// The bayes policy: a rated run is a reward (helpful 1, unhelpful 0), and each style's helpful
// rate for a form and the requesting segment S is estimated by shrinking every level toward
// its parent, top-down:
//
//	all forms → family → (family, S) → this form's runs for S
//
// and, when the request names the job's discipline D as well (issue 14):
//
//	all forms → family → (family, S) → (family, S, D) → this form's runs for (S, D)
//
// where the last level's parent is (family, S, D) plus the form's own leaning over every
// discipline (its runs for S against (family, S)), so that a form's few runs of one discipline
// still inherit what its other runs say about the form. Where disciplines do not differ, κ of
// the discipline level comes out large and (family, S, D) is (family, S): the dimension costs
// nothing; where they do, it adds the discipline's evidence. A request with no discipline gets
// the first chain, exactly as before.
//
// Hosts in no family (career sites) pool as one more family, "": how much their forms share
// is estimated like everything else, so sites that are alike learn from each other and sites
// that are not fall back on their own runs.
// At each level the estimate is (helpful + k·parent) / (rated + k): k = κ of the level, the
// number of local rated runs that weigh as much as the parent, estimated from the data by the
// method of moments over the level's children (empirical Bayes), and never more than the
// parent's own evidence. The posterior of the rate is Beta(mean·c, (1−mean)·c) with
// c = rated + k, from which come the 90% interval, P(best) and the expected loss. The pick is
// the best posterior mean.

// Bounds and defaults of the estimated concentrations.
const (
	kappaMin = 1
	kappaMax = 10_000
	// kappaDefault is used at a level with too few children to estimate from.
	kappaDefault = 20
	// kappaMinChildren is how many children with two or more rated runs an estimate needs.
	kappaMinChildren = 8
	// ConfidentLoss is the expected loss under which a pick is called confident: choosing it
	// costs less than one point of helpful rate on average.
	ConfidentLoss = 0.01
)

// Params are what a model is fitted with.
type Params struct {
	Policy     string // models.PolicyBayes (default) or models.PolicyThreshold
	Thresholds models.Thresholds
	// Styles compete under bayes even with no runs yet (the gen_styles rows): a new style gets
	// the prior and so a chance to be explored.
	Styles []string
}

// Model chooses styles from evidence under one policy.
type Model struct {
	p      Params
	ev     *Evidence
	kappa  models.Kappas
	prior  betaPost // the root's prior: every style's rated runs pooled, Beta(helpful+1, unhelpful+1)
	rated  int64    // rated runs of every style
	styles []string // every candidate, sorted

	mu   sync.Mutex // Choose may be called from many goroutines
	memo map[string][]models.Posterior

	// The parents' nodes that many forms share, by style (m.styles' order): each level is
	// filled once its κ and its parents' are fitted, and read-only after Fit, so every chain
	// reads them instead of recomputing its parents. A cell with no runs is not stored: it is
	// computed when asked for.
	roots   []node
	famNs   map[string][]node
	segNs   map[famSeg][]node
	discNs  map[famSegDisc][]node
	styleIx map[string]int
}

// Fit prepares a model: under bayes it estimates the concentration of every level.
func Fit(ev *Evidence, p Params) *Model {
	if p.Policy == "" {
		p.Policy = models.PolicyBayes
	}
	m := &Model{p: p, ev: ev, memo: map[string][]models.Posterior{}}
	set := map[string]bool{}
	for _, s := range p.Styles {
		set[s] = true
	}
	for s := range ev.global {
		set[s] = true
	}
	m.styles = slices.Sorted(maps.Keys(set))
	var h, u int64
	for _, s := range m.styles {
		if a := ev.global[s]; a != nil {
			h, u = h+a.helpful, u+a.unhelpful
		}
	}
	m.prior, m.rated = betaPost{float64(h + 1), float64(u + 1)}, h+u
	m.styleIx = make(map[string]int, len(m.styles))
	for i, s := range m.styles {
		m.styleIx[s] = i
	}
	if p.Policy == models.PolicyBayes {
		m.fitKappas()
	}
	return m
}

// Kappas returns the fitted concentrations (zero under threshold).
func (m *Model) Kappas() models.Kappas { return m.kappa }

// Policy returns the model's policy.
func (m *Model) Policy() string { return m.p.Policy }

// node is one level's estimate of one style: its posterior mean and concentration, with the
// level's own rated runs and the weight k its parent got.
type node struct {
	mean, conc float64
	h, n       float64 // local helpful and rated runs
	k          float64 // the parent's weight: min(κ, parent's concentration)
	pm         float64 // the parent's mean
	off        float64 // added to the mean (the segment's effect across families), kept when leaving one out
}

// shrink estimates a level from its local counts and its parent.
func shrink(acc *styleAcc, kappa float64, parent node) node {
	var h, n float64
	if acc != nil {
		h, n = float64(acc.helpful), float64(acc.rated())
	}
	k := math.Min(kappa, parent.conc)
	return node{mean: (h + k*parent.mean) / (n + k), conc: n + k, h: h, n: n, k: k, pm: parent.mean}
}

// without is the node's mean and concentration without one child's runs (leave one out), for
// estimating κ without letting a child pull its own parent toward itself; ok is false when
// nothing is left.
func (n node) without(h, r float64) (mean, conc float64, ok bool) {
	d := n.n - r + n.k
	if d <= 0 {
		return 0, 0, false
	}
	return min(max((n.h-h+n.k*n.pm)/d+n.off, 0.001), 0.999), d, true
}

// rootNode is a style's estimate over all forms, shrunk toward every style's runs pooled.
func (m *Model) rootNode(style string) node {
	return shrink(m.ev.global[style], m.kappa.Global, m.priorNode())
}

func (m *Model) priorNode() node {
	c := m.prior.alpha + m.prior.beta
	return node{mean: m.prior.mean(), conc: c, h: m.prior.alpha - 1, n: c - 2, k: 2, pm: 0.5}
}

func (m *Model) familyNode(family, style string) node {
	return shrink(m.ev.families[family][style], m.kappa.Family, m.rootNode(style))
}

// segmentNode is the segment level's estimate: (family, S). Runs with no segment are the
// segment "". Its parent is the family plus the segment's effect over every family (a segment
// that likes a style tends to like it in every family): additive, so that a cell with few
// runs starts from both what its family and what its segment elsewhere say.
func (m *Model) segmentNode(family, segment, style string) node {
	return shrink(m.ev.famSegs[famSeg{family, segment}][style], m.kappa.Segment, m.segmentParent(family, segment, style))
}

func (m *Model) segmentParent(family, segment, style string) node {
	fam := m.familyNode(family, style)
	if m.kappa.SegmentAcross > 0 {
		root := m.rootNode(style)
		across := shrink(m.ev.segments[segment][style], m.kappa.SegmentAcross, root)
		fam.off = across.mean - root.mean
		fam.mean = min(max(fam.mean+fam.off, 0.001), 0.999)
	}
	return fam
}

// rootNodes, familyNodes, segmentNodes and disciplineNodes are a level's nodes for every
// style, from the cache when the cell has one.
func (m *Model) rootNodes() []node {
	if m.roots != nil {
		return m.roots
	}
	return m.nodesOf(m.rootNode)
}

func (m *Model) familyNodes(family string) []node {
	if ns, ok := m.famNs[family]; ok {
		return ns
	}
	return m.nodesOf(func(s string) node { return m.familyNode(family, s) })
}

func (m *Model) segmentNodes(family, segment string) []node {
	if ns, ok := m.segNs[famSeg{family, segment}]; ok {
		return ns
	}
	return m.nodesOf(func(s string) node { return m.segmentNode(family, segment, s) })
}

// disciplineNodes: the (family, S, D) cell's estimates, each shrunk toward (family, S).
func (m *Model) disciplineNodes(family, segment, discipline string) []node {
	if ns, ok := m.discNs[famSegDisc{family, segment, discipline}]; ok {
		return ns
	}
	segs := m.segmentNodes(family, segment)
	cell := m.ev.famSegDiscs[famSegDisc{family, segment, discipline}]
	out := make([]node, len(m.styles))
	for i, s := range m.styles {
		out[i] = shrink(cell[s], m.kappa.Discipline, segs[i])
	}
	return out
}

func (m *Model) nodesOf(f func(style string) node) []node {
	out := make([]node, len(m.styles))
	for i, s := range m.styles {
		out[i] = f(s)
	}
	return out
}

// formKappa is the form level's κ for a host of the family.
func (m *Model) formKappa(family string) float64 {
	if family == "" {
		return m.kappa.FormNoFamily
	}
	return m.kappa.Form
}

// chain is one style's estimate for a form and segment (and discipline), level by level;
// discipline is the zero node when none was asked for.
type chain struct {
	root, family, segment, discipline, form node
}

// chainsOnStack is how many styles' chains (or posteriors) a choice keeps on the stack: a run
// makes some thirty choices per form, and their chains, allocated, were a third of what a run
// allocated at 300,000 forms. More styles than this are allocated.
const chainsOnStack = 12

// chains are every style's chain (m.styles' order) for a form and segment (and discipline),
// in buf's array when it has room.
func (m *Model) chains(buf []chain, k formKey, family, segment, discipline string) []chain {
	roots, fams, segs := m.rootNodes(), m.familyNodes(family), m.segmentNodes(family, segment)
	var discs []node
	var formDisc styleRuns
	if discipline != "" {
		discs = m.disciplineNodes(family, segment, discipline)
		formDisc = m.ev.formPair(k, segDisc{segment, discipline})
	}
	formSeg, kf := m.ev.formStyles(k, segment), m.formKappa(family)
	out := slices.Grow(buf[:0], len(m.styles))[:len(m.styles)]
	for i, s := range m.styles {
		c := chain{root: roots[i], family: fams[i], segment: segs[i]}
		c.form = shrink(formSeg.get(s), kf, c.segment)
		if discipline != "" {
			c.discipline = discs[i]
			c.form = shrink(formDisc.get(s), m.kappa.FormDiscipline, formLeaning(c.discipline, c.form, c.segment))
		}
		out[i] = c
	}
	return out
}

// formLeaning is the parent of a form's runs for (S, D): the discipline cell plus how far the
// form's runs for S (every discipline) sit from (family, S).
func formLeaning(disc, formSeg, seg node) node {
	disc.off = formSeg.mean - seg.mean
	disc.mean = min(max(disc.mean+disc.off, 0.001), 0.999)
	return disc
}

// shares splits the final estimate by where its weight comes from: the form's own runs, then
// what the form left to its segment, and so on up to all forms (and the hyperprior).
func (c chain) shares() models.Shares {
	w := func(n node) float64 {
		if n.n == 0 {
			return 0
		}
		return n.n / (n.n + n.k)
	}
	var s models.Shares
	rest := 1.0
	s.Form, rest = rest*w(c.form), rest*(1-w(c.form))
	s.Discipline, rest = rest*w(c.discipline), rest*(1-w(c.discipline))
	s.Segment, rest = rest*w(c.segment), rest*(1-w(c.segment))
	s.Family, rest = rest*w(c.family), rest*(1-w(c.family))
	s.Global = rest
	return s
}

// largest is the level the shares weigh most (ties: the more specific level); none when no
// level has a rated run. The discipline level is a segment level (the combined segment
// "senior/data"): its source is segment, so the sources and the source mix keep their meaning.
func largest(s models.Shares, rated bool) string {
	if !rated {
		return models.SourceNone
	}
	best, src := s.Form, models.SourceForm
	for _, l := range []struct {
		v   float64
		src string
	}{{s.Discipline, models.SourceSegment}, {s.Segment, models.SourceSegment}, {s.Family, models.SourceFamily}, {s.Global, models.SourceGlobal}} {
		if l.v > best {
			best, src = l.v, l.src
		}
	}
	return src
}

// Choose picks the style for one segment of a form ("" for none) under the model's policy.
func (m *Model) Choose(host, schemaHash, family, segment string) models.Choice {
	return m.ChooseFor(host, schemaHash, family, segment, "")
}

// ChooseFor picks the style for one segment and discipline of a form ("" for none: the
// segment's choice over every discipline). The threshold policy ignores the discipline, as
// the original did; the choice's SegmentKey is the combined segment ("senior/data").
func (m *Model) ChooseFor(host, schemaHash, family, segment, discipline string) models.Choice {
	k := formKey{host, schemaHash}
	if m.p.Policy == models.PolicyThreshold {
		return m.threshold(k, family, segment)
	}
	return m.bayes(k, family, segment, discipline)
}

// bayes ranks every style by its posterior mean for the form, segment and discipline.
func (m *Model) bayes(k formKey, family, segment, discipline string) models.Choice {
	ch := models.Choice{Source: models.SourceNone, SegmentKey: CombinedSegment(segment, discipline), Candidates: []models.StyleStats{}}
	if len(m.styles) == 0 {
		return ch
	}
	var chainBuf [chainsOnStack]chain
	var postBuf [chainsOnStack]betaPost
	chains := m.chains(chainBuf[:0], k, family, segment, discipline)
	posts := postBuf[:0]
	for _, c := range chains {
		posts = append(posts, betaPost{alpha: c.form.mean * c.form.conc, beta: (1 - c.form.mean) * c.form.conc})
	}
	figures := m.posteriors(posts)
	local := m.ev.formStyles(k, segment)
	if discipline != "" {
		local = m.ev.formPair(k, segDisc{segment, discipline})
	}
	type cand struct {
		stats models.StyleStats
		acc   styleAcc
	}
	var candBuf [chainsOnStack]cand
	cands := slices.Grow(candBuf[:0], len(m.styles))[:len(m.styles)]
	anyRated := m.rated > 0
	for i, s := range m.styles {
		var acc styleAcc
		if a := local.get(s); a != nil {
			acc = *a
		}
		st := acc.stats(s, models.SourceForm, ch.SegmentKey)
		figures[i].Shares = roundShares(chains[i].shares())
		st.Posterior = &figures[i] // figures is this choice's own copy
		cands[i] = cand{stats: st, acc: acc}
	}
	if !anyRated {
		return ch
	}
	slices.SortFunc(cands, func(a, b cand) int {
		return cmp.Or(
			cmp.Compare(b.stats.Posterior.Mean, a.stats.Posterior.Mean),
			cmp.Compare(a.stats.Posterior.ExpectedLoss, b.stats.Posterior.ExpectedLoss),
			func() int {
				if better(candidate{a.stats.StyleID, a.acc}, candidate{b.stats.StyleID, b.acc}) {
					return -1
				}
				return 1
			}())
	})
	ch.Candidates = make([]models.StyleStats, len(cands))
	for i := range cands {
		cands[i].stats.IsWinner = i == 0
		ch.Candidates[i] = cands[i].stats
	}
	win := ch.Candidates[0]
	ch.PreferredStyleID = ptr(win.StyleID)
	sh := *win.Posterior
	ch.Shares = &sh.Shares
	ch.Source = largest(sh.Shares, true)
	switch {
	case sh.Shares.Form+sh.Shares.Discipline+sh.Shares.Segment == 0:
		ch.Confidence = models.ConfidencePriorOnly
	case sh.ExpectedLoss <= ConfidentLoss:
		ch.Confidence = models.ConfidenceConfident
	default:
		ch.Confidence = models.ConfidenceTentative
	}
	ch.RunsNeeded = ptr(runsNeeded(sh, chains[m.styleIx[win.StyleID]].form))
	return ch
}

// Pick is the style ChooseFor picks, from the posterior means alone (no quadrature): ok is
// false when it cannot tell without the full choice (two styles' means equal at the stored
// precision, where the expected loss decides) or when nothing is rated (no pick).
func (m *Model) Pick(host, schemaHash, family, segment, discipline string) (style string, ok bool) {
	if m.p.Policy != models.PolicyBayes || m.rated == 0 || len(m.styles) == 0 {
		return "", false
	}
	best, top, tie := -1, math.Inf(-1), false
	var buf [chainsOnStack]chain
	for i, c := range m.chains(buf[:0], formKey{host, schemaHash}, family, segment, discipline) {
		// The mean as the full choice rounds and ranks it: the posterior's alpha/(alpha+beta).
		mean := round(betaPost{alpha: c.form.mean * c.form.conc, beta: (1 - c.form.mean) * c.form.conc}.mean(), 4)
		switch {
		case mean > top:
			best, top, tie = i, mean, false
		case mean == top:
			tie = true
		}
	}
	if tie {
		return "", false
	}
	return m.styles[best], true
}

// runsNeeded estimates how many more rated runs on this form and segment bring the pick's
// expected loss under ConfidentLoss: the loss shrinks about as 1/√(concentration).
func runsNeeded(p models.Posterior, form node) int {
	if p.ExpectedLoss <= ConfidentLoss {
		return 0
	}
	r := p.ExpectedLoss / ConfidentLoss
	return int(math.Ceil(form.conc * (r*r - 1)))
}

// posteriors computes (or recalls: many forms share their parents' posteriors) the figures
// of a set of Beta posteriors, rounded for storage so that equal data gives equal hints.
func (m *Model) posteriors(posts []betaPost) []models.Posterior {
	var keyBuf [chainsOnStack * 50]byte // a float's shortest form is at most 24 bytes
	key := keyBuf[:0]
	for _, p := range posts {
		key = strconv.AppendFloat(key, p.alpha, 'g', -1, 64)
		key = append(key, ',')
		key = strconv.AppendFloat(key, p.beta, 'g', -1, 64)
		key = append(key, ';')
	}
	m.mu.Lock()
	out, ok := m.memo[string(key)] // looking up by string(key) does not copy it
	m.mu.Unlock()
	if ok {
		return slices.Clone(out)
	}
	pBest, loss, low, high := bestOf(posts)
	out = make([]models.Posterior, len(posts))
	for i, p := range posts {
		lo, hi := low[i], high[i]
		out[i] = models.Posterior{
			Mean: round(p.mean(), 4), Low: round(lo, 4), High: round(hi, 4),
			Alpha: round(p.alpha, 4), Beta: round(p.beta, 4),
			PBest: round(pBest[i], 4), ExpectedLoss: round(loss[i], 4),
		}
	}
	m.mu.Lock()
	m.memo[string(key)] = out
	m.mu.Unlock()
	return slices.Clone(out)
}

func roundShares(s models.Shares) models.Shares {
	return models.Shares{Form: round(s.Form, 4), Discipline: round(s.Discipline, 4), Segment: round(s.Segment, 4), Family: round(s.Family, 4), Global: round(s.Global, 4)}
}

// threshold is the original's rule: the first level at which some style has enough runs
// (form over every segment, then the segment within the form's family, then the family), the
// best of the styles that clear that level's threshold; or none.
func (m *Model) threshold(k formKey, family, segment string) models.Choice {
	type level struct {
		source, segment string
		styles          iter.Seq2[string, *styleAcc]
		min             int
	}
	th := m.p.Thresholds
	levels := []level{{source: models.SourceForm, styles: m.ev.formStyles(k, "").each(), min: th.Form}}
	if family != "" && segment != "" {
		levels = append(levels, level{models.SourceSegment, segment, maps.All(m.ev.famSegs[famSeg{family, segment}]), th.Segment})
	}
	if family != "" {
		levels = append(levels, level{source: models.SourceFamily, styles: maps.All(m.ev.families[family]), min: th.Family})
	}
	for _, l := range levels {
		cands := compete(l.styles, l.min)
		if len(cands) == 0 {
			continue
		}
		ch := models.Choice{Source: l.source, SegmentKey: segment, PreferredStyleID: ptr(cands[0].id)}
		for i, c := range cands {
			st := c.acc.stats(c.id, l.source, l.segment)
			st.IsWinner = i == 0
			ch.Candidates = append(ch.Candidates, st)
		}
		return ch
	}
	return models.Choice{Source: models.SourceNone, SegmentKey: segment, Candidates: []models.StyleStats{}}
}

// fitKappas estimates each level's κ from its children, top-down (each level's estimate needs
// its parents'): the styles under the pooled prior, families under all forms, (family,
// segment) cells under their family, and forms' segments under their segment.
func (m *Model) fitKappas() {
	m.kappa = models.Kappas{Global: kappaDefault, Family: kappaDefault, Segment: kappaDefault, Form: kappaDefault, FormNoFamily: kappaDefault,
		Discipline: kappaDefault, FormDiscipline: kappaDefault}
	var kids []kid
	prior := m.priorNode()
	for _, s := range m.styles {
		kids = appendKid(kids, m.ev.global[s], prior)
	}
	m.kappa.Global = estimateKappa(kids)
	m.roots = m.nodesOf(m.rootNode)

	kids = kids[:0]
	families := slices.Sorted(maps.Keys(m.ev.families))
	for _, f := range families {
		for i, s := range m.styles {
			kids = appendKid(kids, m.ev.families[f][s], m.roots[i])
		}
	}
	m.kappa.Family = estimateKappa(kids)
	m.famNs = make(map[string][]node, len(families))
	for _, f := range families {
		m.famNs[f] = m.familyNodes(f)
	}

	kids = kids[:0]
	for _, seg := range slices.Sorted(maps.Keys(m.ev.segments)) {
		for _, s := range m.styles {
			kids = appendKid(kids, m.ev.segments[seg][s], m.rootNode(s))
		}
	}
	m.kappa.SegmentAcross = estimateKappa(kids)

	kids = kids[:0]
	cells := slices.SortedFunc(maps.Keys(m.ev.famSegs), func(a, b famSeg) int {
		return cmp.Or(cmp.Compare(a.family, b.family), cmp.Compare(a.segment, b.segment))
	})
	for _, c := range cells {
		for _, s := range m.styles {
			kids = appendKid(kids, m.ev.famSegs[c][s], m.segmentParent(c.family, c.segment, s))
		}
	}
	m.kappa.Segment = estimateKappa(kids)
	m.segNs = make(map[famSeg][]node, len(cells))
	for _, c := range cells {
		m.segNs[c] = m.segmentNodes(c.family, c.segment)
	}

	kids = kids[:0]
	discCells := slices.SortedFunc(maps.Keys(m.ev.famSegDiscs), func(a, b famSegDisc) int {
		return cmp.Or(cmp.Compare(a.family, b.family), cmp.Compare(a.segment, b.segment), cmp.Compare(a.discipline, b.discipline))
	})
	for _, c := range discCells {
		segs := m.segmentNodes(c.family, c.segment)
		for i, s := range m.styles {
			kids = appendKid(kids, m.ev.famSegDiscs[c][s], segs[i])
		}
	}
	m.kappa.Discipline = estimateKappa(kids)
	m.discNs = make(map[famSegDisc][]node, len(discCells))
	for _, c := range discCells {
		m.discNs[c] = m.disciplineNodes(c.family, c.segment, c.discipline)
	}

	// Forms of a family and forms of hosts in no family are estimated apart: the latter's
	// parent pools every family, so they spread around it more.
	var inFamily, noFamily []kid
	forms := slices.SortedFunc(maps.Keys(m.ev.forms), compareKeys)
	for _, k := range forms {
		f := m.ev.forms[k]
		for _, seg := range f.segs {
			segs := m.segmentNodes(f.family, seg.segment)
			for i, s := range m.styles {
				parent := segs[i]
				if f.family == "" {
					noFamily = appendKid(noFamily, seg.styles.get(s), parent)
				} else {
					inFamily = appendKid(inFamily, seg.styles.get(s), parent)
				}
			}
		}
	}
	m.kappa.Form, m.kappa.FormNoFamily = estimateKappa(inFamily), estimateKappa(noFamily)

	// A form's runs for (S, D) under its discipline cell and its own leaning: needs the form
	// level's κ above.
	kids = kids[:0]
	for _, k := range forms {
		family := m.ev.forms[k].family
		for _, d := range m.ev.formDisciplines(k) {
			p := d.pair
			segs, discs := m.segmentNodes(family, p.segment), m.disciplineNodes(family, p.segment, p.discipline)
			formSegs := m.ev.formStyles(k, p.segment)
			for i, s := range m.styles {
				formSeg := shrink(formSegs.get(s), m.formKappa(family), segs[i])
				kids = appendKid(kids, d.styles.get(s), formLeaning(discs[i], formSeg, segs[i]))
			}
		}
	}
	m.kappa.FormDiscipline = estimateKappa(kids)
}

// kid is one child's rated runs, and its parent's mean without them with that mean's
// posterior variance.
type kid struct{ h, n, mu, vp float64 }

func appendKid(kids []kid, acc *styleAcc, parent node) []kid {
	if acc == nil || acc.rated() == 0 {
		return kids
	}
	h, n := float64(acc.helpful), float64(acc.rated())
	mu, conc, ok := parent.without(h, n)
	if !ok {
		return kids
	}
	mu = min(max(mu, 1e-6), 1-1e-6)
	return append(kids, kid{h: h, n: n, mu: mu, vp: mu * (1 - mu) / (conc + 1)})
}

// informative counts the children with two or more rated runs.
func informative(kids []kid) int {
	n := 0
	for _, c := range kids {
		if c.n >= 2 {
			n++
		}
	}
	return n
}

// estimateKappa is the method-of-moments estimate of a Beta-binomial concentration: children
// with true rates θ ~ Beta(μκ, (1−μ)κ) around their parent's μ give
// E[Σ n(p − μ̂)²] = Σ μ(1−μ)·(1 + (n−1)ρ) + Σ n·Var(μ̂) with ρ = 1/(κ+1), solved for ρ; the
// last term is the parent's own uncertainty, which would otherwise pass for spread between
// the children. No spread beyond the noise means the children are alike: κ at its maximum
// (pool fully). Too few children to tell give kappaDefault.
func estimateKappa(kids []kid) float64 {
	var s, a, b float64
	for _, c := range kids {
		p := c.h / c.n
		v := c.mu * (1 - c.mu)
		s += c.n * (p - c.mu) * (p - c.mu)
		a += v + c.n*c.vp
		b += v * (c.n - 1)
	}
	if informative(kids) < kappaMinChildren || b <= 0 {
		return kappaDefault
	}
	rho := (s - a) / b
	if rho <= 1/(kappaMax+1.0) {
		return kappaMax
	}
	return round(min(max(1/rho-1, kappaMin), kappaMax), 4)
}
