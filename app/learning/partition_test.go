package learning_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store"
	"github.com/applylens/learning/app/store/storetest"
)

// oneEvent is a valid event with a fixed event_id, received at at.
func oneEvent(eventID string, at time.Time) []models.AutofillEvent {
	return []models.AutofillEvent{{EventID: eventID, Host: "jobs.lever.co", SchemaHash: "part-1", Status: "ok",
		FinalMap: models.NewJSON(models.StringMap{"#email": "email"}), CreatedAt: at}}
}

// partitionOf lists the partitions (on SQLite the table) that hold the user's event: one per copy.
func partitionOf(t *testing.T, db *gorm.DB, userID, eventID string) []string {
	t.Helper()
	where := "FROM autofill_events WHERE user_id = ? AND event_id = ?"
	q := "SELECT 'autofill_events' " + where
	if store.IsPostgres(db) {
		q = "SELECT tableoid::regclass::text " + where
	}
	var names []string
	require.NoError(t, db.Raw(q, userID, eventID).Scan(&names).Error)
	return names
}

// TestReplayAcrossAMonthIsStoredOnce: a replay of an event received again in the next month
// (in another partition on Postgres, whose events table has no unique key across months) is
// skipped, and concurrent batches of the same event store it once.
func TestReplayAcrossAMonthIsStoredOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		u, err := account.CreateUser(ctx, db, account.NewUser{Email: "replay@example.test"})
		require.NoError(t, err)
		// The start of the month after next: always a partition's lower bound on Postgres (the
		// first partition ends at most there, and the months ahead are made).
		next := time.Date(time.Now().UTC().Year(), time.Now().UTC().Month()+learning.MonthsAhead, 1, 0, 0, 0, 0, time.UTC)
		made, err := learning.EnsurePartitions(ctx, db, time.Now())
		require.NoError(t, err)
		if store.IsPostgres(db) {
			require.Contains(t, made, next.Format("autofill_events_y2006m01"))
		} else {
			require.Empty(t, made)
		}
		id := uuid.NewString()
		first, err := learning.SaveEvents(ctx, db, u.ID, oneEvent(id, next.Add(-time.Minute)), nil)
		require.NoError(t, err)
		require.Equal(t, 1, first.Saved)
		again, err := learning.SaveEvents(ctx, db, u.ID, oneEvent(id, next.Add(time.Minute)), nil)
		require.NoError(t, err)
		require.Equal(t, 0, again.Saved)
		require.Equal(t, 1, again.Duplicates)
		require.True(t, again.Events[0].Duplicate)
		held := partitionOf(t, db, u.ID, id)
		require.Len(t, held, 1, "stored once")
		if store.IsPostgres(db) {
			require.NotEqual(t, next.Format("autofill_events_y2006m01"), held[0], "the first copy is in the month before")
			res, err := learning.SaveEvents(ctx, db, u.ID, oneEvent(uuid.NewString(), next.Add(time.Minute)), nil)
			require.NoError(t, err)
			require.Equal(t, []string{next.Format("autofill_events_y2006m01")}, partitionOf(t, db, u.ID, res.Events[0].EventID),
				"where the replay would have gone")
		}

		// Concurrent syncs of one event (each a batch with a new event too) store it once.
		shared := uuid.NewString()
		errs := make(chan error, 4)
		for range 4 {
			go func() {
				evs := append(oneEvent(shared, next.Add(time.Hour)), oneEvent(uuid.NewString(), next.Add(time.Hour))...)
				_, err := learning.SaveEvents(ctx, db, u.ID, evs, nil)
				errs <- err
			}()
		}
		for range 4 {
			require.NoError(t, <-errs)
		}
		require.Len(t, partitionOf(t, db, u.ID, shared), 1)
	})
}

