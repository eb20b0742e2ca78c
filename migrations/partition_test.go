package migrations_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/migrations"
	"github.com/applylens/learning/seeds"
)

// TestPartitionsAdoptTheTable (Postgres): a database whose events table is not partitioned
// and holds rows gets, from the step, only the key table and a pending conversion; syncs go on
// meanwhile. The backfill then makes the old table the first partition without copying it
// (same oid and file), fills the keys of its rows (a replay of an old event is skipped), moves
// the marks' triggers to the parent and adds a default partition. Rolling the step back
// returns one table with every row; applying it again converts again.
func TestPartitionsAdoptTheTable(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db := beforePartitions(t, b)
		require.False(t, partitioned(t, db))
		require.False(t, db.Migrator().HasTable("autofill_event_keys"))
		now := time.Now().UTC()
		var evs []seeds.Ev
		for i := range 30 {
			evs = append(evs, seeds.Ev{User: "u-old", Host: "jobs.lever.co", SchemaHash: "adopt", CreatedAt: now.AddDate(0, 0, -3*i)})
		}
		old, err := seeds.Insert(ctx, db, evs)
		require.NoError(t, err)
		file := func(name string) (oid, node int64) {
			require.NoError(t, db.Raw("SELECT oid::bigint, relfilenode::bigint FROM pg_class WHERE oid = to_regclass(?)", name).
				Row().Scan(&oid, &node))
			return oid, node
		}
		oid, node := file("autofill_events")

		require.NoError(t, migrations.UpSchema(ctx, db))
		require.False(t, partitioned(t, db), "the step leaves the rows to the backfill")
		require.True(t, db.Migrator().HasTable("autofill_event_keys"))
		fresh, err := learning.SaveEvents(ctx, db, "u-old", []models.AutofillEvent{{Host: "jobs.lever.co", SchemaHash: "adopt",
			Status: "ok", FinalMap: models.NewJSON(models.StringMap{})}}, nil)
		require.NoError(t, err, "a sync while the conversion is pending")
		require.Equal(t, 1, fresh.Saved)

		pending, err := migrations.ReadStatus(ctx, db)
		require.NoError(t, err)
		require.True(t, pending.Partitioning.Pending, "the Schema page and /readyz show the conversion")
		require.True(t, pending.Partitioning.StartedAt.IsZero(), "not started before the backfill runs it")
		var reported []migrations.BackfillStatus
		_, err = migrations.RunBackfill(ctx, db, true, func(st migrations.BackfillStatus) {
			if st.Name == migrations.PartitionsBackfill {
				reported = append(reported, st)
			}
		})
		require.NoError(t, err)
		require.True(t, partitioned(t, db))
		require.NotEmpty(t, reported, "the keys' fill reports its progress")
		last := reported[len(reported)-1]
		require.EqualValues(t, len(old)+1, last.Total, "every event, the one synced meanwhile too")
		require.Equal(t, last.Total, last.Done)
		require.False(t, last.StartedAt.IsZero())
		done, err := migrations.ReadPartitioning(ctx, db)
		require.NoError(t, err)
		require.False(t, done.Pending)
		require.Equal(t, last.Done, done.Done)
		gotOID, gotNode := file("autofill_events_history")
		require.Equal(t, oid, gotOID, "the old table is the first partition")
		require.Equal(t, node, gotNode, "not rewritten")
		count := func(q string) int64 {
			var n int64
			require.NoError(t, db.Raw(q).Scan(&n).Error, q)
			return n
		}
		require.EqualValues(t, len(old)+1, count("SELECT COUNT(*) FROM autofill_events"))
		require.EqualValues(t, len(old)+1, count("SELECT COUNT(*) FROM autofill_event_keys"))
		require.EqualValues(t, 1, count("SELECT COUNT(*) FROM pg_class WHERE oid = to_regclass('autofill_events_default')"))
		require.EqualValues(t, 3, count(`SELECT COUNT(*) FROM pg_trigger WHERE tgrelid = 'autofill_events'::regclass AND tgname LIKE 'learning_dirty_%'`))
		require.EqualValues(t, 0, count(`SELECT COUNT(*) FROM pg_trigger WHERE tgrelid = 'autofill_events_history'::regclass AND NOT tgisinternal AND tgparentid = 0`))
		var dup models.AutofillEvent = old[0]
		dup.ID, dup.CreatedAt = "", now
		replay, err := learning.SaveEvents(ctx, db, "u-old", []models.AutofillEvent{dup}, nil)
		require.NoError(t, err)
		require.Equal(t, 1, replay.Duplicates, "an old event's replay is skipped")
		require.NoError(t, db.Exec("DELETE FROM learning_dirty").Error)
		require.NoError(t, db.Exec("UPDATE autofill_events SET feedback_status = 'helpful' WHERE id = ?", old[0].ID).Error)
		require.EqualValues(t, 1, count("SELECT COUNT(DISTINCT day || host || schema_hash) FROM learning_dirty"), "the parent's triggers mark a rating")

		require.NoError(t, migrations.DownTo(ctx, db, stepBefore(t, partitionsStep)))
		require.False(t, partitioned(t, db))
		require.EqualValues(t, len(old)+1, count("SELECT COUNT(*) FROM autofill_events"), "the rollback keeps every row")
		require.NoError(t, migrations.Up(ctx, db))
		require.True(t, partitioned(t, db))
		require.EqualValues(t, len(old)+1, count("SELECT COUNT(*) FROM autofill_event_keys"))
	})
}

