package seeds

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
)

// Defaults of the demo: a lively dashboard in a few seconds.
const (
	DefaultEvents = 20_000
	DefaultDays   = 30
	DefaultUsers  = 25
	DefaultSeed   = 1

	// Epsilon is the share of runs the simulated extension spends exploring a style other than
	// its preferred one (epsilon-greedy, as the real extension does).
	Epsilon = 0.15

	// eventsPerForm sets the number of forms when Options.Forms is zero.
	eventsPerForm = 32
	// maxEvents bounds one seeding run (about 10 GB of Postgres at the upper end).
	maxEvents = 20_000_000
)

// Options configure the demo generator and the seeding run. The generator is deterministic:
// the same Seed, sizes and Now give the same users, forms and events (ids included: they are
// UUIDv7 made of the event's time and the random stream).
type Options struct {
	Events int       // autofill events to make (0 with Reset: only delete the demo data)
	Days   int       // days the events spread over, ending at Now (default 30)
	Users  int       // demo users (default 25)
	Forms  int       // forms (default: one per 32 events)
	Seed   uint64    // the random seed, used as given (the CLI defaults to 1)
	Now    time.Time // end of the window (default: the current time, to the second)

	// FlatDisciplines makes a truth in which the job's discipline changes nothing (by default
	// it matters in disciplineFamilies), to check that the discipline level costs nothing there.
	FlatDisciplines bool

	Reset    bool                  // delete the existing demo data first
	Force    bool                  // add demo data even beside the events of real users
	Progress func(done, total int) // called now and then as events are written
	Notify   func(msg string)      // told of slow steps other than writing events
}

// withDefaults fills zero sizes with the defaults and checks ranges.
func (o Options) withDefaults() (Options, error) {
	if o.Days == 0 {
		o.Days = DefaultDays
	}
	if o.Users == 0 {
		o.Users = DefaultUsers
	}
	if o.Now.IsZero() {
		o.Now = time.Now().UTC().Truncate(time.Second)
	}
	o.Now = o.Now.UTC()
	var errs []error
	if o.Events < 0 || o.Events > maxEvents {
		errs = append(errs, fmt.Errorf("events must be between 0 and %d (got %d)", maxEvents, o.Events))
	}
	if o.Days < 1 || o.Days > 3650 {
		errs = append(errs, fmt.Errorf("days must be between 1 and 3650 (got %d)", o.Days))
	}
	if o.Users < 1 || o.Users > 10_000 {
		errs = append(errs, fmt.Errorf("users must be between 1 and 10000 (got %d)", o.Users))
	}
	if o.Forms < 0 || (o.Events > 0 && o.Forms > o.Events) {
		errs = append(errs, fmt.Errorf("forms must be between 0 (automatic) and the number of events (got %d)", o.Forms))
	}
	if o.Forms == 0 {
		o.Forms = max(1, int(math.Round(float64(o.Events)/eventsPerForm)))
	}
	return o, errors.Join(errs...)
}

// segment indexes: the four segments, then none.
const (
	segIntern = iota
	segJunior
	segSenior
	segDefault
	segNone
	numSegs
)

var segKeys = [numSegs]string{learning.SegmentIntern, learning.SegmentJunior, learning.SegmentSenior, learning.SegmentDefault, ""}

func segIndex(key string) int {
	for i, k := range segKeys {
		if k == key {
			return i
		}
	}
	return segNone
}

// segName is a segment's name in the ground truth ("none" for no segment).
func segName(i int) string {
	if i == segNone {
		return "none"
	}
	return segKeys[i]
}

