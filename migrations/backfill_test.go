package migrations_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/migrations"
	"github.com/applylens/learning/seeds"
)

// filled is what the backfill wrote into an event.
type filled struct {
	EventID, HostFamily *string
	FinalMapHash        *int64
	EditTotal           *int64
}

func readFilled(t *testing.T, db *gorm.DB) map[string]filled {
	t.Helper()
	var rows []struct {
		ID                  string
		EventID, HostFamily *string
		FinalMapHash        *int64
		EditTotal           *int64
	}
	require.NoError(t, db.Raw(`SELECT CAST(id AS text) AS id, CAST(event_id AS text) AS event_id, host_family,
		final_map_hash, edit_total FROM autofill_events`).Scan(&rows).Error)
	out := map[string]filled{}
	for _, r := range rows {
		out[r.ID] = filled{r.EventID, r.HostFamily, r.FinalMapHash, r.EditTotal}
	}
	return out
}

// requireFilled checks every old row got event_id = id, its host's family and its derived
// columns.
func requireFilled(t *testing.T, db *gorm.DB, rows []storetest.OldRow) {
	t.Helper()
	got := readFilled(t, db)
	families := map[string]string{"boards.greenhouse.io": "greenhouse", "jobs.lever.co": "lever", "careers.example.com": ""}
	for i, r := range rows {
		f := got[r.ID]
		require.NotNil(t, f.EventID, r.ID)
		require.Equal(t, r.ID, *f.EventID)
		require.NotNil(t, f.HostFamily, r.ID)
		require.Equal(t, families[r.Host], *f.HostFamily)
		h, ok := migrations.FinalMapHashAt202611([]byte(r.FinalMap))
		require.True(t, ok)
		require.Equal(t, &h, f.FinalMapHash, r.FinalMap)
		require.Equal(t, new(int64(i)), f.EditTotal, r.EditStats)
	}
}

// TestBackfillResumes: a backfill stopped after three batches has filled exactly those
// batches and recorded them; run again it goes on from there (it walks each row once in all)
// and fills every row. Meanwhile a current writer stores events as usual, and an old writer
// stores one behind the cursor, which the final sweep fills. On Postgres event_id is NOT NULL
// at the end.
func TestBackfillResumes(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		db := b.New(t)
		rows := storetest.Adopting(t, db, 40)
		defer migrations.SetBackfillBatch(7)()

		ctx, cancel := context.WithCancel(context.Background())
		batches := 0
		var written []models.AutofillEvent
		_, err := migrations.RunBackfill(ctx, db, true, func(st migrations.BackfillStatus) {
			batches++
			require.EqualValues(t, 7*batches, st.Done)
			require.EqualValues(t, 40, st.Total)
			if batches == 1 {
				// The service keeps writing: a sync through the current writer, and a row of an old
				// writer (the original service, during a rolling switch) before the cursor.
				w, err := seeds.Insert(context.Background(), db, []seeds.Ev{{Host: "x.greenhouse.io", SchemaHash: "new"}})
				require.NoError(t, err)
				written = w
				behind := storetest.OldRow{ID: "00000000-0000-4000-8000-000000000001", Host: "jobs.lever.co",
					FinalMap: `{"#n":"0"}`, EditStats: `{"total_chars_added":0}`}
				storetest.InsertOld(t, db, behind)
				rows = append(rows, behind)
			}
			if batches == 3 {
				cancel()
			}
		})
		require.ErrorIs(t, err, context.Canceled)
		st, err := migrations.ReadBackfill(context.Background(), db)
		require.NoError(t, err)
		require.True(t, st.Pending)
		require.EqualValues(t, 21, st.Done, "three batches recorded")
		var done int64
		require.NoError(t, db.Raw("SELECT COUNT(*) FROM autofill_events WHERE host_family IS NOT NULL").Scan(&done).Error)
		require.EqualValues(t, 21+1, done, "three batches filled, and the row the current writer stored")

		// The aggregator waits, and says why.
		err = migrations.CheckBackfill(context.Background(), db)
		var pending *migrations.BackfillPendingError
		require.ErrorAs(t, err, &pending)
		require.Contains(t, err.Error(), "21 of 40 rows", "of the rows there were when it started")

		st, err = migrations.RunBackfill(context.Background(), db, true, nil)
		require.NoError(t, err)
		require.False(t, st.Pending)
		// Each row walked once: the 40, and the synced one only if its id (a time-ordered v7,
		// which sorts before nearly every random one) fell after the cursor; the row behind the
		// cursor is the sweep's.
		require.True(t, st.Done == 40 || st.Done == 41, "walked %d", st.Done)
		require.NoError(t, migrations.CheckBackfill(context.Background(), db))
		requireFilled(t, db, rows[:40])
		behind := readFilled(t, db)[rows[40].ID]
		require.NotNil(t, behind.HostFamily, "the sweep filled the row behind the cursor")
		require.NotNil(t, behind.EventID)
		if b.Name == "sqlite" {
			require.Equal(t, rows[40].ID, *behind.EventID, "the sweep filled the row behind the cursor")
		} // on Postgres the column's default gave it a key of its own when it was stored
		require.Equal(t, "lever", *behind.HostFamily, "the sweep filled the row behind the cursor")
		require.Equal(t, *written[0].FinalMapHash, *readFilled(t, db)[written[0].ID].FinalMapHash, "the writer's row kept")

		if b.Name == "postgres" {
			var nullable string
			require.NoError(t, db.Raw(`SELECT is_nullable FROM information_schema.columns WHERE table_schema = current_schema()
				AND table_name = 'autofill_events' AND column_name = 'event_id'`).Scan(&nullable).Error)
			require.Equal(t, "NO", nullable)
			var checks int64
			require.NoError(t, db.Raw(`SELECT COUNT(*) FROM pg_constraint WHERE conname = 'autofill_events_event_id_not_null'`).
				Scan(&checks).Error)
			require.Zero(t, checks, "the helper constraint is gone")
		}

		// Done is done: running it again walks nothing.
		again, err := migrations.RunBackfill(context.Background(), db, false, nil)
		require.NoError(t, err)
		require.Equal(t, st.Done, again.Done)
	})
}