const partitionsStep = "202612062000_event_partitions"

// beforePartitions is a new Postgres database rolled back to before the partitions step (SQLite
// keeps one events table: the test is skipped).
func beforePartitions(t *testing.T, b storetest.Backend) *gorm.DB {
	t.Helper()
	if b.Name != "postgres" {
		t.Skip("SQLite keeps one events table")
	}
	db := b.New(t)
	require.NoError(t, migrations.DownTo(context.Background(), db, stepBefore(t, partitionsStep)))
	return db
}

func partitioned(t *testing.T, db *gorm.DB) bool {
	t.Helper()
	var kind string
	require.NoError(t, db.Raw("SELECT relkind::text FROM pg_class WHERE oid = 'autofill_events'::regclass").Scan(&kind).Error)
	return kind == "p"
}

// TestPartitionsReplaceAPassedBound (Postgres): a conversion that recorded its bound, added its
// CHECK and stopped (a stopped `migrate up`, a crash, lock waits exhausted) is carried on after
// the bound passed. The CHECK refuses every sync from the bound on; the conversion drops it,
// chooses a bound a week ahead at least and finishes, and syncs go on.
func TestPartitionsReplaceAPassedBound(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db := beforePartitions(t, b)
		now := time.Now().UTC()
		_, err := seeds.Insert(ctx, db, []seeds.Ev{{User: "u-stale", Host: "jobs.lever.co", SchemaHash: "stale", CreatedAt: now.AddDate(0, 0, -40)},
			{User: "u-stale", Host: "jobs.lever.co", SchemaHash: "stale", CreatedAt: now.Add(-time.Hour)}})
		require.NoError(t, err)
		require.NoError(t, migrations.UpSchema(ctx, db))
		// What a conversion that chose its bound last month left.
		stale := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)
		require.NoError(t, db.Exec("UPDATE schema_backfills SET last_id = ? WHERE name = ?", stale, migrations.PartitionsBackfill).Error)
		require.NoError(t, db.Exec(`ALTER TABLE autofill_events ADD CONSTRAINT autofill_events_history_range
			CHECK (created_at IS NOT NULL AND created_at < '`+stale+`') NOT VALID`).Error)
		sync := func() error {
			_, err := learning.SaveEvents(ctx, db, "u-stale", []models.AutofillEvent{{Host: "jobs.lever.co", SchemaHash: "stale",
				Status: "ok", FinalMap: models.NewJSON(models.StringMap{})}}, nil)
			return err
		}
		require.Error(t, sync(), "the passed bound refuses syncs until the conversion carries on")

		_, err = migrations.RunBackfill(ctx, db, true, nil)
		require.NoError(t, err, "the conversion carries on with a new bound")
		require.True(t, partitioned(t, db))
		var bound string
		require.NoError(t, db.Raw("SELECT last_id FROM schema_backfills WHERE name = ?", migrations.PartitionsBackfill).Scan(&bound).Error)
		recorded, err := time.Parse(time.RFC3339, bound)
		require.NoError(t, err)
		require.True(t, recorded.After(now.AddDate(0, 0, 7)), "a bound a week ahead at least, got %s", bound)
		require.NoError(t, sync(), "a sync after the conversion")
	})
}

// TestPartitionsStepLocksNoBusyTable (Postgres): gormigrate holds a step's locks until the last
// pending step commits, and a sync queues behind a lock being waited for. Behind an open reader
// of the events the step neither waits for nor takes their lock: a table with rows is left to
// the backfill at once; an empty one is too, after a lock wait of a second, and the backfill
// converts it once the reader is gone.
func TestPartitionsStepLocksNoBusyTable(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		for _, rows := range []int{1, 0} {
			t.Run(map[int]string{1: "rows", 0: "empty"}[rows], func(t *testing.T) {
				ctx := context.Background()
				db := beforePartitions(t, b)
				if rows > 0 {
					_, err := seeds.Insert(ctx, db, []seeds.Ev{{User: "u-busy", Host: "jobs.lever.co", SchemaHash: "busy", CreatedAt: time.Now().UTC()}})
					require.NoError(t, err)
				}
				reader := db.Begin()
				defer reader.Rollback()
				require.NoError(t, reader.Exec("SELECT COUNT(*) FROM autofill_events").Error)

				up, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				require.NoError(t, migrations.UpSchema(up, db), "the step waits for no reader")
				require.False(t, partitioned(t, db))
				pending, err := migrations.PartitioningPending(ctx, db)
				require.NoError(t, err)
				require.True(t, pending)
				require.NoError(t, reader.Rollback().Error)
				_, err = migrations.RunBackfill(ctx, db, true, nil)
				require.NoError(t, err)
				require.True(t, partitioned(t, db))
			})
		}
	})
}