// Form is one (host, schema_hash) of the demo with everything the generator decided about it.
type Form struct {
	Host       string
	SchemaHash string
	Family     string // "" for a company's own careers site
	Company    string
	// Source is the level the aggregator should take this form's style hint from, by design:
	// form (many runs), segment (a few runs, jobs in a family with data), family (a few runs,
	// no job), none (a few runs on a host in no family).
	Source string
	Events int

	fields   map[string]string // selector → canonical field
	question string            // the free-text field whose edits per_field reports
	segCum   [4]float64        // cumulative segment mix of its jobs
	noJob    float64           // share of its runs with no job
	flaky    bool              // its selectors often break: a low success rate
	durBase  float64           // typical run duration in ms
	pref     [numSegs]int      // style index the simulated extension exploits, by segment
	rates    [numSegs][]float64
	discEff  map[string][]float64 // discipline → style → added to rates (nil: discipline does not matter)
	maps     [3]string            // field-map JSON variants: canonical, two fields swapped, one field missing
	invalid  [2]string            // validation_errors JSON of failed runs
}

// DemoUser is a demo user the generator makes.
type DemoUser struct {
	ID    string
	Email string
	Name  string
}

// World is the deterministic plan of one demo: users, forms, ground truth, and the random
// stream that goes on to make the events.
type World struct {
	Opts  Options
	Users []DemoUser
	Forms []*Form

	rng      *rand.Rand
	start    time.Time
	userCum  []float64
	hourCnt  []int // events per hour of the window
	slots    []int32
	famRates map[string][numSegs][]float64   // family → segment → style → rate without form deviation
	discEff  map[string]map[string][]float64 // family → discipline → style → added to the rate
	titles   [4][]titleSeg
}

type titleSeg struct {
	job Job
	seg int
}

// NewWorld plans a demo. It makes no events yet: Generator does, from the same random stream.
func NewWorld(opts Options) (*World, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	w := &World{
		Opts:  opts,
		rng:   rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x61706c796c656e73)), // "aplylens"
		start: opts.Now.Add(-time.Duration(opts.Days) * 24 * time.Hour),
	}
	w.planTitles()
	w.planUsers()
	w.planFamilies()
	w.planDisciplines()
	if opts.Events > 0 {
		w.planForms()
		w.planCounts()
		w.planTimes()
		w.planSlots()
	}
	return w, nil
}

// planTitles classifies every catalog title once, as the ingest path would.
func (w *World) planTitles() {
	for i := range 4 {
		for _, j := range jobTitles[segKeys[i]] {
			w.titles[i] = append(w.titles[i], titleSeg{job: j, seg: segIndex(learning.SegmentFromJob(j.Title, j.NormalizedTitle))})
		}
	}
}

var firstNames = []string{"Avery", "Jordan", "Riley", "Casey", "Morgan", "Taylor", "Quinn", "Harper", "Rowan", "Emerson",
	"Sasha", "Noa", "Priya", "Mateo", "Amara", "Kenji", "Lena", "Omar", "Ines", "Tomás", "Yuki", "Zara", "Malik", "Elif", "Dana"}
var lastNames = []string{"Chen", "Patel", "Garcia", "Okafor", "Novak", "Kim", "Silva", "Haddad", "Müller", "Rossi",
	"Nguyen", "Cohen", "Andersen", "Kowalski", "Tanaka", "Dubois", "Singh", "Moreau", "Ivanova", "Mensah"}

func (w *World) planUsers() {
	r := w.rng
	total := 0.0
	for i := range w.Opts.Users {
		first, last := firstNames[i%len(firstNames)], lastNames[(i*7+i/len(firstNames))%len(lastNames)]
		local := strings.ToLower(asciiFold(first) + "." + asciiFold(last))
		if i >= len(firstNames) {
			local += fmt.Sprintf("%d", i/len(firstNames)+1)
		}
		w.Users = append(w.Users, DemoUser{
			ID:    fmt.Sprintf("demo-%016x", r.Uint64()),
			Email: local + "@demo.applylens.test",
			Name:  first + " " + last,
		})
		// Some people apply a lot: a Zipf-like share of the runs.
		total += 1 / math.Pow(float64(i+1), 0.9)
		w.userCum = append(w.userCum, total)
	}
	for i := range w.userCum {
		w.userCum[i] /= total
	}
}

