package migrations_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/migrations"
	"github.com/applylens/learning/seeds"
)

func status(t *testing.T, db *gorm.DB) migrations.Status {
	t.Helper()
	st, err := migrations.ReadStatus(context.Background(), db)
	require.NoError(t, err)
	return st
}

func TestUpDownUp(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db, _ := b.Open(t)

		st := status(t, db)
		require.Equal(t, migrations.IDs(), st.Pending)
		require.False(t, st.Current())

		require.NoError(t, migrations.Up(ctx, db))
		st = status(t, db)
		require.True(t, st.Current())
		require.Equal(t, migrations.IDs(), st.Applied)
		for _, c := range st.Checks {
			require.True(t, c.Present, c.Name)
		}
		var styles int64
		require.NoError(t, db.Table("gen_styles").Count(&styles).Error)
		require.EqualValues(t, 3, styles)

		// A second up does nothing.
		require.NoError(t, migrations.Up(ctx, db))
		require.Equal(t, migrations.IDs(), status(t, db).Applied)

		require.NoError(t, migrations.DownAll(ctx, db))
		st = status(t, db)
		require.Empty(t, st.Applied)
		for _, table := range []string{"users", "autofill_events", "form_profiles", "gen_styles", "api_tokens", "aggregator_runs"} {
			require.False(t, db.Migrator().HasTable(table), table)
		}

		require.NoError(t, migrations.Up(ctx, db))
		require.True(t, status(t, db).Current())
	})
}

func TestRollbackPhase52RemovesExactlyColumnAndIndex(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db := b.New(t)
		require.NoError(t, migrations.DownTo(ctx, db, "202511010000_phase50_learning_tables"))
		st := status(t, db)
		require.Equal(t, []string{"202511010000_phase50_learning_tables"}, st.Applied)
		for _, c := range st.Checks {
			require.False(t, c.Present, c.Name)
		}
		require.True(t, db.Migrator().HasTable("autofill_events"))
		require.True(t, db.Migrator().HasColumn("autofill_events", "feedback_status"))
		require.NoError(t, migrations.Up(ctx, db))
		require.True(t, status(t, db).Current())
	})
}

func TestDownLastAndUnknownTarget(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db := b.New(t)
		require.NoError(t, migrations.DownLast(ctx, db))
		ids := migrations.IDs()
		require.Equal(t, []string{ids[len(ids)-1]}, status(t, db).Pending)
		require.ErrorContains(t, migrations.DownTo(ctx, db, "nope"), `unknown step "nope"`)
	})
}

func TestConcurrentUp(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		cfg := b.Config(t)
		dbs := []*gorm.DB{storetest.OpenConfig(t, cfg), storetest.OpenConfig(t, cfg)}
		var wg sync.WaitGroup
		errs := make([]error, len(dbs))
		for i, db := range dbs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = migrations.Up(context.Background(), db)
			}()
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err)
		}
		st := status(t, dbs[0])
		require.True(t, st.Current())
		var n int64
		require.NoError(t, dbs[0].Table(migrations.TableName).Count(&n).Error)
		require.EqualValues(t, len(migrations.IDs()), n, "each step recorded once")
	})
}

// TestEventDisciplineStep: the step adds the column, its rules version and index; its
// rollback removes exactly those and keeps the events.
func TestEventDisciplineStep(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db := b.New(t)
		require.True(t, db.Migrator().HasColumn("autofill_events", "discipline"))
		require.True(t, db.Migrator().HasColumn("autofill_events", "discipline_rules"))
		require.True(t, db.Migrator().HasIndex("autofill_events", "ix_autofill_events_discipline"))
		require.NoError(t, migrations.DownTo(ctx, db, stepBefore(t, "202612061400_event_discipline")))
		require.False(t, db.Migrator().HasColumn("autofill_events", "discipline"))
		require.False(t, db.Migrator().HasColumn("autofill_events", "discipline_rules"))
		require.False(t, db.Migrator().HasIndex("autofill_events", "ix_autofill_events_discipline"))
		require.True(t, db.Migrator().HasColumn("autofill_events", "segment_key"))
		require.NoError(t, migrations.Up(ctx, db))
		require.True(t, db.Migrator().HasColumn("autofill_events", "discipline"))
	})
}