// TestDeletedEventsMayBeSentAgain: deleting a user's events deletes their replay keys too, so
// nothing of them stays; an event the extension sends again afterwards is a new event (stored
// once more), and its own replays are skipped again.
func TestDeletedEventsMayBeSentAgain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		u, err := account.CreateUser(ctx, db, account.NewUser{Email: "again@example.test"})
		require.NoError(t, err)
		id := uuid.NewString()
		now := time.Now().UTC()
		_, err = learning.SaveEvents(ctx, db, u.ID, oneEvent(id, now), nil)
		require.NoError(t, err)
		n, err := learning.DeleteEvents(ctx, db, u, now)
		require.NoError(t, err)
		require.Equal(t, 1, n)
		if store.IsPostgres(db) {
			var keys int64
			require.NoError(t, db.Raw("SELECT COUNT(*) FROM autofill_event_keys WHERE user_id = ?", u.ID).Scan(&keys).Error)
			require.Zero(t, keys, "the keys go with the events")
		}
		res, err := learning.SaveEvents(ctx, db, u.ID, oneEvent(id, now), nil)
		require.NoError(t, err)
		require.Equal(t, 1, res.Saved, "sent again after the deletion: stored")
		res, err = learning.SaveEvents(ctx, db, u.ID, oneEvent(id, now.Add(time.Second)), nil)
		require.NoError(t, err)
		require.Equal(t, 1, res.Duplicates, "and its replay skipped")
		require.Len(t, partitionOf(t, db, u.ID, id), 1)
	})
}

// TestPartitionsAheadAndDropped (Postgres): EnsurePartitions makes the months ahead once, and
// moves into a new month the rows the default partition held for it; DropPartitions drops the
// months wholly before a horizon, with their rows, and marks their learning cells for the
// next fold.
func TestPartitionsAheadAndDropped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		if !store.IsPostgres(db) {
			t.Skip("SQLite keeps one events table")
		}
		ctx := context.Background()
		u, err := account.CreateUser(ctx, db, account.NewUser{Email: "months@example.test"})
		require.NoError(t, err)
		now := time.Now().UTC()
		month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		// Every serve's refresher does this: at once, they make each partition once.
		made := make(chan []string, 3)
		for range 3 {
			go func() {
				m, err := learning.EnsurePartitions(ctx, db, now)
				assert.NoError(t, err)
				made <- m
			}()
		}
		names := map[string]int{}
		for range 3 {
			for _, n := range <-made {
				names[n]++
			}
		}
		require.NotEmpty(t, names)
		for n, times := range names {
			require.Equal(t, 1, times, n)
		}
		again, err := learning.EnsurePartitions(ctx, db, now)
		require.NoError(t, err)
		require.Empty(t, again, "once")

		// Four months ahead has no partition yet: its event waits in the default one.
		far := month.AddDate(0, 4, 3)
		res, err := learning.SaveEvents(ctx, db, u.ID, oneEvent(uuid.NewString(), far), nil)
		require.NoError(t, err)
		farID := res.Events[0].EventID
		require.Equal(t, []string{"autofill_events_default"}, partitionOf(t, db, u.ID, farID))
		moved, err := learning.EnsurePartitions(ctx, db, far)
		require.NoError(t, err)
		require.Contains(t, moved, far.Format("autofill_events_y2006m01"))
		require.Equal(t, []string{far.Format("autofill_events_y2006m01")}, partitionOf(t, db, u.ID, farID), "moved to its month")

		inNext := month.AddDate(0, learning.MonthsAhead, 5) // always in a month of its own
		res, err = learning.SaveEvents(ctx, db, u.ID, oneEvent(uuid.NewString(), inNext), nil)
		require.NoError(t, err)
		nextID := res.Events[0].EventID
		_, err = learning.FoldRollups(ctx, db, false)
		require.NoError(t, err)
		require.NoError(t, db.Exec("DELETE FROM learning_dirty").Error)

		// A horizon inside the month after: every partition before it goes.
		dropped, err := learning.DropPartitions(ctx, db, month.AddDate(0, learning.MonthsAhead+1, 10))
		require.NoError(t, err)
		require.Contains(t, dropped, "autofill_events_history")
		require.Contains(t, dropped, inNext.Format("autofill_events_y2006m01"))
		require.NotContains(t, dropped, far.Format("autofill_events_y2006m01"))
		require.Empty(t, partitionOf(t, db, u.ID, nextID))
		require.Len(t, partitionOf(t, db, u.ID, farID), 1, "a month after the horizon stays")
		var marked int64
		require.NoError(t, db.Raw("SELECT COUNT(*) FROM learning_dirty WHERE day = ?", inNext.Format(time.DateOnly)).Scan(&marked).Error)
		require.Positive(t, marked, "the dropped days' cells are marked")
		_, err = learning.FoldRollups(ctx, db, false)
		require.NoError(t, err)
		var cells int64
		require.NoError(t, db.Raw("SELECT COUNT(*) FROM learning_cells WHERE day = ?", inNext.Format(time.DateOnly)).Scan(&cells).Error)
		require.Zero(t, cells, "and the fold drops them")
	})
}

