package learning

import (
	"cmp"
	"iter"
	"slices"
)

// Evidence is every style statistic a policy reads, at every level a form's hint can pool
// from: all forms, a host family, a (family, segment), a (family, segment, discipline), and
// one form by segment and by segment and discipline. The aggregator fills it from the window's events;
// simulate and tests fill it directly. Both policies (threshold and bayes) choose from it.
type Evidence struct {
	global   map[string]*styleAcc            // style → every run
	families map[string]map[string]*styleAcc // family → style
	famSegs  map[famSeg]map[string]*styleAcc // (family, segment) → style
	segments map[string]map[string]*styleAcc // segment → style, over every family and none
	forms    map[formKey]*formEvidence       // form → its runs by style, segment and discipline
	// The discipline level: (family, segment, discipline) cells; a form's runs by segment and
	// discipline are in its formEvidence. Runs with no discipline count at the levels above only.
	famSegDiscs map[famSegDisc]styleLevel
	cellDiscs   map[famSeg][]string // (family, segment) → the disciplines of its cells, sorted
}

// formEvidence is one form's statistics by style: over every segment (the threshold rules'
// form level), by segment ("" none) and by (segment, discipline), each sorted. A form has runs
// of a few styles in a few segments, so these are short slices: held as maps of maps (a map
// per form, per segment and per pair, and an allocation per style) they were most of a run's
// heap at 300,000 forms (the window read from 1M events took 1,100 MB of heap; 440 MB so).
type formEvidence struct {
	family string     // the family of its first observation
	all    styleRuns  // every segment
	segs   []segRuns  // by segment, sorted by segment
	discs  []discRuns // by (segment, discipline), sorted
}

type segRuns struct {
	segment string
	styles  styleRuns
}

type discRuns struct {
	pair   segDisc
	styles styleRuns
}

// styleRuns are a form's statistics at one level, by style, sorted by style.
type styleRuns []styleRun

type styleRun struct {
	style string
	acc   styleAcc
}

// get returns the statistics of style, or nil when the level has no run of it.
func (r styleRuns) get(style string) *styleAcc {
	for i := range r {
		if r[i].style == style {
			return &r[i].acc
		}
	}
	return nil
}

// add adds s to the statistics of style, keeping r sorted.
func (r *styleRuns) add(style string, s styleAcc) {
	i, found := slices.BinarySearchFunc(*r, style, func(e styleRun, style string) int { return cmp.Compare(e.style, style) })
	if !found {
		*r = insertExact(*r, i, styleRun{style: style})
	}
	(*r)[i].acc.add(s)
}

// each yields every style of the level with its statistics, in style order.
func (r styleRuns) each() iter.Seq2[string, *styleAcc] {
	return func(yield func(string, *styleAcc) bool) {
		for i := range r {
			if !yield(r[i].style, &r[i].acc) {
				return
			}
		}
	}
}

// segment returns the form's runs for one segment (nil: none), added to when add.
func (f *formEvidence) segment(segment string, add bool) *styleRuns {
	i, found := slices.BinarySearchFunc(f.segs, segment, func(e segRuns, s string) int { return cmp.Compare(e.segment, s) })
	if !found {
		if !add {
			return nil
		}
		f.segs = insertExact(f.segs, i, segRuns{segment: segment})
	}
	return &f.segs[i].styles
}

// pair returns the form's runs for one (segment, discipline) pair (nil: none), added to when add.
func (f *formEvidence) pair(p segDisc, add bool) *styleRuns {
	i, found := slices.BinarySearchFunc(f.discs, p, func(e discRuns, p segDisc) int { return compareSegDisc(e.pair, p) })
	if !found {
		if !add {
			return nil
		}
		f.discs = insertExact(f.discs, i, discRuns{pair: p})
	}
	return &f.discs[i].styles
}

// insertExact inserts v into s at i, in a new slice of exactly len(s)+1: a form's slices grow
// by one a few times while the window is read and are then held for the whole run, which
// would keep append's spare capacity (up to as much again) for every one of them.
func insertExact[T any](s []T, i int, v T) []T {
	out := make([]T, len(s)+1)
	copy(out, s[:i])
	out[i] = v
	copy(out[i+1:], s[i:])
	return out
}

func compareSegDisc(a, b segDisc) int {
	return cmp.Or(cmp.Compare(a.segment, b.segment), cmp.Compare(a.discipline, b.discipline))
}

