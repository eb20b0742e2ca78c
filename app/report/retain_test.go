package report_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/metrics"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/seeds"
)

// TestRetainKeepsTheDashboardsHistory: RETENTION_DAYS deletes the events received before the
// horizon (the start of the UTC day that many days ago), and only those. The dashboard keeps
// its daily and weekly counts of the deleted days, through later refreshes and rebuilds (the
// 90-day overview shows the same figures); the learning
// rollups drop them; a run over its window is unchanged.
func TestRetainKeepsTheDashboardsHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		runner := seededRun(t, db, seeds.Options{Events: 2000, Days: 60, Users: 4, Seed: 3})
		_, err := report.Refresh(ctx, db)
		require.NoError(t, err)
		now := time.Now()
		horizon := now.UTC().AddDate(0, 0, -40).Truncate(24 * time.Hour)
		count := func(q string, args ...any) int64 {
			var n int64
			require.NoError(t, db.Raw(q, args...).Scan(&n).Error, q)
			return n
		}
		old := count("SELECT COUNT(*) FROM autofill_events WHERE created_at < ?", horizon)
		kept := count("SELECT COUNT(*) FROM autofill_events WHERE created_at >= ?", horizon)
		require.Positive(t, old)
		byDay := func() map[string]int64 { return dailyEvents(t, db) }
		before := byDay()
		overview := func() *report.Overview {
			o, err := report.LoadOverview(ctx, db, nil, 90, now)
			require.NoError(t, err)
			return o
		}
		shown := overview()
		require.Equal(t, old+kept, shown.Events)
		hints := snapshotHints(t, db)

		res, err := report.Retain(ctx, db, 40, now)
		require.NoError(t, err)
		require.Equal(t, horizon, res.Horizon)
		require.Equal(t, old, res.Deleted)
		require.Zero(t, count("SELECT COUNT(*) FROM autofill_events WHERE created_at < ?", horizon))
		require.Equal(t, kept, count("SELECT COUNT(*) FROM autofill_events"))

		for _, full := range []bool{false, true} {
			refreshed, err := report.Refresh(ctx, db)
			if full {
				refreshed, err = report.Rebuild(ctx, db)
			}
			require.NoError(t, err)
			require.Equal(t, full, refreshed.Rebuilt, "no drift: the deleted days are before the horizon")
			require.Equal(t, before, byDay(), "the dashboard keeps every day's count")
			requireSameEventFigures(t, shown, overview(), "the overview keeps the deleted days (weeks included)")
		}
		_, err = runner.Run(ctx, learning.RunParams{Days: 30})
		require.NoError(t, err)
		require.Equal(t, kept, count("SELECT COALESCE(SUM(runs), 0) FROM learning_cells"), "the learning rollups hold what is kept")
		require.Equal(t, hints, snapshotHints(t, db), "a 30-day run never read the deleted days")

		again, err := report.Retain(ctx, db, 40, now)
		require.NoError(t, err)
		require.Zero(t, again.Deleted)
		_, err = report.Retain(ctx, db, 0, now)
		require.ErrorContains(t, err, "days must be positive")
	})
}

// seededRun seeds demo events, runs the aggregator over the last 30 days and returns its runner.
func seededRun(t *testing.T, db *gorm.DB, opts seeds.Options) *learning.Runner {
	t.Helper()
	ctx := context.Background()
	_, err := seeds.Seed(ctx, db, opts)
	require.NoError(t, err)
	cfg, err := config.Load(func(string) string { return "" })
	require.NoError(t, err)
	runner := learning.NewRunner(db, cfg, metrics.New(), storetest.Logger(t))
	_, err = runner.Run(ctx, learning.RunParams{Days: 30})
	require.NoError(t, err)
	return runner
}

// requireDaysKept: after retention, a refresh finds no drift (the removed days are before the
// horizon) and a rebuild too, and both keep the dashboard's count of every day (before).
func requireDaysKept(t *testing.T, db *gorm.DB, before map[string]int64) {
	t.Helper()
	for _, full := range []bool{false, true} {
		refreshed, err := report.Refresh(context.Background(), db)
		if full {
			refreshed, err = report.Rebuild(context.Background(), db)
		}
		require.NoError(t, err)
		require.Equal(t, full, refreshed.Rebuilt, "no drift: the removed days are before the horizon")
		require.Equal(t, before, dailyEvents(t, db), "the dashboard keeps every day's count")
	}
}

// dailyEvents is the dashboard rollup's events by day.
func dailyEvents(t *testing.T, db *gorm.DB) map[string]int64 {
	t.Helper()
	var rows []struct {
		Day    string
		Events int64
	}
	require.NoError(t, db.Raw("SELECT day, SUM(events) AS events FROM report_daily_events GROUP BY day").Scan(&rows).Error)
	out := map[string]int64{}
	for _, r := range rows {
		out[r.Day] = r.Events
	}
	return out
}

func snapshotHints(t *testing.T, db *gorm.DB) map[string]string {
	t.Helper()
	var rows []struct{ Host, SchemaHash, Hint string }
	require.NoError(t, db.Raw("SELECT host, schema_hash, CAST(style_hint AS TEXT) AS hint FROM form_profiles").Scan(&rows).Error)
	out := map[string]string{}
	for _, r := range rows {
		out[r.Host+"/"+r.SchemaHash] = r.Hint
	}
	return out
}

// TestProfileMixReadsTheSummaries: the overview's profile mix comes from each profile's hint
// summary, which the aggregator writes with the hint: the same sources, segment sources,
// policies and winners' runs whether or not the hints themselves are there; a profile with
// neither counts as not aggregated.
func TestProfileMixReadsTheSummaries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		runner := seededRun(t, db, seeds.Options{Events: 1500, Days: 20, Users: 3, Seed: 9})
		mix := func() *report.Overview {
			o, err := report.LoadOverview(ctx, db, nil, 30, time.Now())
			require.NoError(t, err)
			return o
		}
		same := func(a, b *report.Overview) {
			t.Helper()
			require.Equal(t, a.Sources, b.Sources)
			require.Equal(t, a.SegmentHints, b.SegmentHints)
			require.Equal(t, a.HintPolicies, b.HintPolicies)
			require.Equal(t, a.NotAggregated, b.NotAggregated)
		}
		fromSummaries := mix()
		require.Zero(t, fromSummaries.NotAggregated)
		require.NotEmpty(t, fromSummaries.SegmentHints)
		require.NoError(t, db.Exec("UPDATE form_profiles SET hint_summary = NULL").Error)
		same(fromSummaries, mix())                              // read from the hints themselves
		_, err := runner.Run(ctx, learning.RunParams{Days: 30}) // writes the missing summaries
		require.NoError(t, err)
		require.Zero(t, storetest.Count(t, db.Where("hint_summary IS NULL"), "form_profiles"))
		require.NoError(t, db.Exec("UPDATE form_profiles SET style_hint = NULL").Error)
		same(fromSummaries, mix()) // from the summaries alone

		require.NoError(t, db.Exec("UPDATE form_profiles SET hint_summary = NULL").Error)
		neither := mix()
		require.Equal(t, neither.Profiles, neither.NotAggregated)
	})
}
