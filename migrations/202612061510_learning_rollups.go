package migrations

import (
	"fmt"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// learningRollups adds the aggregator's sufficient statistics (issue 12), kept by
// app/learning/rollup.go, so that a run reads these instead of the window's raw events:
//
//   - learning_cells: per UTC day × form × family × segment × discipline × style, the runs,
//     ok runs, ratings, edit and duration sums and counts, and the latest receipt time;
//   - learning_map_days: per day × form × final-map fingerprint, the events (the canonical
//     map's votes), and learning_maps: each (form, fingerprint)'s map, stored once;
//   - learning_dirty: the (day, form) cells that changed since the last fold. Triggers on
//     autofill_events append to it on every insert, update and delete (an insert records its
//     rows in learning_new instead since 202612070500_learning_new_events), whoever writes (this
//     service, an older replica, the original service during a switch, a bulk load, a manual
//     DELETE), in the writer's own transaction: a change is either marked or did not happen.
//     On Postgres it is a log with duplicates (one row per changed cell per statement, from
//     the statement's transition tables), because a mark that an uncommitted writer skipped as
//     a duplicate could be consumed before that writer's events are visible; a fold consumes
//     the marks it can see with one DELETE … RETURNING, so a writer's marks that commit later
//     stay for the next. On SQLite, whose single writer rules that race out, a row trigger
//     adds a cell once.
//
// No backfill: the rollups are empty and their state row is absent, so the first fold builds
// them from the events (learning.FoldRollups), outside any migration lock, while the service
// serves. Creating the tables and triggers takes milliseconds on a database of any size.
var learningRollups = &gormigrate.Migration{
	ID: "202612061510_learning_rollups",
	Migrate: func(tx *gorm.DB) error {
		tables := []struct{ name, body string }{
			{"learning_cells", `day varchar(10) NOT NULL,
				host text NOT NULL,
				schema_hash text NOT NULL,
				host_family text NOT NULL,
				segment_key text NOT NULL,
				discipline text NOT NULL,
				gen_style_id text NOT NULL,
				runs bigint NOT NULL,
				ok_runs bigint NOT NULL,
				helpful bigint NOT NULL,
				unhelpful bigint NOT NULL,
				edit_sum bigint NOT NULL,
				edit_n bigint NOT NULL,
				chars_sum bigint NOT NULL,
				chars_n bigint NOT NULL,
				dur_sum bigint NOT NULL,
				dur_n bigint NOT NULL,
				last_at {ts},
				PRIMARY KEY (day, host, schema_hash, host_family, segment_key, discipline, gen_style_id)`},
			{"learning_map_days", `day varchar(10) NOT NULL,
				host text NOT NULL,
				schema_hash text NOT NULL,
				map_hash bigint NOT NULL,
				events bigint NOT NULL,
				PRIMARY KEY (day, host, schema_hash, map_hash)`},
			{"learning_maps", `host text NOT NULL,
				schema_hash text NOT NULL,
				map_hash bigint NOT NULL,
				final_map {json} NOT NULL,
				PRIMARY KEY (host, schema_hash, map_hash)`},
			{"learning_dirty", `day varchar(10) NOT NULL,
				host text NOT NULL,
				schema_hash text NOT NULL`},
		}
		for _, t := range tables {
			if err := createTableIfMissing(tx, t.name, t.body); err != nil {
				return err
			}
		}
		if err := ddl(tx, "CREATE INDEX IF NOT EXISTS ix_learning_dirty_cell ON learning_dirty (day, host, schema_hash)"); err != nil {
			return err
		}
		if isPostgres(tx) {
			return ddl(tx, append([]string{dirtyFunctionPostgres}, dirtyTriggersPostgres...)...)
		}
		return ddl(tx, dirtyTriggersSQLite...)
	},
	Rollback: func(tx *gorm.DB) error {
		drop := []string{
			"DROP TRIGGER IF EXISTS learning_dirty_insert ON autofill_events",
			"DROP TRIGGER IF EXISTS learning_dirty_update ON autofill_events",
			"DROP TRIGGER IF EXISTS learning_dirty_delete ON autofill_events",
			"DROP FUNCTION IF EXISTS learning_mark_dirty()",
		}
		if !isPostgres(tx) {
			drop = []string{
				"DROP TRIGGER IF EXISTS learning_dirty_insert",
				"DROP TRIGGER IF EXISTS learning_dirty_update",
				"DROP TRIGGER IF EXISTS learning_dirty_delete",
			}
		}
		if err := ddl(tx, drop...); err != nil {
			return err
		}
		if err := ddl(tx, "DELETE FROM report_state WHERE name = 'learning'"); err != nil {
			return err
		}
		for _, name := range []string{"learning_dirty", "learning_maps", "learning_map_days", "learning_cells"} {
			if err := dropOwnedTable(tx, name); err != nil {
				return err
			}
		}
		return nil
	},
}

// dirtyFunctionPostgres marks the (day, form) cells of the rows each statement inserted,
// updated (old and new) or deleted, once per cell and statement. (Since
// 202612070500_learning_new_events an insert records its rows in learning_new instead.)
var dirtyFunctionPostgres = `CREATE OR REPLACE FUNCTION learning_mark_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
` + markRowsPostgres("new_rows") + `
	END IF;
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
` + markRowsPostgres("old_rows") + `
	END IF;
	RETURN NULL;
END $$`

// markRowsPostgres is the statement of learning_mark_dirty that marks the cells of a
// transition table's rows.
func markRowsPostgres(rows string) string {
	return `		INSERT INTO learning_dirty (day, host, schema_hash)
		SELECT DISTINCT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'), host, schema_hash FROM ` + rows + `;`
}

// dirtyTriggersPostgres call learning_mark_dirty after every statement that inserts, updates or
// deletes events, with its rows (transition tables). They name the function, whatever its body
// (the partitioned table gets them again, convertLocked).
var dirtyTriggersPostgres = []string{
	"DROP TRIGGER IF EXISTS learning_dirty_insert ON autofill_events",
	"DROP TRIGGER IF EXISTS learning_dirty_update ON autofill_events",
	"DROP TRIGGER IF EXISTS learning_dirty_delete ON autofill_events",
	`CREATE TRIGGER learning_dirty_insert AFTER INSERT ON autofill_events
	REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION learning_mark_dirty()`,
	`CREATE TRIGGER learning_dirty_update AFTER UPDATE ON autofill_events
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION learning_mark_dirty()`,
	`CREATE TRIGGER learning_dirty_delete AFTER DELETE ON autofill_events
	REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION learning_mark_dirty()`,
}

// dirtyTriggersSQLite mark a row's (day, form) cell unless it is marked already. SQLite stores
// UTC times as text that starts with the date (store.Dialect.Day).
var dirtyTriggersSQLite = []string{
	"CREATE TRIGGER IF NOT EXISTS learning_dirty_insert AFTER INSERT ON autofill_events BEGIN\n" + sqliteMark("NEW") + "END",
	"CREATE TRIGGER IF NOT EXISTS learning_dirty_update AFTER UPDATE ON autofill_events BEGIN\n" + sqliteMark("OLD") + sqliteMark("NEW") + "END",
	"CREATE TRIGGER IF NOT EXISTS learning_dirty_delete AFTER DELETE ON autofill_events BEGIN\n" + sqliteMark("OLD") + "END",
}

// sqliteMark is the trigger statement that marks the cell of row (NEW or OLD).
func sqliteMark(row string) string {
	return fmt.Sprintf(`	INSERT INTO learning_dirty (day, host, schema_hash)
	SELECT substr(%[1]s.created_at, 1, 10), %[1]s.host, %[1]s.schema_hash
	WHERE NOT EXISTS (SELECT 1 FROM learning_dirty WHERE day = substr(%[1]s.created_at, 1, 10)
		AND host = %[1]s.host AND schema_hash = %[1]s.schema_hash);
`, row)
}
