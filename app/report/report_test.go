package report_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/store"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/seeds"
)

func ptr[T any](v T) *T { return &v }

// profile stores a form profile whose overall hint comes from source (nil hint for "").
func profile(t *testing.T, db *gorm.DB, host, source string, winnerHelpful, winnerRated int, segments map[string]string) models.FormProfile {
	t.Helper()
	now := time.Now().UTC()
	p := models.FormProfile{ID: uuid.NewString(), Host: host, SchemaHash: "h-" + uuid.NewString()[:8], HostFamily: learning.Family(host),
		Fields: models.NewJSON(models.StringMap{"#email": "email"}), EventCount: 7, SuccessRate: ptr(0.9),
		LastSeenAt: &now, CreatedAt: now, UpdatedAt: now}
	if source != "" {
		h := &models.StyleHint{HostFamily: "greenhouse", Thresholds: models.Thresholds{Form: 5, Segment: 5, Family: 10}}
		h.Source = source
		if source != models.SourceNone {
			h.PreferredStyleID = ptr("concise_bullets_v1")
			ratio := float64(winnerHelpful) / float64(max(winnerRated, 1))
			h.Candidates = []models.StyleStats{
				{StyleID: "concise_bullets_v1", Level: source, TotalRuns: 9, HelpfulRuns: winnerHelpful, RatedRuns: winnerRated,
					UnhelpfulRuns: winnerRated - winnerHelpful, HelpfulRatio: &ratio, IsWinner: true},
				{StyleID: "narrative_para_v1", Level: source, TotalRuns: 6, HelpfulRuns: 1, RatedRuns: 5, UnhelpfulRuns: 4},
			}
		}
		if len(segments) > 0 {
			h.BySegment = map[string]models.Choice{}
			for seg, src := range segments {
				h.BySegment[seg] = models.Choice{Source: src, SegmentKey: seg}
			}
		}
		p.StyleHint = models.NewJSON(h)
	}
	require.NoError(t, db.Create(&p).Error)
	return p
}

func TestOverviewMatchesEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		gh := "boards.greenhouse.io"
		_, err := seeds.Insert(ctx, db, seeds.Concat(
			seeds.Ev{Host: gh, SchemaHash: "a", Segment: "senior", Style: "concise_bullets_v1", Feedback: "helpful"}.Times(3),
			seeds.Ev{Host: gh, SchemaHash: "a", Segment: "junior", Style: "concise_bullets_v1", Feedback: "unhelpful", Policy: "explore"}.Times(2),
			seeds.Ev{Host: gh, SchemaHash: "b", Segment: "intern", Policy: "fallback", Status: "error", User: "u-2"}.Times(1),
			seeds.Ev{Host: "jobs.lever.co", SchemaHash: "c", User: "u-3"}.Times(4),                                   // no segment
			seeds.Ev{Host: "jobs.lever.co", SchemaHash: "old", Segment: "senior", Age: 40 * 24 * time.Hour}.Times(5), // outside 30 days
		))
		require.NoError(t, err)
		profile(t, db, gh, models.SourceForm, 3, 4, map[string]string{"senior": "segment", "junior": "form"})
		profile(t, db, gh, models.SourceForm, 1, 2, nil)
		profile(t, db, gh, models.SourceSegment, 2, 2, map[string]string{"senior": "segment"})
		profile(t, db, "jobs.lever.co", models.SourceFamily, 0, 0, nil)
		profile(t, db, "jobs.lever.co", models.SourceNone, 0, 0, nil)
		profile(t, db, "x.example.com", "", 0, 0, nil)

		res, err := report.Refresh(ctx, db)
		require.NoError(t, err)
		require.True(t, res.Rebuilt, "the first refresh rebuilds")

		o, err := report.LoadOverview(ctx, db, nil, 30, time.Now())
		require.NoError(t, err)
		require.EqualValues(t, 10, o.Events)
		require.EqualValues(t, 9, o.OKEvents)
		require.EqualValues(t, 3, o.Helpful)
		require.EqualValues(t, 2, o.Unhelpful)
		require.EqualValues(t, 3, o.ActiveUsers)
		require.EqualValues(t, 3, o.ActiveForms)
		require.EqualValues(t, 6, o.Profiles)
		require.EqualValues(t, 1, o.NotAggregated)
		require.True(t, o.AnyEvents)
		require.Equal(t, []report.Count{{"intern", 1}, {"junior", 2}, {"senior", 3}, {"default", 0}, {"none", 4}}, o.Segments)
		require.Equal(t, []report.Count{{"exploit", 7}, {"explore", 2}, {"fallback", 1}}, o.Policies)
		rate, ok := o.ExploreRate()
		require.True(t, ok)
		require.InDelta(t, 2.0/9.0, rate, 1e-9)
		require.InDelta(t, 0.5, o.FeedbackCoverage(), 1e-9)
		require.Len(t, o.Daily, 30)

		want := map[string]report.SourceStat{
			"form":    {Source: "form", Profiles: 2, WinnerHelpful: 4, WinnerRated: 6},
			"segment": {Source: "segment", Profiles: 1, WinnerHelpful: 2, WinnerRated: 2},
			"family":  {Source: "family", Profiles: 1},
			"global":  {Source: "global"},
			"none":    {Source: "none", Profiles: 2},
		}
		require.Len(t, o.Sources, len(learning.Sources()))
		for _, s := range o.Sources {
			require.Equal(t, want[s.Source], s, s.Source)
		}
		require.Equal(t, []report.SegmentHints{
			{Segment: "junior", BySource: map[string]int64{"form": 1}, Total: 1},
			{Segment: "senior", BySource: map[string]int64{"segment": 2}, Total: 2},
		}, o.SegmentHints)
		require.Equal(t, "concise_bullets_v1", o.Styles[0].StyleID)
		require.EqualValues(t, 5, o.Styles[0].Runs)
		require.InDelta(t, 0.6, *o.Styles[0].HelpfulRatio(), 1e-9)

		o90, err := report.LoadOverview(ctx, db, nil, 90, time.Now())
		require.NoError(t, err)
		require.EqualValues(t, 15, o90.Events)
	})
}