func asciiFold(s string) string {
	return strings.NewReplacer("á", "a", "ü", "u", "ö", "o").Replace(s)
}

// planFamilies draws the truth of every (family, segment, style) and keeps it, without form
// deviations. It is hard on purpose, as real data is: on top of the styles' leanings each
// family shifts each style (familySpread) and each (family, segment, style) has its own
// interaction (cellSpread), so true rates spread widely and the best style differs by family
// and segment; forms then deviate only a little (formSpread).
func (w *World) planFamilies() {
	w.famRates = map[string][numSegs][]float64{}
	for _, fc := range families {
		var cells [numSegs][]float64
		eff := make([]float64, len(styleIDs))
		for k, s := range styleIDs {
			eff[k] = familyLeaning[fc.family][s] + w.rng.NormFloat64()*familySpread
		}
		for seg := range numSegs {
			cells[seg] = make([]float64, len(styleIDs))
			for k, s := range styleIDs {
				cells[seg][k] = clamp(styleBase[s]+segmentEffect[segKeys[seg]][s]+eff[k]+w.rng.NormFloat64()*cellSpread, 0.05, 0.95)
			}
		}
		w.famRates[fc.family] = cells
	}
}

// planDisciplines draws, for each family of disciplineFamilies, how much each discipline's
// jobs shift each style's rate (a data scientist and an account executive answer "why this
// role?" differently there). It uses a stream of its own, so the rest of the demo (forms,
// counts, times, titles) is the same with and without it.
func (w *World) planDisciplines() {
	w.discEff = map[string]map[string][]float64{}
	if w.Opts.FlatDisciplines {
		return
	}
	r := rand.New(rand.NewPCG(w.Opts.Seed, 0x6469736369706c)) // "discipl"
	for _, fam := range disciplineFamilies {
		byDisc := map[string][]float64{}
		for _, d := range learning.Disciplines() {
			eff := make([]float64, len(styleIDs))
			for k := range eff {
				eff[k] = r.NormFloat64() * disciplineSpread
			}
			byDisc[d] = eff
		}
		w.discEff[fam] = byDisc
	}
}

// disciplineFamilies are the families whose truth depends on the job's discipline; in the
// others (and on career sites) it does not.
var disciplineFamilies = []string{"greenhouse", "lever", "ashby", "smartrecruiters"}

// Spreads (standard deviations) of the ground truth's random effects.
const (
	familySpread     = 0.06
	cellSpread       = 0.10
	formSpread       = 0.02
	disciplineSpread = 0.10
)

// Tier shares of the forms, by the source their hint is designed to come from. Their event
// counts (a long tail of sparse forms, Zipf-like popular ones) do the rest.
var tierShares = []struct {
	source string
	share  float64
}{
	{models.SourceForm, 0.35}, {models.SourceSegment, 0.25}, {models.SourceFamily, 0.25}, {models.SourceNone, 0.15},
}

// familiesWithSegments are the families whose segments have data enough for sparse forms to
// take a segment-level hint.
var familiesWithSegments = []string{"greenhouse", "lever", "workday", "ashby", "smartrecruiters"}

func (w *World) planForms() {
	r := w.rng
	n := w.Opts.Forms
	shares := make([]float64, len(tierShares))
	for i, t := range tierShares {
		shares[i] = t.share
	}
	counts := apportion(n, shares)
	if counts[0] == 0 { // a tiny demo still gets one form with enough runs, in place of another
		j := argmax(counts)
		counts[0], counts[j] = 1, counts[j]-1
	}
	companies := map[string][]*company{}
	usedSlugs := map[string]bool{}
	hashes := map[string]bool{}
	atsFamilies := familyNames(false)
	for ti, t := range tierShares {
		for i := range counts[ti] {
			var fc *familyCatalog
			switch t.source {
			case models.SourceForm:
				if i < len(families) { // every family gets popular forms
					fc = &families[i]
				} else {
					fc = pickFamily(r, nil)
				}
			case models.SourceSegment:
				fc = pickFamily(r, familiesWithSegments)
			case models.SourceFamily:
				fc = pickFamily(r, atsFamilies)
			default:
				fc = familyByName(customFamily)
			}
			co := pickCompany(r, fc, companies, usedSlugs)
			f := w.newForm(fc, co, t.source)
			for hashes[f.Host+"\x00"+f.SchemaHash] {
				f.SchemaHash = hexString(r, 16)
			}
			hashes[f.Host+"\x00"+f.SchemaHash] = true
			w.Forms = append(w.Forms, f)
		}
	}
}

