package report_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/seeds"
)

// TestOverviewWeeksEqualDays: the overview reads a window's weeks from the weekly rollup, its
// days before the first Monday from the daily one and its chart from the day totals. Every
// figure equals the one read from the daily rows alone, and its events (in all and per day)
// are the events stored since the window began, for windows ending on each day of a week (so
// that they start and end in partial weeks of every length), after a rebuild and after an
// incremental refresh that added events today and rated an event of a week read as a week.
func TestOverviewWeeksEqualDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		_, err := seeds.Seed(ctx, db, seeds.Options{Events: 3000, Days: 120, Users: 5, Seed: 11})
		require.NoError(t, err)
		res, err := report.Refresh(ctx, db)
		require.NoError(t, err)
		require.True(t, res.Rebuilt)
		require.Positive(t, storetest.Count(t, db, "report_weekly_events"))

		base := time.Now().UTC()
		check := func(stage string) {
			t.Helper()
			for back := range 7 {
				now := base.AddDate(0, 0, -back)
				for _, days := range report.WindowDays {
					name := fmt.Sprintf("%s, %d days to %s", stage, days, now.Format("Mon 2006-01-02"))
					require.LessOrEqual(t, report.WindowFirstWeek(days, now), now.Format(time.DateOnly), "%s: some weeks", name)
					got, err := report.LoadOverview(ctx, db, nil, days, now)
					require.NoError(t, err, name)
					want, err := report.LoadOverviewFromDays(ctx, db, days, now)
					require.NoError(t, err, name)
					requireSameEventFigures(t, want, got, name)
					var stored []time.Time
					require.NoError(t, db.Model(&models.AutofillEvent{}).Where("created_at >= ?", got.Window.Since).
						Pluck("created_at", &stored).Error)
					require.Len(t, stored, int(got.Events), name)
					perDay := map[string]int64{}
					for _, at := range stored {
						perDay[at.UTC().Format(time.DateOnly)]++
					}
					for _, d := range got.Daily {
						require.Equal(t, perDay[d.Key], d.Count, "%s: %s", name, d.Key)
					}
				}
			}
		}
		check("rebuilt")

		// A rating of an event in a week that every 30-day window above reads from the weekly
		// rollup, and new events today.
		var old models.AutofillEvent
		require.NoError(t, db.Where("created_at >= ? AND created_at < ? AND (feedback_status IS NULL OR feedback_status = '')",
			base.AddDate(0, 0, -22), base.AddDate(0, 0, -15)).Order("created_at").First(&old).Error)
		require.GreaterOrEqual(t, old.CreatedAt.UTC().Format(time.DateOnly), report.WindowFirstWeek(30, base))
		before, err := report.LoadOverview(ctx, db, nil, 30, base)
		require.NoError(t, err)
		require.NoError(t, db.Model(&models.AutofillEvent{}).Where("id = ?", old.ID).
			Updates(map[string]any{"feedback_status": "helpful", "feedback_at": time.Now().UTC()}).Error)
		_, err = seeds.Insert(ctx, db, seeds.Ev{Host: "b.lever.co", SchemaHash: "y", Segment: "senior", Discipline: "engineering",
			CreatedAt: time.Now()}.Times(3))
		require.NoError(t, err)
		res, err = report.Refresh(ctx, db)
		require.NoError(t, err)
		require.False(t, res.Rebuilt)
		after, err := report.LoadOverview(ctx, db, nil, 30, base)
		require.NoError(t, err)
		require.Equal(t, before.Helpful+1, after.Helpful)
		require.Equal(t, before.Events+3, after.Events)
		check("refreshed")
	})
}

// requireSameEventFigures: a and b show the same event figures (those from the rollup).
func requireSameEventFigures(t *testing.T, want, got *report.Overview, name string) {
	t.Helper()
	require.Equal(t, want.Events, got.Events, name)
	require.Equal(t, want.OKEvents, got.OKEvents, name)
	require.Equal(t, want.Helpful, got.Helpful, name)
	require.Equal(t, want.Unhelpful, got.Unhelpful, name)
	require.Equal(t, want.Segments, got.Segments, name)
	require.Equal(t, want.Policies, got.Policies, name)
	require.Equal(t, want.Styles, got.Styles, name)
	require.Equal(t, want.Daily, got.Daily, name)
	require.Equal(t, want.Heat, got.Heat, name)
	require.Equal(t, want.SRM.Exploit, got.SRM.Exploit, name)
	require.Equal(t, want.SRM.Explore, got.SRM.Explore, name)
	require.Equal(t, want.SRM.Missing, got.SRM.Missing, name)
	require.InEpsilon(t, want.SRM.InvSum, got.SRM.InvSum, 1e-9, name)
	require.InEpsilon(t, want.SRM.VarSum, got.SRM.VarSum, 1e-9, name)
}
