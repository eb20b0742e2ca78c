package learning

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/models"
)

// profileRow is one profile as the run writes it.
type profileRow struct {
	id            string
	key           formKey
	family        string
	fields        models.StringMap
	keptFields    string // the stored map, written back as it is (a form with no events)
	successRate   *float64
	avgEditChars  *float64
	avgDurationMS *int
	eventCount    int64
	lastEventAt   *time.Time
	hint          *models.StyleHint
	hintJSON      []byte // hint as written (encodeHint); nil: encoded when written
	digest        string // its digest (encodeHint)
	createdAt     time.Time
	updatedAt     time.Time
	unchanged     bool // the stored row holds this already (hint and figures): not rewritten
}

// compareKeys orders forms by host, then schema hash: the order a run plans and writes them in.
func compareKeys(a, b formKey) int {
	return cmp.Or(cmp.Compare(a.host, b.host), cmp.Compare(a.schemaHash, b.schemaHash))
}

// runPlan is a run planned up to its profiles: the window read, the model fitted, the style
// weights found and the forms listed (each stored profile's, and each form of the window that
// has none yet, sorted). eachChunk plans the profiles s.chunkForms at a time against that one fit.
type runPlan struct {
	d     dialect
	since time.Time // the window's first day, read once (settings.since)
	w     *window
	model *Model
	s     settings
	now   time.Time
	keys  []formKey
	res   *result
}