type company struct {
	slug string
	host string
	lean [4]float64 // multiplies the segment shares of its jobs
}

func familyNames(withCustom bool) []string {
	var out []string
	for _, f := range families {
		if f.family != customFamily || withCustom {
			out = append(out, f.family)
		}
	}
	return out
}

func familyByName(name string) *familyCatalog {
	for i := range families {
		if families[i].family == name {
			return &families[i]
		}
	}
	panic("seeds: unknown family " + name)
}

// pickFamily draws a family by weight among names (all when nil).
func pickFamily(r *rand.Rand, names []string) *familyCatalog {
	total := 0.0
	for _, f := range families {
		if names == nil || slices.Contains(names, f.family) {
			total += f.weight
		}
	}
	x := r.Float64() * total
	var last *familyCatalog
	for i, f := range families {
		if names != nil && !slices.Contains(names, f.family) {
			continue
		}
		last = &families[i]
		if x -= f.weight; x < 0 {
			break
		}
	}
	return last
}

// pickCompany reuses one of the family's companies (popular ones more often) or starts a new one.
func pickCompany(r *rand.Rand, fc *familyCatalog, companies map[string][]*company, used map[string]bool) *company {
	list := companies[fc.family]
	if len(list) > 0 && r.Float64() < 0.45 {
		// The first companies are the likeliest to get another form (a few have several).
		i := int(math.Floor(float64(len(list)) * math.Pow(r.Float64(), 1.6)))
		return list[min(i, len(list)-1)]
	}
	slug := ""
	for i := 0; slug == "" || used[slug]; i++ {
		name := companyNames[r.IntN(len(companyNames))]
		switch {
		case i < 3 && r.Float64() < 0.5:
			slug = name
		case i < 20:
			slug = name + "-" + companySuffixes[r.IntN(len(companySuffixes))]
		default:
			slug = fmt.Sprintf("%s-%d", name, r.IntN(100_000))
		}
	}
	used[slug] = true
	co := &company{slug: slug}
	x := r.Float64()
	for _, h := range fc.hosts {
		co.host = h.pattern
		if x -= h.weight; x < 0 {
			break
		}
	}
	host := strings.ReplaceAll(co.host, "{c}", strings.ReplaceAll(slug, "-", ""))
	co.host = learning.NormalizeHost(host)
	for i := range co.lean {
		co.lean[i] = math.Exp(r.NormFloat64() * 0.25)
	}
	companies[fc.family] = append(list, co)
	return co
}