// TestRefreshFollowsNewEventsAndRatings checks that an incremental refresh ends where a full
// rebuild does: new events, ratings of older events, and the last-activity marks.
func TestRefreshFollowsNewEventsAndRatings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		old, err := seeds.Insert(ctx, db, seeds.Ev{Host: "a.lever.co", SchemaHash: "x", Segment: "junior", Age: 20 * 24 * time.Hour}.Times(3))
		require.NoError(t, err)
		_, err = report.Refresh(ctx, db)
		require.NoError(t, err)

		_, err = seeds.Insert(ctx, db, seeds.Ev{Host: "b.lever.co", SchemaHash: "y", User: "u-new", Segment: "senior", CreatedAt: time.Now()}.Times(2))
		require.NoError(t, err)
		require.NoError(t, db.Model(&models.AutofillEvent{}).Where("id = ?", old[0].ID).
			Updates(map[string]any{"feedback_status": "helpful", "feedback_at": time.Now().UTC()}).Error)

		res, err := report.Refresh(ctx, db)
		require.NoError(t, err)
		require.False(t, res.Rebuilt)
		require.Len(t, res.Days, 2, "today and the rated event's day")

		inc, err := report.LoadOverview(ctx, db, nil, 30, time.Now())
		require.NoError(t, err)
		require.EqualValues(t, 5, inc.Events)
		require.EqualValues(t, 1, inc.Helpful)
		require.EqualValues(t, 2, inc.ActiveUsers)
		require.EqualValues(t, 2, inc.ActiveForms)

		_, err = report.Rebuild(ctx, db)
		require.NoError(t, err)
		full, err := report.LoadOverview(ctx, db, nil, 30, time.Now())
		require.NoError(t, err)
		inc.State, full.State = nil, nil
		require.Equal(t, full, inc)

		o7, err := report.LoadOverview(ctx, db, nil, 7, time.Now())
		require.NoError(t, err)
		require.EqualValues(t, 2, o7.Events)
		require.EqualValues(t, 1, o7.ActiveUsers)

		// Events loaded with an old created_at escape the changed days: the totals catch them.
		_, err = seeds.Insert(ctx, db, seeds.Ev{Host: "c.lever.co", SchemaHash: "z", Age: 3 * 24 * time.Hour}.Times(4))
		require.NoError(t, err)
		res, err = report.Refresh(ctx, db)
		require.NoError(t, err)
		require.True(t, res.Rebuilt)
		o7, err = report.LoadOverview(ctx, db, nil, 7, time.Now())
		require.NoError(t, err)
		require.EqualValues(t, 6, o7.Events)

		// Deleted events too.
		require.NoError(t, db.Where("host = ?", "c.lever.co").Delete(&models.AutofillEvent{}).Error)
		res, err = report.Refresh(ctx, db)
		require.NoError(t, err)
		require.True(t, res.Rebuilt)
		o7, err = report.LoadOverview(ctx, db, nil, 7, time.Now())
		require.NoError(t, err)
		require.EqualValues(t, 2, o7.Events)
	})
}