// TestRollupDisciplineStep: the step adds the rollup's discipline column and forgets the
// rollup's state (the next refresh rebuilds it); its rollback drops the column.
func TestRollupDisciplineStep(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db := b.New(t)
		require.True(t, db.Migrator().HasColumn("report_daily_events", "discipline"))
		require.NoError(t, migrations.DownTo(ctx, db, stepBefore(t, "202612061500_rollup_discipline")))
		require.False(t, db.Migrator().HasColumn("report_daily_events", "discipline"))
		require.True(t, db.Migrator().HasColumn("report_daily_events", "segment_key"))
		require.NoError(t, db.Exec(`INSERT INTO report_state (name, refreshed_at, covered_until, rebuilt_at)
			VALUES ('events', ?, ?, ?)`, time.Now(), time.Now(), time.Now()).Error)
		require.NoError(t, migrations.Up(ctx, db))
		require.True(t, db.Migrator().HasColumn("report_daily_events", "discipline"))
		require.Zero(t, storetest.Count(t, db, "report_state"), "the rollup is rebuilt with the column filled")
	})
}

// stepBefore is the id of the step that precedes id.
func stepBefore(t *testing.T, id string) string {
	t.Helper()
	ids := migrations.IDs()
	i := slices.Index(ids, id)
	require.Positive(t, i, "no step %s, or nothing before it", id)
	return ids[i-1]
}

// TestLearningRollupsStep: the step adds the rollup tables and the triggers that mark changed
// cells (a rating and a delete each mark their cell; an insert is recorded in learning_new since
// a later step); its rollback removes them and keeps the events.
func TestLearningRollupsStep(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db := b.New(t)
		for _, table := range []string{"learning_cells", "learning_map_days", "learning_maps", "learning_dirty"} {
			require.True(t, db.Migrator().HasTable(table), table)
		}
		marks := func() int64 {
			var n int64
			require.NoError(t, db.Raw("SELECT COUNT(DISTINCT day || host || schema_hash) FROM learning_dirty").Scan(&n).Error)
			return n
		}
		at := time.Date(2026, 12, 1, 23, 59, 0, 0, time.UTC)
		_, err := seeds.Insert(ctx, db, []seeds.Ev{{Host: "a.example", SchemaHash: "f", CreatedAt: at}})
		require.NoError(t, err)
		require.EqualValues(t, 0, marks(), "an insert is recorded in learning_new instead (TestLearningNewEventsStep)")
		require.NoError(t, db.Exec("UPDATE autofill_events SET feedback_status = 'helpful'").Error)
		require.EqualValues(t, 1, marks())
		var day string
		require.NoError(t, db.Raw("SELECT day FROM learning_dirty").Scan(&day).Error)
		require.Equal(t, "2026-12-01", day, "the event's UTC day")
		require.NoError(t, db.Exec("DELETE FROM learning_dirty").Error)
		require.NoError(t, db.Exec("DELETE FROM autofill_events").Error)
		require.EqualValues(t, 1, marks())

		require.NoError(t, migrations.DownTo(ctx, db, stepBefore(t, "202612061510_learning_rollups")))
		for _, table := range []string{"learning_cells", "learning_map_days", "learning_maps", "learning_dirty"} {
			require.False(t, db.Migrator().HasTable(table), table)
		}
		_, err = seeds.Insert(ctx, db, []seeds.Ev{{Host: "a.example", SchemaHash: "f", CreatedAt: at}})
		require.NoError(t, err, "no trigger left behind")
		require.NoError(t, migrations.Up(ctx, db))
		require.True(t, db.Migrator().HasTable("learning_cells"))
	})
}