func (w *World) newForm(fc *familyCatalog, co *company, source string) *Form {
	r := w.rng
	f := &Form{
		Host:       co.host,
		SchemaHash: hexString(r, 16),
		Family:     learning.Family(co.host),
		Company:    co.slug,
		Source:     source,
		fields:     map[string]string{},
		flaky:      source == models.SourceForm && r.Float64() < 0.03,
	}
	// Fields: the family's usual ones (contact and resume always), then 1–3 free-text questions.
	keys := make([]string, 0, len(fc.selectors))
	for field := range fc.selectors {
		keys = append(keys, field)
	}
	slices.Sort(keys)
	for _, field := range keys {
		switch field {
		case "email", "resume", "first_name", "last_name", "full_name":
		default:
			if r.Float64() < 0.35 {
				continue
			}
		}
		f.fields[fc.selectors[field]] = field
	}
	nq := 1 + r.IntN(3)
	perm := r.Perm(len(questionFields))
	for i := range nq {
		q := questionFields[perm[i]]
		if i == 0 {
			f.question = q
		}
		f.fields[fmt.Sprintf(fc.question, 2+i+r.IntN(6)*10)] = q
	}
	f.durBase = 900 + 160*float64(len(f.fields))

	// Jobs: the company's lean on the common segment mix, and how often the page shows no job.
	total := 0.0
	for i, share := range segmentShare {
		total += share * co.lean[i]
		f.segCum[i] = total
	}
	for i := range f.segCum {
		f.segCum[i] /= total
	}
	switch source {
	case models.SourceForm:
		f.noJob = 0.03
	case models.SourceFamily:
		f.noJob = 1
	case models.SourceNone:
		f.noJob = 0.05
	}

	// Ground truth: the family's rates plus this form's own deviation per style.
	dev := make([]float64, len(styleIDs))
	for k := range dev {
		dev[k] = r.NormFloat64() * formSpread
	}
	fam := w.famRates[fc.family]
	f.discEff = w.discEff[fc.family]
	for seg := range numSegs {
		f.rates[seg] = make([]float64, len(styleIDs))
		for k := range styleIDs {
			f.rates[seg][k] = clamp(fam[seg][k]+dev[k], 0.05, 0.95)
		}
	}

	// The style the extension exploits: a poor earlier policy's favourite, drawn with no regard
	// to the truth and the same for every segment (it pooled them), so the logged data is
	// biased the way real logs are: most runs of a form try one style that is often not its best.
	favourite := r.IntN(len(styleIDs))
	for seg := range numSegs {
		f.pref[seg] = favourite
	}
	f.planMaps(r, fc)
	return f
}

