package report

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store"
)

// Count is one bar of a breakdown.
type Count struct {
	Key   string
	Count int64
}

// Share is the part of total that c is (0 when total is 0).
func Share(c, total int64) float64 {
	if total == 0 {
		return 0
	}
	return float64(c) / float64(total)
}

// SourceStat is one source of the recommendation source mix.
type SourceStat struct {
	Source   string
	Profiles int64
	// The recommended (winning) style's evidence, summed over these profiles.
	WinnerHelpful int64
	WinnerRated   int64
}

// HelpfulRatio is the pooled helpful ratio of the recommended styles, or nil with no rated run.
func (s SourceStat) HelpfulRatio() *float64 {
	return learning.HelpfulRatio(s.WinnerHelpful, s.WinnerRated)
}

// StyleUsage is one style's runs and ratings in the window.
type StyleUsage struct {
	StyleID   string // None for runs without a style
	Runs      int64
	Helpful   int64
	Unhelpful int64
}

// HelpfulRatio is helpful / rated, or nil when nothing is rated.
func (s StyleUsage) HelpfulRatio() *float64 {
	return learning.HelpfulRatio(s.Helpful, s.Helpful+s.Unhelpful)
}

// SegmentHints counts, for one segment, the profiles whose hint for that segment comes from
// each source (the seed's "segment-based recommendations").
type SegmentHints struct {
	Segment  string
	BySource map[string]int64
	Total    int64
}

// Heat is the window's events by seniority (rows: SegmentsWithNone) and job discipline
// (columns: DisciplinesWithNone), from the rollup.
type Heat struct {
	Segments    []string
	Disciplines []string
	Counts      [][]int64 // Counts[segment][discipline]
	Max         int64     // the largest cell
}

// DisciplinesWithNone lists the disciplines in display order, then None (events with no job).
func DisciplinesWithNone() []string { return append(learning.Disciplines(), None) }

// Overview is everything the overview page shows.
type Overview struct {
	Window Window

	// From the rollup (as of State.RefreshedAt).
	Events      int64
	OKEvents    int64
	Helpful     int64
	Unhelpful   int64
	ActiveUsers int64
	ActiveForms int64
	Segments    []Count // SegmentsWithNone order
	Policies    []Count // Policies order, then None when some events have no policy
	Styles      []StyleUsage
	Daily       []Count // one per day of the window, oldest first
	Heat        Heat    // events by seniority × discipline
	State       *State  // nil: the rollup was never built
	SRM         SRM     // the explore rate against the logged allocation

	// Live.
	Profiles      int64
	NotAggregated int64 // profiles with no hint yet (counted under none)
	Sources       []SourceStat
	SegmentHints  []SegmentHints
	HintPolicies  []Count // profiles by the policy that made their hint (LEARNING_POLICY of that run)
	LastRun       *models.AggregatorRun
	AnyEvents     bool
}

// Rated is the number of rated runs in the window.
func (o *Overview) Rated() int64 { return o.Helpful + o.Unhelpful }

// FeedbackCoverage is rated / runs.
func (o *Overview) FeedbackCoverage() float64 { return Share(o.Rated(), o.Events) }

// ExploreRate is explore / (exploit + explore): how often the extension tried another style
// when it had one to exploit. Fallback runs had no hint and do not count.
func (o *Overview) ExploreRate() (float64, bool) {
	var exploit, explore int64
	for _, p := range o.Policies {
		switch p.Key {
		case learning.PolicyExploit:
			exploit = p.Count
		case learning.PolicyExplore:
			explore = p.Count
		}
	}
	if exploit+explore == 0 {
		return 0, false
	}
	return Share(explore, exploit+explore), true
}

// LoadOverview reads the overview of the window of days ending at now. Event numbers come
// from the rollup; profile numbers and the last run are live, the profile mix through mix
// (read afresh when mix is nil).
func LoadOverview(ctx context.Context, db *gorm.DB, mix *MixCache, days int, now time.Time) (*Overview, error) {
	return loadOverview(ctx, db, mix, NewWindow(days, now))
}

func loadOverview(ctx context.Context, db *gorm.DB, mix *MixCache, w Window) (*Overview, error) {
	o := &Overview{Window: w}
	db = db.WithContext(ctx)
	// Postgres answers the independent queries in parallel; SQLite has one connection.
	g, _ := errgroup.WithContext(ctx)
	if !store.IsPostgres(db) {
		g.SetLimit(1)
	}
	g.Go(func() error { return o.loadRollup(db) })
	g.Go(func() error { return o.loadDaily(db) })
	g.Go(func() error { return o.loadActivity(db) })
	g.Go(func() error { return o.loadProfileMix(ctx, db, mix) })
	g.Go(func() (err error) { o.LastRun, err = LastRun(ctx, db); return err })
	g.Go(func() (err error) { o.State, err = ReadState(ctx, db); return err })
	if err := g.Wait(); err != nil {
		return nil, fmt.Errorf("overview: %w", err)
	}
	return o, nil
}

