package migrations_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/migrations"
)

// TestReportWeeklyEventsStep: the step adds the weekly rollup and the day totals and forgets
// the rollup's state (the next refresh rebuilds it, with both); its rollback drops them.
func TestReportWeeklyEventsStep(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db := b.New(t)
		require.True(t, db.Migrator().HasTable("report_weekly_events"))
		require.True(t, db.Migrator().HasIndex("report_weekly_events", "ix_report_weekly_events_week"))
		require.True(t, db.Migrator().HasTable("report_day_totals"))
		require.NoError(t, migrations.DownTo(ctx, db, stepBefore(t, "202612062100_report_weekly_events")))
		require.False(t, db.Migrator().HasTable("report_weekly_events"))
		require.False(t, db.Migrator().HasTable("report_day_totals"))
		require.True(t, db.Migrator().HasTable("report_daily_events"))
		require.NoError(t, db.Exec(`INSERT INTO report_state (name, refreshed_at, covered_until, rebuilt_at)
			VALUES ('events', ?, ?, ?)`, time.Now(), time.Now(), time.Now()).Error)
		require.NoError(t, migrations.Up(ctx, db))
		require.True(t, db.Migrator().HasTable("report_weekly_events"))
		require.True(t, db.Migrator().HasTable("report_day_totals"))
		require.Zero(t, storetest.Count(t, db, "report_state"), "the rollup is rebuilt with its weeks")
	})
}
