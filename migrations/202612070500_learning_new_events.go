package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/store"
)

// learningNewEvents (issue 12) lets a fold add new events to the rollups instead of
// recounting their days. An insert used to mark its (day, form) cells in learning_dirty, and
// the fold recounted each marked cell from all of its events: a fold after 10,000 new events
// recounted the whole day of every form they touched, so its cost grew with the day, not with
// what arrived. Now the insert trigger records the inserted rows themselves in learning_new
// (their keys, nothing summed: about what a mark cost the writer), and the fold adds those
// events' counts to their cells (learning.FoldRollups). Updates and deletes still mark their
// cells, which the fold recounts, as do rows stored without derived columns.
//
// learning_new has no key: the fold reads it whole and empties it in the statement that reads
// the events it names (one snapshot), and a recount leaves out the events it still names. No
// backfill: marks made before this step are recounted as before. The step also records that
// no fold has run since learning_new began (report_state "learning_adds", with the rollups'
// own refresh time): a fold by an older build after it, which may count twice what
// learning_new names, makes the next fold rebuild instead (learning.FoldRollups).
var learningNewEvents = &gormigrate.Migration{
	ID: "202612070500_learning_new_events",
	Migrate: func(tx *gorm.DB) error {
		if err := createTableIfMissing(tx, "learning_new", `id {uuid} NOT NULL,
				created_at {ts} NOT NULL`); err != nil {
			return err
		}
		// The recounts and rebuilds leave out the events it names (NOT EXISTS): with the index
		// that is a probe per event whatever the table holds. Without it, Postgres's plan for a
		// table it believes empty scans the table for every event, dead rows included: a
		// rebuild after a seed of 1M events (1M rows deleted, not yet vacuumed) did not finish
		// one statement in 11 minutes.
		if err := ddl(tx, "CREATE INDEX IF NOT EXISTS ix_learning_new_id ON learning_new (id)"); err != nil {
			return err
		}
		stmts := []string{"DROP TRIGGER IF EXISTS learning_dirty_insert", newEventsTriggerSQLite}
		if isPostgres(tx) {
			stmts = []string{newEventsFunctionPostgres}
		}
		return ddl(tx, append(stmts, `INSERT INTO report_state (name, refreshed_at, covered_until, rebuilt_at)
			SELECT 'learning_adds', refreshed_at, covered_until, rebuilt_at FROM report_state WHERE name = 'learning'
			ON CONFLICT (name) DO UPDATE SET refreshed_at = excluded.refreshed_at`)...)
	},
	Rollback: func(tx *gorm.DB) error {
		// The events not folded yet: their cells are marked, for the older fold to recount. On
		// Postgres the writers wait for the step to commit (a writer already in its insert
		// would record its rows in learning_new after they are marked, then lose them with the
		// table), and then run the older trigger body.
		// (On Postgres the receipt time is a range of one instant, so that the lookup uses the
		// primary key: learning.dialect.byKey says why.)
		day := "to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
		named := "e.id = n.id AND e.created_at >= n.created_at AND e.created_at <= n.created_at"
		stmts := []string{"LOCK TABLE autofill_events IN SHARE ROW EXCLUSIVE MODE", dirtyFunctionPostgres}
		if isPostgres(tx) {
			// A fold holds learning_new and may write events: it finishes first (no deadlock).
			if err := store.AdvisoryXactLock(tx, store.LockLearningRollup); err != nil {
				return err
			}
		} else {
			day, named = "substr(e.created_at, 1, 10)", "e.id = n.id AND e.created_at = n.created_at"
			stmts = []string{"DROP TRIGGER IF EXISTS learning_dirty_insert", dirtyTriggersSQLite[0]}
		}
		stmts = append(stmts, `INSERT INTO learning_dirty (day, host, schema_hash)
			SELECT DISTINCT `+day+`, e.host, e.schema_hash
			FROM learning_new n JOIN autofill_events e ON `+named,
			"DELETE FROM report_state WHERE name = 'learning_adds'")
		if err := ddl(tx, stmts...); err != nil {
			return err
		}
		return dropOwnedTable(tx, "learning_new")
	},
}

// newEventsFunctionPostgres is learning_mark_dirty with inserts recorded in learning_new.
var newEventsFunctionPostgres = `CREATE OR REPLACE FUNCTION learning_mark_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO learning_new (id, created_at) SELECT id, created_at FROM new_rows;
	END IF;
	IF TG_OP = 'UPDATE' THEN
` + markRowsPostgres("new_rows") + `
	END IF;
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
` + markRowsPostgres("old_rows") + `
	END IF;
	RETURN NULL;
END $$`

// newEventsTriggerSQLite records an inserted row in learning_new.
const newEventsTriggerSQLite = "CREATE TRIGGER IF NOT EXISTS learning_dirty_insert AFTER INSERT ON autofill_events BEGIN\n" +
	"\tINSERT INTO learning_new (id, created_at) VALUES (NEW.id, NEW.created_at);\nEND"