// plan fits the model to the window and lists the forms to plan: stored holds the keys of the
// stored profiles.
func (w *window) plan(d dialect, since time.Time, stored []formKey, styles map[string]float64, s settings) *runPlan {
	keys := slices.Clone(stored)
	have := make(map[formKey]bool, len(stored))
	for _, k := range stored {
		have[k] = true
	}
	for k := range w.forms {
		if !have[k] {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, compareKeys)

	res := &result{
		eventsRead: w.events,
		forms:      len(keys),
		mix:        map[string]int{},
		choices:    map[choiceLabel]int{},
		weights:    map[string]float64{},
	}
	for _, src := range Sources() {
		res.mix[src] = 0
	}
	model := Fit(w.ev, Params{Policy: s.policy, Thresholds: s.thresholds, Styles: slices.Sorted(maps.Keys(styles))})
	for id, stored := range styles {
		acc := w.ev.global[id]
		if acc == nil {
			acc = &styleAcc{}
		}
		if wt := priorWeight(*acc); wt != stored {
			res.weights[id] = wt
		}
	}
	return &runPlan{d: d, since: since, w: w, model: model, s: s, now: s.now(), keys: keys, res: res}
}

// eachChunk plans the profiles s.chunkForms forms at a time, in key order: it reads the chunk's
// stored profiles, plans them (on every core), counts them into the result and hands write the
// rows that changed, then reports progress in forms. Only one chunk's rows (and the few stored
// hints it reads) are held at a time.
func (p *runPlan) eachChunk(tx *gorm.DB, write func(rows []profileRow) error, progress func(total, done int)) error {
	total := len(p.keys)
	size := p.s.chunkForms
	if size <= 0 {
		size = max(total, 1) // settings made outside a Runner: one chunk
	}
	progress(total, 0)
	for start := 0; start < total; start += size {
		keys := p.keys[start:min(start+size, total)]
		stored, err := readProfiles(tx, p.d, keys)
		if err != nil {
			return fmt.Errorf("read form profiles: %w", err)
		}
		if err := p.w.readVotes(tx, p.d, p.since, keys); err != nil {
			return fmt.Errorf("read the window's map votes: %w", err)
		}
		rows, err := p.planChunk(tx, keys, stored)
		if err != nil {
			return err
		}
		p.w.dropVotes(keys)
		if err := write(rows); err != nil {
			return err
		}
		progress(total, start+len(keys))
	}
	return nil
}

// formsUpTo is how many forms come before k in the run's order, k included: the progress of
// a run that has written k.
func (p *runPlan) formsUpTo(k formKey) int {
	i, _ := slices.BinarySearchFunc(p.keys, k, compareKeys)
	return i + 1
}

// planChunk plans the profiles of keys (stored: those of them that are stored), counts them
// into the result (hints changed, changed picks, source mix, choices) and returns the rows to
// write: those whose hint or figures changed.
//
// A planned hint is compared with the stored one by digest (the stored summary's): a stored
// hint itself, tens of kilobytes, is read and parsed only when the summary has no digest (an
// older writer) or a pick changed, whose entry in the run's diff says why from the old hint.
func (p *runPlan) planChunk(tx *gorm.DB, keys []formKey, stored map[formKey]*storedProfile) ([]profileRow, error) {
	rows := make([]profileRow, len(keys))
	same := make([]bool, len(keys))
	parallel(len(keys), func(i int) {
		rows[i] = p.w.planProfile(keys[i], stored[keys[i]], p.model, p.s, p.now)
		if old := stored[keys[i]]; old != nil && old.summary != nil && old.summary.Digest != "" {
			same[i] = old.summary.Digest == rows[i].digest
		}
	})
	var need []int
	var read []*storedProfile
	for i, k := range keys {
		old := stored[k]
		if old == nil || !old.hasHint || same[i] {
			continue
		}
		if old.summary == nil || old.summary.Digest == "" || picksMoved(old.summary, rows[i].hint) {
			need, read = append(need, i), append(read, old)
		}
	}
	if err := readHints(tx, p.d, read); err != nil {
		return nil, fmt.Errorf("read stored hints: %w", err)
	}
	changes := make([][]PickChange, len(keys))
	parallel(len(need), func(j int) {
		i := need[j]
		old := stored[keys[i]]
		was := decodeHint(old.hint)
		old.hint = nil
		if old.summary == nil || old.summary.Digest == "" {
			// No digest to trust: the stored hint's own, of its values as decoded (jsonb
			// reorders and respaces the JSON, not the values).
			same[i] = was != nil && hintDigest(was) == rows[i].digest
		}
		if !same[i] {
			changes[i] = pickChanges(keys[i], was, rows[i].hint)
		}
	})
	res := p.res
	changed := make([]profileRow, 0, len(rows))
	for i := range rows {
		r := &rows[i]
		if old := stored[keys[i]]; old == nil || !old.hasHint {
			changes[i] = pickChanges(keys[i], nil, r.hint) // a first hint: every pick is new
		}
		r.settle(stored[keys[i]], same[i])
		if !same[i] {
			res.hintsChanged++
			res.picks.note(changes[i])
		}
		res.mix[r.hint.Source]++
		res.choices[choiceLabel{r.hint.Source, r.family, r.hint.SegmentKey}]++
		if !r.unchanged {
			changed = append(changed, *r)
		}
	}
	res.written += len(changed)
	return changed, nil
}

// picksMoved reports whether a new hint picks another style than the stored summary for some
// segment: what pickChanges compares.
func picksMoved(old *hintSummary, h *models.StyleHint) bool {
	for _, seg := range Segments() {
		if deref(old.BySegment[seg].Preferred) != deref(h.BySegment[seg].PreferredStyleID) {
			return true
		}
	}
	return false
}

// planProfile computes one form's row, keeping what the stored profile (nil: none) holds that
// the window does not replace, and the digest of its hint.
func (w *window) planProfile(k formKey, old *storedProfile, model *Model, s settings, now time.Time) profileRow {
	f, ok := w.forms[k]
	if !ok {
		f = &formAcc{}
	}
	storedFamily := ""
	if old != nil {
		storedFamily = old.family
	}
	p := w.profile(k, f, storedFamily, model, s, now)
	if old != nil {
		p.id = old.id
		if f.runs == 0 {
			p.fields, p.keptFields = old.fields, old.fieldsJSON // no events in the window: the map stays
			p.lastEventAt = old.lastEventAt.Ptr()
		}
	}
	if p.fields == nil {
		p.fields = models.StringMap{}
	}
	storedDigest := ""
	if old != nil && old.summary != nil {
		storedDigest = old.summary.Digest
	}
	// The hint's bytes are kept only when it is not the stored one; a row written for its
	// figures alone, or after a failure here (the write encodes again, and says why), encodes
	// its hint when written.
	p.hintJSON, p.digest, _ = encodeHint(p.hint, func(digest string) bool { return digest != storedDigest })
	p.updatedAt = now
	return p
}

// settle keeps the stored row's updated_at when the row's hint (same) and figures are the
// stored ones, and marks it unchanged, not to be written, when the stored summary is of this
// build (it holds the digest; else the row is written once more, to store one).
func (p *profileRow) settle(old *storedProfile, same bool) {
	if old != nil && same && old.updatedAt.Valid && sameFigures(old, p) {
		p.updatedAt = old.updatedAt.Time
		p.unchanged = old.summary != nil && old.summary.Digest != ""
	}
}

// parallel calls fn(0) … fn(n−1) on every core, each index once; the calls must not depend on
// each other.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), max(n/64, 1))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				fn(i)
			}
		})
	}
	wg.Wait()
}