// TestLearningNewEventsStep: after the step an insert records its rows in learning_new and
// marks nothing, while an update still marks its cell; its rollback marks the cells of the
// events learning_new still names (the older fold recounts them), drops the table, and an
// insert marks its cell again.
func TestLearningNewEventsStep(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db := b.New(t)
		count := func(q string) int64 {
			t.Helper()
			var n int64
			require.NoError(t, db.Raw(q).Scan(&n).Error)
			return n
		}
		marks := func() int64 { return count("SELECT COUNT(DISTINCT day || host || schema_hash) FROM learning_dirty") }
		at := time.Date(2026, 12, 1, 23, 59, 0, 0, time.UTC)
		evs, err := seeds.Insert(ctx, db, []seeds.Ev{{Host: "a.example", SchemaHash: "f", CreatedAt: at}, {Host: "b.example", SchemaHash: "g", CreatedAt: at}})
		require.NoError(t, err)
		require.Zero(t, marks())
		require.EqualValues(t, 2, count("SELECT COUNT(*) FROM learning_new"))
		var ids []string
		require.NoError(t, db.Raw("SELECT CAST(id AS TEXT) FROM learning_new ORDER BY 1").Scan(&ids).Error)
		require.ElementsMatch(t, []string{evs[0].ID, evs[1].ID}, ids)
		require.NoError(t, db.Exec("UPDATE autofill_events SET feedback_status = 'helpful' WHERE host = 'b.example'").Error)
		require.EqualValues(t, 1, marks(), "an update marks its cell")

		require.NoError(t, migrations.DownTo(ctx, db, stepBefore(t, "202612070500_learning_new_events")))
		require.False(t, db.Migrator().HasTable("learning_new"))
		require.EqualValues(t, 2, marks(), "the cells of both new events: one marked by the update, one by the rollback")
		require.EqualValues(t, 1, count("SELECT COUNT(*) FROM learning_dirty WHERE host = 'a.example' AND day = '2026-12-01'"))
		require.NoError(t, db.Exec("DELETE FROM learning_dirty").Error)
		_, err = seeds.Insert(ctx, db, []seeds.Ev{{Host: "c.example", SchemaHash: "h", CreatedAt: at}})
		require.NoError(t, err)
		require.EqualValues(t, 1, marks(), "an insert marks its cell again")

		require.NoError(t, migrations.Up(ctx, db))
		require.NoError(t, db.Exec("DELETE FROM learning_dirty").Error)
		_, err = seeds.Insert(ctx, db, []seeds.Ev{{Host: "d.example", SchemaHash: "i", CreatedAt: at}})
		require.NoError(t, err)
		require.Zero(t, marks())
		require.EqualValues(t, 1, count("SELECT COUNT(*) FROM learning_new"))
	})
}

// TestHintCompressionStep: on Postgres the hints are stored with lz4 (this server has it), and
// the rollback returns them to the server's default; SQLite has nothing to change.
func TestHintCompressionStep(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		if b.Name != "postgres" {
			t.Skip("SQLite has no per-column compression")
		}
		ctx := context.Background()
		db := b.New(t)
		method := func() []string {
			var m []string
			require.NoError(t, db.Raw(`SELECT attcompression::text FROM pg_attribute WHERE attrelid = 'form_profiles'::regclass
				AND attname IN ('style_hint', 'hint_summary') ORDER BY attname`).Scan(&m).Error)
			return m
		}
		require.Equal(t, []string{"l", "l"}, method())
		require.NoError(t, migrations.DownTo(ctx, db, stepBefore(t, "202612061710_hint_compression")))
		require.Equal(t, []string{"", ""}, method())
		require.NoError(t, migrations.Up(ctx, db))
		require.Equal(t, []string{"l", "l"}, method())
	})
}