// TestPartitionsRollbackDropsAStoppedConversion (Postgres): a conversion stopped while it built
// its indexes (here cancelled: an open transaction's snapshot holds CREATE INDEX CONCURRENTLY
// back) leaves its CHECK and indexes on the plain table. Rolling the step back drops them, so
// the rolled-back table takes rows after the bound, and applying the step again converts.
func TestPartitionsRollbackDropsAStoppedConversion(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db := beforePartitions(t, b)
		before := stepBefore(t, partitionsStep)
		now := time.Now().UTC()
		_, err := seeds.Insert(ctx, db, []seeds.Ev{{User: "u-back", Host: "jobs.lever.co", SchemaHash: "back", CreatedAt: now.Add(-time.Hour)}})
		require.NoError(t, err)
		require.NoError(t, migrations.UpSchema(ctx, db))
		snapshot := db.Begin(&sql.TxOptions{Isolation: sql.LevelRepeatableRead})
		defer snapshot.Rollback()
		var holder int64
		require.NoError(t, snapshot.Raw("SELECT pg_backend_pid()").Scan(&holder).Error)
		stop, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_, err = migrations.RunBackfill(stop, db, true, nil)
		require.Error(t, err, "stopped while building the indexes")
		// A cancelled statement's backend may still wait: it is ended, as a crash would, before
		// the snapshot goes (otherwise it would finish its index meanwhile).
		require.NoError(t, db.Exec(`SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity
			WHERE ? = ANY(pg_blocking_pids(pid))`, holder).Error)
		require.NoError(t, snapshot.Rollback().Error)
		count := func(q string) int64 {
			var n int64
			require.NoError(t, db.Raw(q).Scan(&n).Error, q)
			return n
		}
		const leftovers = `SELECT (SELECT COUNT(*) FROM pg_constraint WHERE conrelid = 'autofill_events'::regclass
				AND conname = 'autofill_events_history_range')
			+ (SELECT COUNT(*) FROM pg_index WHERE indrelid = 'autofill_events'::regclass
				AND indexrelid::regclass::text IN ('autofill_events_history_pkey', 'autofill_events_history_user_event'))`
		require.Positive(t, count(leftovers), "the stopped conversion's CHECK and index")

		require.NoError(t, migrations.DownTo(ctx, db, before))
		require.Zero(t, count(leftovers), "the rollback drops what the conversion added")
		_, err = seeds.Insert(ctx, db, []seeds.Ev{{User: "u-back", Host: "jobs.lever.co", SchemaHash: "back", CreatedAt: now.AddDate(0, 3, 0)}})
		require.NoError(t, err, "an event after the bound, on the rolled-back table")
		require.NoError(t, migrations.Up(ctx, db))
		require.True(t, partitioned(t, db))
	})
}

// TestPartitionProgress (Postgres): the keys' fill ends with every event keyed, the total
// included, when events were deleted while it ran; and a fill that fails says why on the
// conversion's row (the Schema page and /readyz show it).
func TestPartitionProgress(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db := beforePartitions(t, b)
		defer migrations.SetBackfillBatch(5)()
		now := time.Now().UTC()
		var evs []seeds.Ev
		for i := range 30 {
			evs = append(evs, seeds.Ev{User: "u-old", Host: "jobs.lever.co", SchemaHash: "progress", CreatedAt: now.Add(-time.Duration(i) * time.Hour)})
		}
		_, err := seeds.Insert(ctx, db, evs)
		require.NoError(t, err)
		require.NoError(t, migrations.UpSchema(ctx, db))

		require.NoError(t, db.Exec("ALTER TABLE autofill_event_keys ADD CONSTRAINT no_keys CHECK (created_at < '2000-01-01') NOT VALID").Error)
		_, err = migrations.RunBackfill(ctx, db, true, nil)
		require.Error(t, err)
		failed, err := migrations.ReadPartitioning(ctx, db)
		require.NoError(t, err)
		require.True(t, failed.Pending)
		require.Contains(t, failed.LastError, "SQLSTATE 23514", "the fill's failure is recorded")
		require.NoError(t, db.Exec("ALTER TABLE autofill_event_keys DROP CONSTRAINT no_keys").Error)

		deleted := false
		_, err = migrations.RunBackfill(ctx, db, true, func(st migrations.BackfillStatus) {
			if st.Name == migrations.PartitionsBackfill && !deleted {
				deleted = true
				require.NoError(t, db.Exec("DELETE FROM autofill_events WHERE id IN (SELECT id FROM autofill_events ORDER BY id DESC LIMIT 3)").Error)
			}
		})
		require.NoError(t, err)
		require.True(t, deleted)
		done, err := migrations.ReadPartitioning(ctx, db)
		require.NoError(t, err)
		require.False(t, done.Pending)
		require.EqualValues(t, 27, done.Done)
		require.EqualValues(t, 27, done.Total, "the deleted events leave the total")
		require.Empty(t, done.LastError)
	})
}