// profile computes one form's row from its events in the window.
func (w *window) profile(k formKey, f *formAcc, storedFamily string, model *Model, s settings, now time.Time) profileRow {
	p := profileRow{
		id:         uuid.Must(uuid.NewV7()).String(),
		key:        k,
		family:     formFamily(k.host, f.families, storedFamily),
		eventCount: f.runs,
		createdAt:  now,
	}
	if f.runs > 0 {
		p.fields = vote(f.votes)
		p.successRate = ptr(round(float64(f.ok)/float64(f.runs), 2)) // numeric(5,2)
		t := f.last
		p.lastEventAt = &t
	}
	if f.editN > 0 {
		p.avgEditChars = ptr(math.Min(round(float64(f.editSum)/float64(f.editN), 2), 99_999_999.99)) // numeric(10,2)
	}
	if f.durN > 0 {
		p.avgDurationMS = ptr(int(math.Round(float64(f.durSum) / float64(f.durN))))
	}

	h := &models.StyleHint{
		HostFamily: p.family,
		StyleStats: map[string]models.StyleStats{},
		Policy:     model.Policy(),
		Thresholds: s.thresholds,
		WindowDays: s.days,
		ComputedAt: now,
		RunID:      s.runID,
	}
	if model.Policy() == models.PolicyBayes {
		h.Kappas = ptr(model.Kappas())
	}
	for id, acc := range w.ev.formStyles(k, "").each() {
		h.StyleStats[id] = acc.stats(id, models.SourceForm, "")
	}
	// A hint for every segment, seen on this form or not: a form serves jobs of every level,
	// and a job of a level the form has not seen yet must get its own segment's hint, never
	// the hint made for the form's most common segment.
	h.BySegment = make(map[string]models.Choice, len(Segments()))
	for _, seg := range Segments() {
		if w.shares(k, seg, model) {
			maps.Copy(h.BySegment, w.unseen(p.family, seg, model))
			continue
		}
		w.chooseSegment(h.BySegment, k, p.family, seg, model)
	}
	if c, ok := h.BySegment[mostCommon(f.segments)]; ok {
		h.Choice = c
	} else {
		h.Choice = model.Choose(k.host, k.schemaHash, p.family, mostCommon(f.segments))
	}
	p.hint = h
	return p
}

// shares reports whether form k's choices for seg are unseen's shared ones: under bayes, for a
// segment the form has no run in, unless a stored form has the blank key unseen plans for (no
// writer of ours stores one) or sharing is off (noShare).
func (w *window) shares(k formKey, seg string, model *Model) bool {
	if model.Policy() != models.PolicyBayes || w.noShare || len(w.ev.formStyles(k, seg)) > 0 {
		return false
	}
	_, blank := w.ev.forms[formKey{}]
	return !blank
}

// chooseSegment adds a form's choice for one segment to out, and under bayes its pairs'
// (addPairs).
func (w *window) chooseSegment(out models.SegmentChoices, k formKey, family, seg string, model *Model) {
	out[seg] = model.Choose(k.host, k.schemaHash, family, seg)
	if model.Policy() == models.PolicyBayes {
		w.addPairs(out, k, family, seg, model)
	}
}