// TestBackfillOneAtATime: on Postgres a process that finds another running the backfill gets
// ErrBackfillBusy at once (serve's background worker), or waits for it (migrate up).
func TestBackfillOneAtATime(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		if b.Name != "postgres" {
			t.Skip("SQLite has one writer; there is no lock to contend for")
		}
		db := b.New(t)
		rows := storetest.Adopting(t, db, 10)
		ctx := context.Background()
		_, release, held, err := store.HoldAdvisoryLock(ctx, db, store.LockBackfill, false)
		require.NoError(t, err)
		require.True(t, held)
		_, err = migrations.RunBackfill(ctx, db, false, nil)
		require.ErrorIs(t, err, migrations.ErrBackfillBusy)

		done := make(chan error, 1)
		go func() { _, err := migrations.RunBackfill(ctx, db, true, nil); done <- err }()
		// It waits for the lock (migrate up's case) ...
		require.Eventually(t, func() bool {
			var waiting int64
			db.Raw("SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").Scan(&waiting)
			return waiting > 0
		}, 10*time.Second, 20*time.Millisecond)
		// ... and runs when it is free.
		require.NoError(t, release())
		require.NoError(t, <-done)
		requireFilled(t, db, rows)
	})
}

// TestEmptyDatabaseNeedsNoBackfill: a new database has nothing to fill, and on Postgres its
// event_id is NOT NULL from the step on. A step applied again on the same pool (UpSchema) makes
// the check read the state again instead of answering from what it saw.
func TestEmptyDatabaseNeedsNoBackfill(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db := b.New(t)
		st, err := migrations.ReadBackfill(ctx, db)
		require.NoError(t, err)
		require.False(t, st.Pending)
		require.NoError(t, migrations.CheckBackfill(ctx, db))
		if b.Name == "postgres" {
			var nullable string
			require.NoError(t, db.Raw(`SELECT is_nullable FROM information_schema.columns WHERE table_schema = current_schema()
				AND table_name = 'autofill_events' AND column_name = 'event_id'`).Scan(&nullable).Error)
			require.Equal(t, "NO", nullable)
		}

		storetest.Adopting(t, db, 3)
		var pending *migrations.BackfillPendingError
		require.ErrorAs(t, migrations.CheckBackfill(ctx, db), &pending)
	})
}