// loadRollup reads the window's events by segment, policy, style, rating and discipline (one
// pass over the rollup) and adds them up into the breakdowns, the heat map and the SRM check.
func (o *Overview) loadRollup(db *gorm.DB) error {
	var rows []struct {
		SegmentKey     string
		Policy         string
		GenStyleID     string
		FeedbackStatus string
		Discipline     string
		Events         int64
		OKEvents       int64
		PropEvents     int64
		InvProp        float64
		InvPropVar     float64
	}
	err := db.Raw(sqlOverviewRollup.For(db), o.Window.rollupArgs()...).
		Scan(&rows).Error
	if err != nil {
		return err
	}
	segs := map[string]int64{}
	pols := map[string]int64{}
	styles := map[string]*StyleUsage{}
	heat := newHeat()
	for _, r := range rows {
		heat.add(r.SegmentKey, r.Discipline, r.Events)
		o.Events += r.Events
		o.OKEvents += r.OKEvents
		seg := r.SegmentKey
		if seg == "" || !learning.ValidSegment(seg) {
			seg = None
		}
		segs[seg] += r.Events
		pol := r.Policy
		if !learning.ValidPolicy(pol) {
			pol = None
		}
		pols[pol] += r.Events
		o.SRM.add(pol, r.Events, r.PropEvents, r.InvProp, r.InvPropVar)
		style := r.GenStyleID
		if style == "" {
			style = None
		}
		su := styles[style]
		if su == nil {
			su = &StyleUsage{StyleID: style}
			styles[style] = su
		}
		su.Runs += r.Events
		switch r.FeedbackStatus {
		case learning.Helpful:
			o.Helpful += r.Events
			su.Helpful += r.Events
		case learning.Unhelpful:
			o.Unhelpful += r.Events
			su.Unhelpful += r.Events
		}
	}
	o.Heat = heat
	for _, s := range SegmentsWithNone() {
		o.Segments = append(o.Segments, Count{Key: s, Count: segs[s]})
	}
	for _, p := range Policies() {
		o.Policies = append(o.Policies, Count{Key: p, Count: pols[p]})
	}
	if pols[None] > 0 {
		o.Policies = append(o.Policies, Count{Key: None, Count: pols[None]})
	}
	for _, su := range styles {
		o.Styles = append(o.Styles, *su)
	}
	sort.Slice(o.Styles, func(i, j int) bool {
		a, b := o.Styles[i], o.Styles[j]
		if (a.StyleID == None) != (b.StyleID == None) {
			return b.StyleID == None
		}
		if a.Runs != b.Runs {
			return a.Runs > b.Runs
		}
		return a.StyleID < b.StyleID
	})
	return nil
}

func (o *Overview) loadDaily(db *gorm.DB) error {
	var rows []Count
	err := db.Raw(sqlOverviewDaily.For(db), o.Window.FromDay).
		Scan(&rows).Error
	if err != nil {
		return err
	}
	byDay := make(map[string]int64, len(rows))
	for _, r := range rows {
		byDay[r.Key] = r.Count
	}
	for d := o.Window.Since; dayKey(d) <= o.Window.ToDay; d = d.AddDate(0, 0, 1) {
		o.Daily = append(o.Daily, Count{Key: dayKey(d), Count: byDay[dayKey(d)]})
	}
	return nil
}

func newHeat() Heat {
	h := Heat{Segments: SegmentsWithNone(), Disciplines: DisciplinesWithNone()}
	h.Counts = make([][]int64, len(h.Segments))
	for i := range h.Counts {
		h.Counts[i] = make([]int64, len(h.Disciplines))
	}
	return h
}

// add counts events of a segment and discipline; anything this build does not know counts as
// none.
func (h *Heat) add(segment, discipline string, events int64) {
	i := slices.Index(h.Segments, segment)
	if i < 0 || segment == None {
		i = len(h.Segments) - 1
	}
	j := slices.Index(h.Disciplines, discipline)
	if j < 0 || discipline == None {
		j = len(h.Disciplines) - 1
	}
	h.Counts[i][j] += events
	h.Max = max(h.Max, h.Counts[i][j])
}