// unseen is, under bayes, a segment's choice and its pairs' for a form of the family with no
// run in the segment: they depend on the family and the segment alone (the form's level adds
// nothing to its parents, and its leaning for the segment's pairs is the same for every such
// form), so they are made once a run, for the form with no runs at all (formKey{}), and shared
// by every such form: in a long tail most forms have not seen most segments. The choices are
// shared, never changed once made. TestUnseenSegmentsShareTheirChoice requires every hint to
// be the one made without sharing.
func (w *window) unseen(family, seg string, model *Model) models.SegmentChoices {
	key := famSeg{family, seg}
	if c, ok := w.unseenMemo.Load(key); ok {
		return c.(models.SegmentChoices)
	}
	out := models.SegmentChoices{}
	w.chooseSegment(out, formKey{}, family, seg, model) // a form with no runs at all
	c, _ := w.unseenMemo.LoadOrStore(key, out)
	return c.(models.SegmentChoices)
}

// addPairs adds, under bayes, a hint for each (segment, discipline) pair of seg whose pick differs
// from its segment's, keyed "senior/data" (models.StyleHint.BySegment): ChoiceFor serves a
// pair with no entry its segment's hint, whose pick is then the pair's own. The pairs tried are
// those with runs in the family's (family, segment, discipline) cell, seen on this form or
// not: a pair the form has not seen is pooled from that cell (and the form's leaning), and a
// discipline with no runs in the cell has the segment's pick by construction. The pick is
// found from the posterior means first (Model.Pick); the full choice, with its quadrature, is
// made only for the pairs that keep an entry.
func (w *window) addPairs(out models.SegmentChoices, k formKey, family, seg string, model *Model) {
	base := out[seg].PreferredStyleID
	for _, d := range w.ev.cellDisciplines(family, seg) {
		if pick, ok := model.Pick(k.host, k.schemaHash, family, seg, d); ok && base != nil && pick == *base {
			continue
		}
		c := model.ChooseFor(k.host, k.schemaHash, family, seg, d)
		if c.PreferredStyleID != nil && (base == nil || *c.PreferredStyleID != *base) {
			out[CombinedSegment(seg, d)] = c
		}
	}
}

// formFamily is the family most of the form's events were stored with (a non-empty one on a
// tie), or, for a form with no events in the window, the family stored on its profile; a
// profile stored without one (by a writer older than the column, such as the original service
// during a switch) gets its host's, as every writer of ours stores it.
func formFamily(host string, families tally, stored string) string {
	if len(families) == 0 {
		if stored == "" {
			return Family(NormalizeHost(host))
		}
		return stored
	}
	best, bestN := "", int64(-1)
	for _, c := range families {
		if c.n > bestN || (c.n == bestN && c.name > best) {
			best, bestN = c.name, c.n
		}
	}
	return best
}

// sameFigures reports whether a stored profile already holds the row's figures, so that a run
// with no new data leaves updated_at alone.
func sameFigures(old *storedProfile, p *profileRow) bool {
	return (p.keptFields != "" || (old.fields != nil && maps.Equal(old.fields, p.fields))) &&
		sameFloat(old.successRate.Valid, old.successRate.Float64, p.successRate) &&
		sameFloat(old.avgEditChars.Valid, old.avgEditChars.Float64, p.avgEditChars) &&
		old.avgDurationMS.Valid == (p.avgDurationMS != nil) &&
		(p.avgDurationMS == nil || old.avgDurationMS.Int64 == int64(*p.avgDurationMS)) &&
		old.eventCount == p.eventCount &&
		old.lastEventAt.Valid == (p.lastEventAt != nil) &&
		(p.lastEventAt == nil || old.lastEventAt.Time.Equal(*p.lastEventAt))
}

func sameFloat(valid bool, v float64, p *float64) bool {
	if p == nil {
		return !valid
	}
	return valid && v == *p
}