// TestRollbackDuringBackfill: rolling back a step whose columns the backfill fills leaves it
// pending (the aggregator still waits), it refuses to run until the steps are applied again,
// and then finishes.
func TestRollbackDuringBackfill(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db := b.New(t)
		rows := storetest.Adopting(t, db, 5)
		require.NoError(t, migrations.DownTo(ctx, db, "202611290600_report_rollup"))
		var pending *migrations.BackfillPendingError
		require.ErrorAs(t, migrations.CheckBackfill(ctx, db), &pending)
		_, err := migrations.RunBackfill(ctx, db, true, nil)
		require.ErrorContains(t, err, "pending step(s) first (`migrate up`)")
		require.NoError(t, migrations.Up(ctx, db))
		require.NoError(t, migrations.CheckBackfill(ctx, db))
		requireFilled(t, db, rows)
	})
}

// TestOldWriterAfterAdoption: once adopted, a writer that knows nothing of the new columns (the
// original service during a rolling switch) can still store an event, on Postgres too, where
// event_id is NOT NULL; the aggregator's next fold gives it its host family and derived columns.
func TestOldWriterAfterAdoption(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		db := b.New(t)
		require.NoError(t, db.Exec("INSERT INTO users (id, email) VALUES ('u-legacy', 'legacy@example.test')").Error)
		row := storetest.OldRow{ID: uuid.NewString(), Host: "boards.greenhouse.io", FinalMap: `{"#n":"7"}`,
			EditStats: `{"total_chars_added":7}`}
		storetest.InsertOld(t, db, row)
		if b.Name == "postgres" {
			require.NotNil(t, readFilled(t, db)[row.ID].EventID, "a key of its own")
		}
		_, err := learning.FoldRollups(context.Background(), db, false)
		require.NoError(t, err)
		f := readFilled(t, db)[row.ID]
		require.NotNil(t, f.HostFamily)
		require.Equal(t, "greenhouse", *f.HostFamily)
		h, _ := migrations.FinalMapHashAt202611([]byte(row.FinalMap))
		require.Equal(t, &h, f.FinalMapHash)
		require.Equal(t, new(int64(7)), f.EditTotal)
	})
}

// TestRatingBeforeTheBackfill: an adopted event the backfill has not reached yet can be rated
// by the event_id it will get (its id).
func TestRatingBeforeTheBackfill(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		db := b.New(t)
		rows := storetest.Adopting(t, db, 2)
		require.NoError(t, learning.RateEvent(context.Background(), db, "u-legacy", rows[1].ID, learning.Helpful, nil))
		var rated []string
		require.NoError(t, db.Raw("SELECT CAST(id AS text) FROM autofill_events WHERE feedback_status = ?", learning.Helpful).
			Scan(&rated).Error)
		require.Equal(t, []string{rows[1].ID}, rated)
	})
}

// TestFinishResumes: a finish that stopped after adding its constraint, or after validating
// it, carries on to NOT NULL and leaves no constraint behind (Postgres).
func TestFinishResumes(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		if b.Name != "postgres" {
			t.Skip("SQLite's event_id stays nullable")
		}
		for _, stopped := range []string{"added", "validated"} {
			db := b.New(t)
			rows := storetest.Adopting(t, db, 4)
			require.NoError(t, db.Exec("UPDATE autofill_events SET event_id = id").Error) // walked already
			require.NoError(t, db.Exec(`ALTER TABLE autofill_events ADD CONSTRAINT autofill_events_event_id_not_null
				CHECK (event_id IS NOT NULL) NOT VALID`).Error)
			if stopped == "validated" {
				require.NoError(t, db.Exec("ALTER TABLE autofill_events VALIDATE CONSTRAINT autofill_events_event_id_not_null").Error)
			}
			_, err := migrations.RunBackfill(context.Background(), db, true, nil)
			require.NoError(t, err, stopped)
			requireFilled(t, db, rows)
			var nullable string
			var checks int64
			require.NoError(t, db.Raw(`SELECT is_nullable FROM information_schema.columns WHERE table_schema = current_schema()
				AND table_name = 'autofill_events' AND column_name = 'event_id'`).Scan(&nullable).Error)
			require.NoError(t, db.Raw(`SELECT COUNT(*) FROM pg_constraint WHERE conrelid = 'autofill_events'::regclass
				AND conname = 'autofill_events_event_id_not_null'`).Scan(&checks).Error)
			require.Equal(t, "NO", nullable, stopped)
			require.Zero(t, checks, stopped)
		}
	})
}
