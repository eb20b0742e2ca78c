package report_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/store"
	"github.com/applylens/learning/app/store/storetest"
)

// TestRefresherMakesPartitionsAhead (Postgres): a refresher pass leaves a partition for this
// month and each of the learning.MonthsAhead after it.
func TestRefresherMakesPartitionsAhead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		if !store.IsPostgres(db) {
			t.Skip("SQLite keeps one events table")
		}
		now := time.Now().UTC()
		want := time.Date(now.Year(), now.Month()+learning.MonthsAhead, 1, 0, 0, 0, 0, time.UTC).Format("autofill_events_y2006m01")
		exists := func() bool {
			var n int64
			require.NoError(t, db.Raw("SELECT COUNT(*) FROM pg_class WHERE oid = to_regclass(?)", want).Scan(&n).Error)
			return n == 1
		}
		require.False(t, exists())
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			(&report.Refresher{DB: db, Log: storetest.Logger(t), Every: time.Hour}).Run(ctx)
		}()
		require.Eventually(t, exists, 10*time.Second, 10*time.Millisecond)
		cancel()
		<-done
		u, err := account.CreateUser(context.Background(), db, account.NewUser{Email: "ahead@example.test"})
		require.NoError(t, err)
		for m := range learning.MonthsAhead + 1 {
			at := time.Date(now.Year(), now.Month()+time.Month(m), 15, 0, 0, 0, 0, time.UTC)
			res, err := learning.SaveEvents(context.Background(), db, u.ID, []models.AutofillEvent{{Host: "jobs.lever.co", SchemaHash: "ahead",
				Status: "ok", FinalMap: models.NewJSON(models.StringMap{}), CreatedAt: at}}, nil)
			require.NoError(t, err)
			var in string
			require.NoError(t, db.Raw("SELECT tableoid::regclass::text FROM autofill_events WHERE event_id = ?", res.Events[0].EventID).Scan(&in).Error)
			require.NotEqual(t, "autofill_events_default", in, "%s has a partition", at.Format("2006-01"))
		}
	})
}

// TestRetainDropsWholeMonths (Postgres): with partitions, retention drops every month wholly
// before the horizon instead of deleting its rows, deletes their replay keys, and the
// dashboard keeps its counts of those days through refreshes and rebuilds.
func TestRetainDropsWholeMonths(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		if !store.IsPostgres(db) {
			t.Skip("SQLite keeps one events table and deletes by range (TestRetainKeepsTheDashboardsHistory)")
		}
		ctx := context.Background()
		u, err := account.CreateUser(ctx, db, account.NewUser{Email: "retain-months@example.test"})
		require.NoError(t, err)
		now := time.Now().UTC()
		month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		_, err = learning.EnsurePartitions(ctx, db, now)
		require.NoError(t, err)
		save := func(at time.Time, n int) {
			evs := make([]models.AutofillEvent, n)
			for i := range evs {
				evs[i] = models.AutofillEvent{EventID: uuid.NewString(), Host: "jobs.lever.co", SchemaHash: "months", Status: "ok",
					FinalMap: models.NewJSON(models.StringMap{"#email": "email"}), CreatedAt: at}
			}
			res, err := learning.SaveEvents(ctx, db, u.ID, evs, nil)
			require.NoError(t, err)
			require.Equal(t, n, res.Saved)
		}
		save(now, 3)                                          // the first partition
		save(month.AddDate(0, learning.MonthsAhead, 4), 5)    // a month of its own
		save(month.AddDate(0, learning.MonthsAhead+1, 20), 2) // after the horizon: the default partition
		_, err = report.Refresh(ctx, db)
		require.NoError(t, err)
		before := dailyEvents(t, db)
		require.Len(t, before, 3)
		count := func(q string) int64 {
			var n int64
			require.NoError(t, db.Raw(q).Scan(&n).Error, q)
			return n
		}

		later := month.AddDate(0, learning.MonthsAhead+1, 10)
		res, err := report.Retain(ctx, db, 5, later)
		require.NoError(t, err)
		require.Contains(t, res.Dropped, "autofill_events_history")
		require.Contains(t, res.Dropped, month.AddDate(0, learning.MonthsAhead, 0).Format("autofill_events_y2006m01"))
		require.Zero(t, res.Deleted, "nothing left to delete by range")
		require.EqualValues(t, 2, count("SELECT COUNT(*) FROM autofill_events"))
		require.EqualValues(t, 2, count("SELECT COUNT(*) FROM autofill_event_keys"), "the dropped events' keys went too")
		requireDaysKept(t, db, before)
	})
}