func (o *Overview) loadActivity(db *gorm.DB) error {
	var row struct {
		Users, Forms int64
		AnyEvent     int64
	}
	err := db.Raw(sqlOverviewActivity.For(db),
		o.Window.Since, o.Window.Since).Scan(&row).Error
	if err != nil {
		return err
	}
	o.ActiveUsers, o.ActiveForms, o.AnyEvents = row.Users, row.Forms, row.AnyEvent > 0
	return nil
}

// profileMix is what the overview shows of the form profiles. Reading it means decoding every
// profile's hint (tens of milliseconds per ten thousand profiles), so it is cached per database
// until the profiles change: see mixCache.
type profileMix struct {
	Profiles      int64
	NotAggregated int64
	Sources       []SourceStat
	SegmentHints  []SegmentHints
	HintPolicies  []Count // profiles by the policy that made their hint, most first
}

func (o *Overview) loadProfileMix(ctx context.Context, db *gorm.DB, mix *MixCache) error {
	if mix == nil {
		mix = &MixCache{}
	}
	m, err := mix.get(ctx, db)
	if err != nil {
		return err
	}
	o.Profiles, o.NotAggregated, o.Sources, o.SegmentHints = m.Profiles, m.NotAggregated, m.Sources, m.SegmentHints
	o.HintPolicies = m.HintPolicies
	return nil
}

func readProfileMix(db *gorm.DB) (*profileMix, error) {
	m := &profileMix{}
	var g errgroup.Group
	if !store.IsPostgres(db) {
		g.SetLimit(1)
	}
	g.Go(func() error { return m.loadSources(db) })
	g.Go(func() error { return m.loadSegmentHints(db) })
	g.Go(func() error { return m.loadHintPolicies(db) })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return m, nil
}

// loadSources counts profiles by the source of their overall hint, with the pooled evidence of
// the recommended style. A profile with no hint counts as none.
func (m *profileMix) loadSources(db *gorm.DB) error {
	var rows []struct {
		Source        string
		Profiles      int64
		NotAggregated int64
		WinnerHelpful int64
		WinnerRated   int64
	}
	if err := db.Raw(sqlMixSources.For(db)).Scan(&rows).Error; err != nil {
		return err
	}
	by := map[string]*SourceStat{}
	for _, s := range learning.Sources() {
		by[s] = &SourceStat{Source: s}
	}
	for _, r := range rows {
		s := by[learning.KnownSource(r.Source)]
		s.Profiles += r.Profiles
		s.WinnerHelpful += r.WinnerHelpful
		s.WinnerRated += r.WinnerRated
		m.NotAggregated += r.NotAggregated
		m.Profiles += r.Profiles
	}
	for _, s := range learning.Sources() {
		m.Sources = append(m.Sources, *by[s])
	}
	return nil
}

// loadSegmentHints counts the per-segment hints of all profiles by segment and source.
func (m *profileMix) loadSegmentHints(db *gorm.DB) error {
	var rows []struct {
		Segment  string
		Source   string
		Profiles int64
	}
	if err := db.Raw(sqlMixSegmentHints.For(db)).Scan(&rows).Error; err != nil {
		return err
	}
	by := map[string]*SegmentHints{}
	for _, r := range rows {
		r.Source = learning.KnownSource(r.Source)
		sh := by[r.Segment]
		if sh == nil {
			sh = &SegmentHints{Segment: r.Segment, BySource: map[string]int64{}}
			by[r.Segment] = sh
		}
		sh.BySource[r.Source] += r.Profiles
		sh.Total += r.Profiles
	}
	for _, s := range learning.Segments() {
		if sh := by[s]; sh != nil {
			m.SegmentHints = append(m.SegmentHints, *sh)
		}
	}
	return nil
}

// loadHintPolicies counts the hints by the policy that made them; a hint from before policies
// has none and was made by the threshold rules.
func (m *profileMix) loadHintPolicies(db *gorm.DB) error {
	var rows []Count
	if err := db.Raw(sqlMixHintPolicies.For(db)).Scan(&rows).Error; err != nil {
		return err
	}
	by := map[string]int64{}
	for _, r := range rows {
		k := r.Key
		if k == "" {
			k = models.PolicyThreshold
		}
		by[k] += r.Count
	}
	for k, n := range by {
		m.HintPolicies = append(m.HintPolicies, Count{Key: k, Count: n})
	}
	sort.Slice(m.HintPolicies, func(i, j int) bool {
		a, b := m.HintPolicies[i], m.HintPolicies[j]
		return a.Count > b.Count || (a.Count == b.Count && a.Key < b.Key)
	})
	return nil
}