// planMaps precomputes the JSON of the maps the extension suggests and the user keeps: the
// canonical one, and the variants that a wrong suggestion or a cleared field produce.
func (f *Form) planMaps(r *rand.Rand, fc *familyCatalog) {
	canon := f.fields
	sels := make([]string, 0, len(canon))
	for s := range canon {
		sels = append(sels, s)
	}
	slices.Sort(sels)
	swapped := maps.Clone(canon)
	a, b := sels[r.IntN(len(sels))], sels[r.IntN(len(sels))]
	swapped[a], swapped[b] = canon[b], canon[a]
	if a == b {
		swapped[a] = "unknown"
	}
	missing := maps.Clone(canon)
	delete(missing, sels[r.IntN(len(sels))])
	f.maps = [3]string{mustJSON(canon), mustJSON(swapped), mustJSON(missing)}
	email := fc.selectors["email"]
	f.invalid = [2]string{
		mustJSON(map[string]string{email: "This field is required."}),
		mustJSON(map[string]string{sels[r.IntN(len(sels))]: "Selector not found on the page."}),
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// planCounts gives each form its number of events: 1–4 for the sparse tiers (below every
// form threshold), the rest Zipf-like over the popular forms with a floor that keeps each of
// them above the form threshold.
func (w *World) planCounts() {
	r := w.rng
	n := w.Opts.Events
	var popular, sparse []*Form
	for _, f := range w.Forms {
		if f.Source == models.SourceForm {
			popular = append(popular, f)
		} else {
			sparse = append(sparse, f)
			f.Events = 1 + pickIndex(r, []float64{0.3, 0.6, 0.85, 1})
		}
	}
	sparseTotal := 0
	for _, f := range sparse {
		sparseTotal += f.Events
	}
	const floor = 12
	// Too few events for this many forms: thin the sparse forms out first.
	for i := len(sparse) - 1; i >= 0 && n-sparseTotal < floor*len(popular); i-- {
		sparseTotal -= sparse[i].Events - 1
		sparse[i].Events = 1
	}
	rest := n - sparseTotal
	if rest < len(popular) {
		// Tiny demo: spread what there is.
		for i, f := range w.Forms {
			f.Events = n / len(w.Forms)
			if i < n%len(w.Forms) {
				f.Events++
			}
		}
	} else {
		fl := min(floor, rest/len(popular))
		weights := make([]float64, len(popular))
		for i := range popular {
			weights[i] = 1 / math.Pow(float64(i+1), 0.85)
		}
		// Popularity ranks are shuffled so that families and companies mix at the top.
		r.Shuffle(len(weights), func(i, j int) { weights[i], weights[j] = weights[j], weights[i] })
		alloc := apportion(rest-fl*len(popular), weights)
		for i, f := range popular {
			f.Events = fl + alloc[i]
		}
	}
	kept := w.Forms[:0]
	for _, f := range w.Forms {
		if f.Events > 0 {
			kept = append(kept, f)
		}
	}
	w.Forms = kept
}

// apportion splits total into integers proportional to weights (largest remainder).
func apportion(total int, weights []float64) []int {
	sum := 0.0
	for _, x := range weights {
		sum += x
	}
	out := make([]int, len(weights))
	type rem struct {
		i int
		f float64
	}
	rems := make([]rem, len(weights))
	given := 0
	for i, x := range weights {
		exact := float64(total) * x / sum
		out[i] = int(exact)
		given += out[i]
		rems[i] = rem{i, exact - float64(out[i])}
	}
	slices.SortStableFunc(rems, func(a, b rem) int {
		switch {
		case a.f > b.f:
			return -1
		case a.f < b.f:
			return 1
		}
		return a.i - b.i
	})
	for k := 0; given < total; k++ {
		out[rems[k%len(rems)].i]++
		given++
	}
	return out
}

// planTimes spreads the events over the window's hours: fewer at night and at weekends, and
// a little growth over the window (the extension gains users).
func (w *World) planTimes() {
	hours := w.Opts.Days * 24
	weights := make([]float64, hours)
	for h := range hours {
		t := w.start.Add(time.Duration(h) * time.Hour)
		x := 0.85 + 0.3*float64(h)/float64(hours)
		if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
			x *= 0.55
		}
		switch hr := t.Hour(); { // UTC: the working day of Europe and the Americas
		case hr >= 13 && hr <= 22:
			x *= 1.4
		case hr >= 7 && hr < 13:
			x *= 1.0
		default:
			x *= 0.35
		}
		weights[h] = x
	}
	w.hourCnt = apportion(w.Opts.Events, weights)
}

// planSlots lays the forms' events out in time order at random.
func (w *World) planSlots() {
	w.slots = make([]int32, 0, w.Opts.Events)
	for i, f := range w.Forms {
		for range f.Events {
			w.slots = append(w.slots, int32(i))
		}
	}
	w.rng.Shuffle(len(w.slots), func(i, j int) { w.slots[i], w.slots[j] = w.slots[j], w.slots[i] })
}

func pickIndex(r *rand.Rand, cum []float64) int {
	x := r.Float64()
	for i, c := range cum {
		if x < c {
			return i
		}
	}
	return len(cum) - 1
}

func hexString(r *rand.Rand, n int) string {
	const digits = "0123456789abcdef"
	b := make([]byte, n)
	for i := range b {
		b[i] = digits[r.IntN(16)]
	}
	return string(b)
}

func argmax[T cmp.Ordered](xs []T) int {
	best := 0
	for i, x := range xs {
		if x > xs[best] {
			best = i
		}
	}
	return best
}

// rate is the true helpful rate of style k for a job of the segment and discipline.
func (f *Form) rate(seg int, discipline string, k int) float64 {
	eff := f.discEff[discipline]
	if eff == nil {
		return f.rates[seg][k]
	}
	return clamp(f.rates[seg][k]+eff[k], 0.05, 0.95)
}

// ratesFor are the true helpful rates of every style for a job of the segment and discipline.
func (f *Form) ratesFor(seg int, discipline string) []float64 {
	out := make([]float64, len(styleIDs))
	for k := range out {
		out[k] = f.rate(seg, discipline, k)
	}
	return out
}

func clamp(x, lo, hi float64) float64 { return math.Min(hi, math.Max(lo, x)) }