func TestListsAndFilters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		profile(t, db, "boards.greenhouse.io", models.SourceForm, 1, 1, map[string]string{"senior": "segment"})
		profile(t, db, "jobs.lever.co", models.SourceFamily, 0, 0, nil)
		profile(t, db, "careers.example.com", "", 0, 0, nil)
		profile(t, db, "fakegreenhouse.io", models.SourceNone, 0, 0, nil)

		count := func(f report.ProfileFilter) int64 {
			t.Helper()
			rows, n, err := report.ListProfiles(ctx, db, f)
			require.NoError(t, err)
			require.Len(t, rows, int(n))
			return n
		}
		require.EqualValues(t, 4, count(report.ProfileFilter{}))
		require.EqualValues(t, 1, count(report.ProfileFilter{Family: "greenhouse"}))
		require.EqualValues(t, 2, count(report.ProfileFilter{Family: "other"}))
		require.EqualValues(t, 2, count(report.ProfileFilter{Source: "none"}), "no hint counts as none")
		require.EqualValues(t, 1, count(report.ProfileFilter{Segment: "senior"}))
		require.EqualValues(t, 0, count(report.ProfileFilter{Segment: "junior"}))
		require.EqualValues(t, 2, count(report.ProfileFilter{Host: "GREENHOUSE"}))
		require.EqualValues(t, 0, count(report.ProfileFilter{Host: "%"}))
		for _, s := range report.ProfileSorts() {
			require.EqualValues(t, 4, count(report.ProfileFilter{Sort: s}))
		}
		_, _, err := report.ListProfiles(ctx, db, report.ProfileFilter{Segment: "x' OR 1=1 --"})
		require.ErrorIs(t, err, report.ErrBadFilter)

		rows, _, err := report.ListProfiles(ctx, db, report.ProfileFilter{Family: "greenhouse"})
		require.NoError(t, err)
		d, err := report.GetProfile(ctx, db, rows[0].ID)
		require.NoError(t, err)
		require.Equal(t, "form", d.Overall.Choice.Source)
		require.Contains(t, d.Overall.Explanation, "concise_bullets_v1")
		require.Len(t, d.BySegment, 1)
		_, err = report.GetProfile(ctx, db, uuid.NewString())
		require.ErrorIs(t, err, report.ErrNotFound)

		_, err = seeds.Insert(ctx, db, seeds.Concat(
			seeds.Ev{Host: "boards.greenhouse.io", SchemaHash: "a", Feedback: "helpful", Style: "concise_bullets_v1"}.Times(30),
			seeds.Ev{Host: "x.example.com", SchemaHash: "b", Segment: "intern"}.Times(30),
		))
		require.NoError(t, err)
		page, err := report.ListEvents(ctx, db, report.EventFilter{})
		require.NoError(t, err)
		require.Len(t, page.Events, report.EventsPageSize)
		require.NotEmpty(t, page.Next)
		next, err := report.ListEvents(ctx, db, report.EventFilter{Before: page.Next})
		require.NoError(t, err)
		require.Len(t, next.Events, 10)
		require.Empty(t, next.Next)
		seen := map[string]bool{}
		for _, e := range append(page.Events, next.Events...) {
			require.False(t, seen[e.ID], "an event on two pages")
			seen[e.ID] = true
		}
		for f, n := range map[report.EventFilter]int{
			{Family: "greenhouse"}:               30,
			{Family: "other"}:                    30,
			{Host: "WWW.x.example.com"}:          30,
			{Segment: "none"}:                    30,
			{Segment: "intern"}:                  30,
			{Style: "none"}:                      30,
			{Rating: "unrated"}:                  30,
			{Rating: "helpful"}:                  30,
			{Policy: "explore"}:                  0,
			{Rating: "helpful", Family: "ashby"}: 0,
		} {
			p, err := report.ListEvents(ctx, db, f)
			require.NoError(t, err)
			require.Len(t, p.Events, n, "%+v", f)
		}
		_, err = report.ListEvents(ctx, db, report.EventFilter{Before: "nonsense"})
		require.ErrorIs(t, err, report.ErrBadFilter)
	})
}

// TestProfileMixFollowsRuns checks the cached profile mix: a new profile or a finished run
// shows at once; a run in progress does not make the pages recount it.
func TestProfileMixFollowsRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		mix := &report.MixCache{}
		p := profile(t, db, "boards.greenhouse.io", models.SourceForm, 1, 1, nil)
		o, err := report.LoadOverview(ctx, db, mix, 7, time.Now())
		require.NoError(t, err)
		require.EqualValues(t, 1, o.Sources[0].Profiles)

		profile(t, db, "jobs.lever.co", "", 0, 0, nil)
		o, err = report.LoadOverview(ctx, db, mix, 7, time.Now())
		require.NoError(t, err)
		require.EqualValues(t, 2, o.Profiles, "a new profile shows at once")

		// Hints change only in a run: until its row changes, the mix is served from the cache.
		h := p.StyleHint.V
		h.Source = models.SourceFamily
		require.NoError(t, db.Model(&models.FormProfile{}).Where("id = ?", p.ID).Update("style_hint", models.NewJSON(h)).Error)
		o, err = report.LoadOverview(ctx, db, mix, 7, time.Now())
		require.NoError(t, err)
		require.EqualValues(t, 1, o.Sources[0].Profiles, "cached")
		now := time.Now().UTC()
		run := models.AggregatorRun{ID: uuid.NewString(), Trigger: "cli", Days: 30, Status: "running", StartedAt: now, HeartbeatAt: now,
			SourceMix: models.NewJSON(map[string]int{})}
		require.NoError(t, db.Create(&run).Error)
		o, err = report.LoadOverview(ctx, db, mix, 7, time.Now())
		require.NoError(t, err)
		require.EqualValues(t, 1, o.Sources[0].Profiles, "a run in progress is served the mix from before it")
		require.NoError(t, db.Model(&run).Update("status", "ok").Error)
		o, err = report.LoadOverview(ctx, db, mix, 7, time.Now())
		require.NoError(t, err)
		require.EqualValues(t, 0, o.Sources[0].Profiles)
		require.EqualValues(t, 1, o.Sources[2].Profiles)
		require.NoError(t, mix.Warm(ctx, db))
	})
}