// TestDropPartitionsLeavesABusyPartition (Postgres): a partition DropPartitions cannot lock
// within a second (a reader of that month: a long fold, a rebuild, an export) is skipped, not
// an error that would stop the retention pass before PurgeEvents; the others are dropped.
func TestDropPartitionsLeavesABusyPartition(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		if !store.IsPostgres(db) {
			t.Skip("SQLite keeps one events table")
		}
		ctx := context.Background()
		now := time.Now().UTC()
		made, err := learning.EnsurePartitions(ctx, db, now)
		require.NoError(t, err)
		require.NotEmpty(t, made)
		busy := made[0]
		reader := db.Begin()
		defer reader.Rollback()
		require.NoError(t, reader.Exec("SELECT COUNT(*) FROM "+busy).Error)

		month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		dropped, err := learning.DropPartitions(ctx, db, month.AddDate(0, learning.MonthsAhead+1, 0))
		require.NoError(t, err, "a partition in use is left for the next pass")
		require.NotContains(t, dropped, busy)
		require.Subset(t, dropped, made[1:], "the months nobody reads are dropped")
	})
}

// TestDropPartitionsMarksWhatCommitsWhileItWaits (Postgres): a fold that commits new cells of a
// partition's days while DropPartitions waits for its lock has them marked too (the marks are
// taken once the partition is locked), so the next fold removes them; taken before, they
// missed those cells, which then outlived their events in the rollups.
func TestDropPartitionsMarksWhatCommitsWhileItWaits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		if !store.IsPostgres(db) {
			t.Skip("SQLite keeps one events table")
		}
		ctx := context.Background()
		now := time.Now().UTC()
		_, err := learning.EnsurePartitions(ctx, db, now)
		require.NoError(t, err)
		month := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
		inNext := month.AddDate(0, learning.MonthsAhead, 5) // always in a month of its own
		part := inNext.Format("autofill_events_y2006m01")
		day := inNext.Format(time.DateOnly)
		_, err = learning.FoldRollups(ctx, db, false) // the first fold builds: the next one folds
		require.NoError(t, err)

		// A fold under way: it reads the month's events and writes a cell of one of its days.
		fold := db.Begin()
		defer fold.Rollback()
		require.NoError(t, fold.Exec("SELECT COUNT(*) FROM "+part).Error)
		require.NoError(t, fold.Exec(`INSERT INTO learning_map_days (day, host, schema_hash, map_hash, events)
			VALUES (?, 'late.example.com', 'late-1', 7, 1)`, day).Error)

		done := make(chan []string, 1)
		go func() {
			dropped, err := learning.DropPartitions(ctx, db, month.AddDate(0, learning.MonthsAhead+1, 10))
			assert.NoError(t, err)
			done <- dropped
		}()
		// Once DropPartitions waits for the partition the fold reads, the fold commits (within
		// the second DropPartitions waits before it gives up).
		require.Eventually(t, func() bool {
			var waiting int64
			err := db.Raw("SELECT COUNT(*) FROM pg_locks WHERE NOT granted AND relation = to_regclass(?)", part).Scan(&waiting).Error
			return err == nil && waiting > 0
		}, 10*time.Second, time.Millisecond, "DropPartitions waits for the fold")
		require.NoError(t, fold.Commit().Error)
		require.Contains(t, <-done, part)

		_, err = learning.FoldRollups(ctx, db, false)
		require.NoError(t, err)
		var left int64
		require.NoError(t, db.Raw("SELECT COUNT(*) FROM learning_map_days WHERE day = ?", day).Scan(&left).Error)
		require.Zero(t, left, "the cell committed while DropPartitions waited is marked, and folded away")
	})
}