// styleLevel is one level's statistics by style.
type styleLevel = map[string]*styleAcc

// famSeg names one (family, segment) cell of the segment level.
type famSeg struct{ family, segment string }

// segDisc is a (segment, discipline) pair; famSegDisc one cell of the discipline level.
type (
	segDisc    struct{ segment, discipline string }
	famSegDisc struct{ family, segment, discipline string }
)

// Observation is a number of runs of one style on one form, with their ratings and edits.
type Observation struct {
	Host, SchemaHash string
	Family           string // "" for a host in no family
	Segment          string // "" for a run with no segment
	Discipline       string // "" for a run with no discipline
	StyleID          string
	Runs             int64
	Helpful          int64
	Unhelpful        int64
	EditChars        int64 // sum of edit_chars over the EditRuns runs that reported it
	EditRuns         int64
}

// NewEvidence returns empty evidence.
func NewEvidence() *Evidence {
	return &Evidence{
		global:   map[string]*styleAcc{},
		families: map[string]map[string]*styleAcc{},
		famSegs:  map[famSeg]map[string]*styleAcc{},
		segments: map[string]map[string]*styleAcc{},
		forms:    map[formKey]*formEvidence{},

		famSegDiscs: map[famSegDisc]styleLevel{},
		cellDiscs:   map[famSeg][]string{},
	}
}

// Add counts an observation at every level it belongs to. Hosts in no family (companies' own
// career sites) are kept as the group "": the threshold rules give them no family or segment
// level, as the original did, while bayes pools them like a family, with a spread estimated
// from the data. Runs with no segment (no job title) form a segment of their own, "".
func (e *Evidence) Add(o Observation) {
	if o.StyleID == "" {
		return
	}
	s := styleAcc{runs: o.Runs, helpful: o.Helpful, unhelpful: o.Unhelpful, editSum: o.EditChars, editN: o.EditRuns}
	k := formKey{o.Host, o.SchemaHash}
	addTo(e.global, o.StyleID, s)
	f := e.forms[k]
	if f == nil {
		f = &formEvidence{family: o.Family}
		e.forms[k] = f
	}
	f.all.add(o.StyleID, s)
	f.segment(o.Segment, true).add(o.StyleID, s)
	addTo(levelOf(e.families, o.Family), o.StyleID, s)
	addTo(levelOf(e.segments, o.Segment), o.StyleID, s)
	addTo(levelOf(e.famSegs, famSeg{o.Family, o.Segment}), o.StyleID, s)
	if o.Discipline != "" {
		cell := famSegDisc{o.Family, o.Segment, o.Discipline}
		if _, ok := e.famSegDiscs[cell]; !ok {
			fs := famSeg{o.Family, o.Segment}
			discs := e.cellDiscs[fs]
			i, _ := slices.BinarySearch(discs, o.Discipline)
			e.cellDiscs[fs] = slices.Insert(discs, i, o.Discipline)
		}
		addTo(levelOf(e.famSegDiscs, cell), o.StyleID, s)
		f.pair(segDisc{o.Segment, o.Discipline}, true).add(o.StyleID, s)
	}
}

// levelOf returns m[k], creating it.
func levelOf[K comparable](m map[K]map[string]*styleAcc, k K) map[string]*styleAcc {
	l, ok := m[k]
	if !ok {
		l = map[string]*styleAcc{}
		m[k] = l
	}
	return l
}

// formStyles returns a form's statistics for one segment, or over all its runs for "".
func (e *Evidence) formStyles(k formKey, segment string) styleRuns {
	f := e.forms[k]
	if f == nil {
		return nil
	}
	if segment == "" {
		return f.all
	}
	if r := f.segment(segment, false); r != nil {
		return *r
	}
	return nil
}

// formPair returns a form's statistics for one segment and discipline.
func (e *Evidence) formPair(k formKey, p segDisc) styleRuns {
	if f := e.forms[k]; f != nil {
		if r := f.pair(p, false); r != nil {
			return *r
		}
	}
	return nil
}

// cellDisciplines lists the disciplines with runs in a (family, segment) cell, sorted.
func (e *Evidence) cellDisciplines(family, segment string) []string {
	return e.cellDiscs[famSeg{family, segment}]
}

// formDisciplines lists the (segment, discipline) pairs a form has runs of, sorted, with its
// runs of each.
func (e *Evidence) formDisciplines(k formKey) []discRuns {
	if f := e.forms[k]; f != nil {
		return f.discs
	}
	return nil
}
