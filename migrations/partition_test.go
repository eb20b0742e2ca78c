package migrations_test

import (
	"context"
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
		if b.Name != "postgres" {
			t.Skip("SQLite keeps one events table")
		}
		ctx := context.Background()
		db := b.New(t)
		const step = "202612062000_event_partitions"
		require.NoError(t, migrations.DownTo(ctx, db, stepBefore(t, step)))
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

		_, err = migrations.RunBackfill(ctx, db, true, nil)
		require.NoError(t, err)
		require.True(t, partitioned(t, db))
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

		require.NoError(t, migrations.DownTo(ctx, db, stepBefore(t, step)))
		require.False(t, partitioned(t, db))
		require.EqualValues(t, len(old)+1, count("SELECT COUNT(*) FROM autofill_events"), "the rollback keeps every row")
		require.NoError(t, migrations.Up(ctx, db))
		require.True(t, partitioned(t, db))
		require.EqualValues(t, len(old)+1, count("SELECT COUNT(*) FROM autofill_event_keys"))
	})
}

func partitioned(t *testing.T, db *gorm.DB) bool {
	t.Helper()
	var kind string
	require.NoError(t, db.Raw("SELECT relkind::text FROM pg_class WHERE oid = 'autofill_events'::regclass").Scan(&kind).Error)
	return kind == "p"
}
