package learning

import (
	"cmp"
	"maps"
	"slices"
)

// Evidence is every style statistic a policy reads, at every level a form's hint can pool
// from: all forms, a host family, a (family, segment), a (family, segment, discipline), and
// one form by segment and by segment and discipline. The aggregator fills it from the window's events;
// simulate and tests fill it directly. Both policies (threshold and bayes) choose from it.
type Evidence struct {
	global     map[string]*styleAcc              // style → every run
	families   map[string]map[string]*styleAcc   // family → style
	famSegs    map[famSeg]map[string]*styleAcc   // (family, segment) → style
	segments   map[string]map[string]*styleAcc   // segment → style, over every family and none
	forms      map[formKey]map[string]styleLevel // form → segment ("" none) → style
	formAll    map[formKey]map[string]*styleAcc  // form → style, every segment: the threshold rules' form level
	formFamily map[formKey]string                // form → the family of its first observation
	// The discipline level: (family, segment, discipline) cells, and a form's runs by segment
	// and discipline. Runs with no discipline count at the levels above only.
	famSegDiscs map[famSegDisc]styleLevel
	formDiscs   map[formKey]map[segDisc]styleLevel
	cellDiscs   map[famSeg][]string // (family, segment) → the disciplines of its cells, sorted
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
		global:     map[string]*styleAcc{},
		families:   map[string]map[string]*styleAcc{},
		famSegs:    map[famSeg]map[string]*styleAcc{},
		segments:   map[string]map[string]*styleAcc{},
		forms:      map[formKey]map[string]styleLevel{},
		formAll:    map[formKey]map[string]*styleAcc{},
		formFamily: map[formKey]string{},

		famSegDiscs: map[famSegDisc]styleLevel{},
		formDiscs:   map[formKey]map[segDisc]styleLevel{},
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
	addTo(levelOf(e.formAll, k), o.StyleID, s)
	segs := e.forms[k]
	if segs == nil {
		e.formFamily[k] = o.Family
		segs = map[string]styleLevel{}
		e.forms[k] = segs
	}
	if segs[o.Segment] == nil {
		segs[o.Segment] = styleLevel{}
	}
	addTo(segs[o.Segment], o.StyleID, s)
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
		byDisc := e.formDiscs[k]
		if byDisc == nil {
			byDisc = map[segDisc]styleLevel{}
			e.formDiscs[k] = byDisc
		}
		addTo(levelOf(byDisc, segDisc{o.Segment, o.Discipline}), o.StyleID, s)
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
func (e *Evidence) formStyles(k formKey, segment string) styleLevel {
	if segment == "" {
		return e.formAll[k]
	}
	return e.forms[k][segment]
}

// cellDisciplines lists the disciplines with runs in a (family, segment) cell, sorted.
func (e *Evidence) cellDisciplines(family, segment string) []string {
	return e.cellDiscs[famSeg{family, segment}]
}

// formDisciplines lists the (segment, discipline) pairs a form has runs of.
func (e *Evidence) formDisciplines(k formKey) []segDisc {
	return slices.SortedFunc(maps.Keys(e.formDiscs[k]), func(a, b segDisc) int {
		return cmp.Or(cmp.Compare(a.segment, b.segment), cmp.Compare(a.discipline, b.discipline))
	})
}