func TestRefresherBuildsAndStops(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		_, err := seeds.Insert(ctx, db, seeds.Ev{Host: "a.lever.co", SchemaHash: "x"}.Times(2))
		require.NoError(t, err)
		done := make(chan struct{})
		go func() {
			defer close(done)
			(&report.Refresher{DB: db, Log: storetest.Logger(t), Every: 10 * time.Millisecond}).Run(ctx)
		}()
		require.Eventually(t, func() bool {
			st, err := report.ReadState(context.Background(), db)
			return err == nil && st != nil
		}, 5*time.Second, 10*time.Millisecond)
		cancel()
		<-done
		o, err := report.LoadOverview(context.Background(), db, nil, 7, time.Now())
		require.NoError(t, err)
		require.EqualValues(t, 2, o.Events)
	})
}

// TestProfilesByFamilyFollowLearning: the family filter selects exactly the profiles whose
// label is that family, on the hosts around every rule (dot boundaries, case, short hosts).
func TestProfilesByFamilyFollowLearning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		hosts := []string{"boards.greenhouse.io", "greenhouse.io", "fakegreenhouse.io", "greenhouse.io.example.com",
			"Boards.Greenhouse.IO", "io", "jobs.eu.lever.co", "lever.co", "_lever.co", "x%lever.co", "acme.wd5.myworkdayjobs.com",
			"wd3.myworkdaysite.com", "myworkdaysite.com.cn", "jobs.ashbyhq.com", "acme.bamboohr.com", "jobs.smartrecruiters.com",
			"careers-acme.icims.com", "jobs.jobvite.com", "apply.workable.com", "careers.acme.com", "acme.io"}
		want := map[string]int64{}
		for _, h := range hosts {
			profile(t, db, h, models.SourceNone, 0, 0, nil)
			want[learning.FamilyLabel(learning.Family(h))]++
		}
		var total int64
		for _, family := range append(learning.Families(), learning.FamilyOther) {
			rows, n, err := report.ListProfiles(ctx, db, report.ProfileFilter{Family: family})
			require.NoError(t, err)
			require.Equal(t, want[family], n, family)
			for _, r := range rows {
				require.Equal(t, family, r.Family, r.Host)
			}
			total += n
		}
		require.EqualValues(t, len(hosts), total, "every profile in exactly one family")
		rows, n, err := report.ListProfiles(ctx, db, report.ProfileFilter{Family: "bogus"})
		require.NoError(t, err)
		require.Zero(t, n)
		require.Empty(t, rows)
	})
}

// TestProfilesByFamilyOnManyHosts: the family filter does not grow with the number of hosts
// (a list of them overflowed the databases' limits on bound parameters: 32,766 on SQLite,
// 65,535 on Postgres).
func TestProfilesByFamilyOnManyHosts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		const many = 70_000
		id := "'p-' || i"
		if store.IsPostgres(db) {
			id = "CAST(lpad(to_hex(i), 32, '0') AS uuid)"
		}
		require.NoError(t, db.Exec(`INSERT INTO form_profiles (id, host, schema_hash)
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			SELECT `+id+`, 'careers' || i || '.example.com', 'h' FROM n`, many).Error)
		profile(t, db, "boards.greenhouse.io", models.SourceForm, 1, 1, nil)

		rows, n, err := report.ListProfiles(ctx, db, report.ProfileFilter{Family: learning.FamilyOther})
		require.NoError(t, err)
		require.EqualValues(t, many, n)
		require.Len(t, rows, report.ProfilesPageSize)
		rows, n, err = report.ListProfiles(ctx, db, report.ProfileFilter{Family: "greenhouse", Host: "boards"})
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		require.Equal(t, "boards.greenhouse.io", rows[0].Host)
	})
}
