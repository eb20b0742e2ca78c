package learning

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store"
)

// The aggregator's sufficient statistics (migration 202612061510_learning_rollups): what a run
// needs of the events, per UTC day, kept current from what the triggers on autofill_events
// record. A run reads these, never the raw events, so its cost follows the window's cells, and
// a fold's follows what changed: new events, late ratings, replays (which change nothing and
// record nothing), deletions, and rows written by any other writer.
//
// Two kinds of change, whoever writes (migration 202612070500_learning_new_events):
//
//   - an inserted event is recorded in learning_new, and the fold adds its counts to its cells
//     (an upsert: runs + 1, its rating, its edits, …): the cost of a fold follows the new
//     events, not the days they land in;
//   - an update or a delete marks its (day, form) cells in learning_dirty, and the fold
//     recomputes each marked cell from its events (delete, then insert what the events say):
//     exact by construction and idempotent, with the same statements as a rebuild, over a copy
//     of the marked cells' events (foldEvents).
//
// Each event is counted once, by one of them: the fold empties learning_new in the statement
// that reads the events it names (one snapshot), and a recount leaves out the events that
// learning_new still names (those committed after it was read), which the next fold adds. A
// new event of a cell that is also recounted is dropped from the adds: the recount holds it.
// FoldRollups(full) rebuilds every cell; `aggregate --full` runs it first, and a test requires
// the hints of the two paths to be equal.
//
// Rows stored without the derived columns (by a replica older than them, the original
// service, a bulk import) get them here, once: the fold fills final_map_hash and edit_total
// of the changed cells' events that lack them (a new event lacking them has its cell
// recounted), so no run pays for them again.
//
// A final map votes through its fingerprint: learning_map_days counts the events of each
// (day, form, fingerprint), learning_maps holds each (form, fingerprint)'s map once. One
// fingerprint of a form stands for one map (the first 8 bytes of a SHA-256, see FinalMapHash);
// only the map's string values vote, as before.

// rollupState is the report_state row of the learning rollups: absent until the first build.
// addsState is the report_state row that a fold which adds new events (this build) writes
// beside it, with the same refreshed_at: when they differ, a build older than
// 202612070500_learning_new_events folded last (a rolling deploy), and it may have recounted
// cells with events that learning_new still names, which adding them would count twice: the
// next fold rebuilds instead, if learning_new names any.
const (
	rollupState = "learning"
	addsState   = "learning_adds"
)

// FoldResult says what a fold did.
type FoldResult struct {
	Rebuilt bool          // every cell was recomputed (the first fold, full, or after an older build's fold)
	Cells   int           // (day, form) cells recomputed by an incremental fold
	Added   int           // new events added to their cells without a recount
	Derived int           // events whose derived columns the fold filled
	Took    time.Duration // how long it took
}

// FoldRollups brings the rollups up to date: a rebuild when full or never built, else the
// new events added and the cells marked since the last fold recomputed. One fold at a time
// per database. Its callers first check that the adoption backfill is done
// (migrations.CheckBackfill): a row it has not reached would be counted in no family.
func FoldRollups(ctx context.Context, db *gorm.DB, full bool) (FoldResult, error) {
	res, _, err := foldRollups(ctx, db, full, true)
	return res, err
}

// FoldRollupsIfFree folds like FoldRollups unless another fold, or an aggregator run (which
// holds the fold's lock in shared mode while it reads: aggregate), holds the lock now; then it
// does nothing and folded is false. For a reader that must not wait for a whole run (the
// replay page answers within the server's write timeout).
func FoldRollupsIfFree(ctx context.Context, db *gorm.DB) (res FoldResult, folded bool, err error) {
	return foldRollups(ctx, db, false, false)
}

func foldRollups(ctx context.Context, db *gorm.DB, full, wait bool) (FoldResult, bool, error) {
	start := time.Now()
	var res FoldResult
	d := dialect{store.DialectOf(db)}
	folded := true
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if wait {
			if err := store.AdvisoryXactLock(tx, store.LockLearningRollup); err != nil {
				return err
			}
		} else {
			var err error
			if folded, err = store.TryAdvisoryXactLock(tx, store.LockLearningRollup); err != nil || !folded {
				return err
			}
		}
		if err := d.tune(tx); err != nil {
			return err
		}
		rebuild, err := mustRebuild(tx)
		if err != nil {
			return err
		}
		if full || rebuild {
			res.Rebuilt = true
			res.Derived, err = rebuildRollups(tx, d)
		} else {
			res, err = foldChanges(tx, d)
		}
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		return tx.Exec(`INSERT INTO report_state (name, refreshed_at, covered_until, rebuilt_at) VALUES (?, ?, ?, ?), (?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET refreshed_at = excluded.refreshed_at, covered_until = excluded.covered_until,
				rebuilt_at = CASE WHEN ? THEN excluded.rebuilt_at ELSE report_state.rebuilt_at END`,
			rollupState, now, now, now, addsState, now, now, now, res.Rebuilt).Error
	})
	res.Took = time.Since(start)
	if err != nil {
		return res, false, fmt.Errorf("fold the learning rollups: %w", err)
	}
	return res, folded, nil
}

// mustRebuild reports whether the next fold must rebuild: the rollups were never built, or a
// build that does not add new events folded last (addsState) while learning_new names events.
func mustRebuild(tx *gorm.DB) (bool, error) {
	var states []struct {
		Name        string
		RefreshedAt time.Time
	}
	if err := tx.Raw("SELECT name, refreshed_at FROM report_state WHERE name IN (?, ?)", rollupState, addsState).
		Scan(&states).Error; err != nil {
		return false, fmt.Errorf("read the rollups' state: %w", err)
	}
	at := map[string]time.Time{}
	for _, s := range states {
		at[s.Name] = s.RefreshedAt
	}
	built, ok := at[rollupState]
	if !ok {
		return true, nil
	}
	if adds, ok := at[addsState]; ok && adds.Equal(built) {
		return false, nil
	}
	var pending int64
	if err := tx.Raw("SELECT COUNT(*) FROM (SELECT 1 FROM learning_new LIMIT 1) n").Scan(&pending).Error; err != nil {
		return false, fmt.Errorf("read the new events: %w", err)
	}
	return pending > 0, nil
}

// rebuildRollups recomputes every cell from the events. The new events visible when it starts
// are taken first, and the marks once it has derived and checked (which mark what they
// change): the events they name are visible to the statements after; a writer that commits
// later leaves its own for the next fold, and the rebuild leaves its new events out
// (everyEvent), for that fold to add.
func rebuildRollups(tx *gorm.DB, d dialect) (int, error) {
	if err := tx.Exec("DELETE FROM learning_new").Error; err != nil {
		return 0, fmt.Errorf("rebuild: take the new events: %w", err)
	}
	if d.Postgres {
		if err := analyzeNew(tx); err != nil {
			return 0, err
		}
	}
	derived, err := deriveMissing(tx, d, "autofill_events e")
	if err != nil {
		return 0, err
	}
	if _, err := checkFingerprints(tx, d, d.everyEvent()); err != nil {
		return 0, err
	}
	stmts := []string{
		"DELETE FROM learning_dirty",
		"DELETE FROM learning_cells",
		"DELETE FROM learning_map_days",
		"DELETE FROM learning_maps",
		d.foldCellsSQL(d.everyEvent(), false),
		d.foldMapDaysSQL(d.everyEvent(), false),
		d.foldMapsSQL(d.everyEvent()),
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return 0, fmt.Errorf("rebuild: %s: %w", firstWords(s), err)
		}
	}
	return derived, nil
}

// foldChanges adds the new events to their cells and recomputes the marked ones:
//
//  1. it takes the marks into learning_fold (takeMarks) and the new events, copied from the
//     events they name, into learning_fold_new (takeNew); a new event lacking derived columns
//     marks its cell, which the derivation needs;
//  2. it copies the marked cells' events once into learning_fold_events (copyMarkedSQL), which
//     also says which of them lack derived columns (deriveMissing fills them) and what
//     checkFingerprints compares, for them and the new events together; a derivation or a
//     repair changes events, whose triggers mark their cells again: those marks are taken too
//     and the copy made again, so that the fold counts what the events now say;
//  3. it drops the new events of the marked cells (their recount holds them), recomputes the
//     marked cells from the copy and adds the other new events to theirs.
//
// Reading the marked cells' events once, not once more each for the derivation and the
// fingerprints, saved 0.2–1.0 s of a fold of 0.5–1.2 s after 10,000 new events over 2,000
// forms, when every insert still marked its cell.
func foldChanges(tx *gorm.DB, d dialect) (res FoldResult, err error) {
	setup := []string{
		"CREATE TEMP TABLE learning_fold (day varchar(10), host text, schema_hash text) ON COMMIT DROP",
		d.copyEventsSQL("learning_fold_new", "learning_new t", "t", false) + " WITH NO DATA",
	}
	if d.Postgres {
		// The marks and the new events come and go by the million (a seed, a backfill) or by
		// the handful; with statistics from another moment the planner joined an empty table
		// to every event (a sequential scan of 10M events, 20 s, at every run). ANALYZE reads
		// a sample: cheap.
		setup = append([]string{"ANALYZE learning_dirty", "ANALYZE learning_new"}, setup...)
	} else {
		// SQLite has no ON COMMIT DROP: the fold drops them at the end (dropFoldTables), and a
		// fold that fails rolls their creation back with the rest.
		setup = []string{
			"CREATE TEMP TABLE learning_fold (day varchar(10), host text, schema_hash text)",
			d.copyEventsSQL("learning_fold_new", "learning_new t", "t", false) + " LIMIT 0",
		}
	}
	for _, s := range setup {
		if err := tx.Exec(s).Error; err != nil {
			return res, fmt.Errorf("fold: %s: %w", firstWords(s), err)
		}
	}
	cells, err := takeMarks(tx, d)
	if err != nil {
		return res, err
	}
	added, err := takeNew(tx, d)
	if err != nil {
		return res, err
	}
	if added > 0 {
		mark := tx.Exec(`INSERT INTO learning_fold SELECT DISTINCT day, host, schema_hash FROM learning_fold_new t
			WHERE underived = 1 AND ` + notInFold("t"))
		if mark.Error != nil {
			return res, fmt.Errorf("fold: mark the cells of new events with no derived columns: %w", mark.Error)
		}
		cells += mark.RowsAffected
	}

	m := &markedCopy{tx: tx, d: d, cells: cells}
	if err := m.refresh(false); err != nil {
		return res, err
	}
	if m.copied || added > 0 {
		repaired, err := checkFingerprints(tx, d, checkedEvents(m.copied, added > 0))
		if err != nil {
			return res, err
		}
		if repaired {
			if err := m.refresh(true); err != nil {
				return res, err
			}
		}
	}
	cells, copied := m.cells, m.copied
	res.Derived = m.derived

	if cells > 0 && added > 0 {
		dropped := tx.Exec("DELETE FROM learning_fold_new WHERE " + inFold("learning_fold_new"))
		if dropped.Error != nil {
			return res, fmt.Errorf("fold: drop the new events of the recounted cells: %w", dropped.Error)
		}
		added -= dropped.RowsAffected
	}
	var stmts []string
	if cells > 0 {
		stmts = append(stmts,
			"DELETE FROM learning_cells WHERE "+inFold("learning_cells"),
			"DELETE FROM learning_map_days WHERE "+inFold("learning_map_days"),
			d.foldCellsSQL(markedEvents, false),
			d.foldMapDaysSQL(markedEvents, false),
			d.foldMapsSQL(markedEvents),
		)
	}
	if added > 0 {
		stmts = append(stmts,
			d.foldCellsSQL(newEvents, true),
			d.foldMapDaysSQL(newEvents, true),
			d.foldMapsSQL(newEvents),
		)
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return res, fmt.Errorf("fold: %s: %w", firstWords(s), err)
		}
	}
	res.Cells, res.Added = int(cells), int(added)
	return res, dropFoldTables(tx, d, copied)
}

// inFold is the condition that row r's (day, host, schema_hash) is a marked cell, and
// notInFold that it is not.
func inFold(r string) string {
	return "EXISTS (SELECT 1 FROM learning_fold f WHERE f.day = " + r + ".day AND f.host = " + r + ".host AND f.schema_hash = " + r + ".schema_hash)"
}

func notInFold(r string) string { return "NOT " + inFold(r) }

// takeMarks consumes the marks into learning_fold, each cell once, and returns how many cells
// it added: on Postgres by one DELETE … RETURNING, which takes exactly the committed marks;
// SQLite has one writer, so nothing commits between reading and deleting them.
func takeMarks(tx *gorm.DB, d dialect) (int64, error) {
	take := []string{
		"INSERT INTO learning_fold SELECT DISTINCT day, host, schema_hash FROM learning_dirty t WHERE " + notInFold("t"),
		"DELETE FROM learning_dirty",
	}
	if d.Postgres {
		take = []string{`WITH t AS (DELETE FROM learning_dirty RETURNING day, host, schema_hash)
			INSERT INTO learning_fold SELECT DISTINCT day, host, schema_hash FROM t WHERE ` + notInFold("t")}
	}
	n, err := runTake(tx, "collect the changed cells", take)
	if err == nil && d.Postgres && n > 0 {
		// The joins from learning_fold into the events: the planner cannot guess whether it
		// holds ten cells or a million.
		if err = tx.Exec("ANALYZE learning_fold").Error; err != nil {
			err = fmt.Errorf("collect the changed cells: %w", err)
		}
	}
	return n, err
}

// takeNew consumes learning_new into learning_fold_new: a copy of each new event that still
// exists (copyEventsSQL), read in the statement that empties learning_new on Postgres, so
// that the events it copies are exactly those whose records it takes. It returns how many it
// copied.
func takeNew(tx *gorm.DB, d dialect) (int64, error) {
	// DISTINCT: a row deleted and inserted again before a fold is recorded twice.
	take := []string{
		d.copyEventsSQL("learning_fold_new", "(SELECT DISTINCT id, created_at FROM learning_new) t", "t", true),
		"DELETE FROM learning_new",
	}
	if d.Postgres {
		take = []string{"WITH taken AS (DELETE FROM learning_new RETURNING id, created_at) " +
			d.copyEventsSQL("learning_fold_new", "(SELECT DISTINCT id, created_at FROM taken) t", "t", true)}
	}
	n, err := runTake(tx, "collect the new events", take)
	if err == nil && d.Postgres && n >= bigTake {
		err = analyzeNew(tx)
	}
	return n, err
}

// bigTake is how many new events a fold takes before it analyzes learning_new again: the
// statistics of a table just emptied of a seed's millions of rows would still promise them to
// the planner of the recount's and the rebuild's anti-joins (everyEvent, copyMarkedSQL).
const bigTake = 10000

// analyzeNew refreshes learning_new's statistics (Postgres): ANALYZE counts the rows its own
// transaction deleted as gone.
func analyzeNew(tx *gorm.DB) error {
	if err := tx.Exec("ANALYZE learning_new").Error; err != nil {
		return fmt.Errorf("analyze the new events: %w", err)
	}
	return nil
}

// runTake runs the statements that consume a change log (the first copies it into the fold's
// table; on SQLite the second empties the log) and returns how many rows the first added.
// (learning_fold_new is not analyzed: it is only scanned and grouped, and analyzing it cost
// 77 ms of a 0.45 s fold of 10,000 new events.)
func runTake(tx *gorm.DB, what string, stmts []string) (int64, error) {
	var added int64
	for i, s := range stmts {
		res := tx.Exec(s)
		if res.Error != nil {
			return 0, fmt.Errorf("%s: %w", what, res.Error)
		}
		if i == 0 {
			added = res.RowsAffected
		}
	}
	return added, nil
}

// copyMarked copies the events of the cells in learning_fold into learning_fold_events
// (copyMarkedSQL), after dropping the earlier copy when again.
func copyMarked(tx *gorm.DB, d dialect, again bool) error {
	stmts := []string{d.copyMarkedSQL()}
	if again {
		stmts = append([]string{"DROP TABLE learning_fold_events"}, stmts...)
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("fold: copy the changed cells' events: %w", err)
		}
	}
	return nil
}

// markedCopy is a fold's copy of the marked cells' events (learning_fold_events).
type markedCopy struct {
	tx      *gorm.DB
	d       dialect
	cells   int64 // the cells taken into learning_fold
	copied  bool  // learning_fold_events exists
	derived int   // events whose derived columns it filled
}

// refresh copies the marked cells' events (again, when copied already), after taking the marks
// left since the last take when retake (a repair's: the cells of the events it changed, and
// any a writer committed meanwhile). When the copy holds events without derived columns, it
// fills them (deriveMissing) and, if it filled any, takes the marks that left and copies again,
// so that the fold counts what the events now say.
func (m *markedCopy) refresh(retake bool) error {
	if retake {
		n, err := takeMarks(m.tx, m.d)
		if err != nil {
			return err
		}
		m.cells += n
	}
	if m.cells == 0 {
		return nil
	}
	if err := copyMarked(m.tx, m.d, m.copied); err != nil {
		return err
	}
	m.copied = true
	var underived int64
	if err := m.tx.Raw("SELECT COUNT(*) FROM learning_fold_events WHERE underived = 1").Scan(&underived).Error; err != nil {
		return fmt.Errorf("fold: count the events with no derived columns: %w", err)
	}
	if underived == 0 {
		return nil
	}
	// Only the rows the copy flagged, by their key: not every event of the cells again.
	filled, err := deriveMissing(m.tx, m.d, "learning_fold_events c JOIN autofill_events e ON c.underived = 1 AND "+m.d.byKey("e", "c"))
	if err != nil || filled == 0 {
		return err
	}
	m.derived += filled
	n, err := takeMarks(m.tx, m.d)
	if err != nil {
		return err
	}
	m.cells += n
	return copyMarked(m.tx, m.d, true)
}

// dropFoldTables drops a fold's temporary tables on SQLite (Postgres drops them at commit or
// rollback): learning_fold, learning_fold_new, and learning_fold_events when copied.
func dropFoldTables(tx *gorm.DB, d dialect, copied bool) error {
	if d.Postgres {
		return nil
	}
	stmts := []string{"DROP TABLE learning_fold", "DROP TABLE learning_fold_new"}
	if copied {
		stmts = append(stmts, "DROP TABLE learning_fold_events")
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return fmt.Errorf("fold: %s: %w", firstWords(s), err)
		}
	}
	return nil
}

// inCell is the condition that event e lies in cell c (day, host, schema_hash).
func (d dialect) inCell(c, e string) string {
	start, end := c+".day", "date("+c+".day, '+1 day')"
	if d.Postgres {
		start = "(CAST(" + c + ".day AS timestamp) AT TIME ZONE 'UTC')"
		end = "((CAST(" + c + ".day AS timestamp) + interval '1 day') AT TIME ZONE 'UTC')"
	}
	return e + ".host = " + c + ".host AND " + e + ".schema_hash = " + c + ".schema_hash AND " +
		e + ".created_at >= " + start + " AND " + e + ".created_at < " + end
}

// foldEvents is where a fold reads its events from, and the expressions of what it groups
// and sums: every event (everyEvent, a rebuild), or a copy made by copyEventsSQL, of the events
// of the marked cells (markedEvents) or of the new events (newEvents), so that the cells, the
// map days and the maps are passes over a small table, not joins into the events.
type foldEvents struct {
	from, day                              string
	family, segment, discipline, style, ok string
	edits                                  string // the aggregator's rule of an event's edits (dialect.edits)
	tbl, rep                               string // on Postgres the row's partition and address; on SQLite its map
	size                                   string // what checkFingerprints compares of a map: its stored size on Postgres, its text on SQLite
	copied                                 bool   // a copy (copyEventsSQL), which holds each event's key
}

// everyEvent reads the events themselves, but those that learning_new still names (the next
// fold adds them). edits is dialect.edits, for the rows with no derived columns that
// deriveMissing could not fill (a final map that is not a JSON object).
func (d dialect) everyEvent() foldEvents {
	address := ""
	if d.Postgres {
		address = ", x.tableoid AS tbl, x.ctid AS rep"
	}
	src := foldEvents{
		from:   "(SELECT x.*" + address + " FROM autofill_events x WHERE NOT " + namedByNew("x") + ") e",
		day:    d.Day("e.created_at"),
		family: "COALESCE(e.host_family, '')", segment: "COALESCE(e.segment_key, '')",
		discipline: "COALESCE(e.discipline, '')", style: "COALESCE(e.gen_style_id, '')",
		ok: "CASE WHEN e.status = 'ok' THEN 1 ELSE 0 END", edits: d.edits(),
		tbl: "e.tbl", rep: "e.rep", size: "pg_column_size(e.final_map)",
	}
	if !d.Postgres {
		src.tbl, src.rep, src.size = "0", "e.final_map", "e.final_map"
	}
	return src
}

// namedByNew is the condition that event e is one that learning_new names: not counted yet.
func namedByNew(e string) string {
	return "EXISTS (SELECT 1 FROM learning_new n WHERE n.id = " + e + ".id AND n.created_at = " + e + ".created_at)"
}

// markedEvents reads learning_fold_events, the marked cells' events (copyMarkedSQL), and
// newEvents learning_fold_new, the new events (takeNew): copies with the columns of
// copyEventsSQL.
var (
	markedEvents = copiedEvents("learning_fold_events")
	newEvents    = copiedEvents("learning_fold_new")
)

func copiedEvents(table string) foldEvents {
	return foldEvents{
		from: table + " e", day: "e.day",
		family: "e.host_family", segment: "e.segment_key", discipline: "e.discipline", style: "e.gen_style_id",
		ok: "e.ok", edits: "e.edits", tbl: "e.tbl", rep: "e.rep", size: "e.map_size", copied: true,
	}
}

// checkedEvents is what checkFingerprints reads in a fold: the marked cells' events (when
// copied), the new events (when any), or both.
func checkedEvents(marked, added bool) foldEvents {
	if marked && added {
		src := copiedEvents("")
		src.from = `(SELECT host, schema_hash, final_map_hash, map_size FROM learning_fold_events
			UNION ALL SELECT host, schema_hash, final_map_hash, map_size FROM learning_fold_new) e`
		return src
	}
	if marked {
		return markedEvents
	}
	return newEvents
}

// copyEventsSQL is the statement that copies what a fold needs of some events into table (a
// temporary table it creates, or fills when insert), with the expressions of everyEvent: the
// events that from (a FROM clause, alias a) names by (id, created_at). Besides what the cells,
// map days and maps count, it keeps what foldChanges checks: whether an event lacks derived
// columns (deriveMissing's condition) and its map's size (checkFingerprints).
func (d dialect) copyEventsSQL(table, from, a string, insert bool) string {
	return d.copySQL(table, insert, d.Day("e.created_at"), from+" JOIN autofill_events e ON "+d.byKey("e", a))
}

// byKey is the condition that event e is the one that a (learning_new's columns) names. On
// Postgres e's receipt time is given as a range of one instant rather than an equality: 10,000
// events inserted by one statement share their receipt time, and for an equality Postgres
// looked each up by its index on created_at, reading all 10,000 for every one (43 s). With the
// range it takes the primary key (id, created_at), and the range still prunes the partitions
// at run time: one index probe an event (71–103 ms for 10,000).
func (d dialect) byKey(e, a string) string {
	if d.Postgres {
		return e + ".id = " + a + ".id AND " + e + ".created_at >= " + a + ".created_at AND " + e + ".created_at <= " + a + ".created_at"
	}
	return e + ".id = " + a + ".id AND " + e + ".created_at = " + a + ".created_at"
}

// copyMarkedSQL copies the events of the cells in learning_fold into learning_fold_events, but
// those that learning_new still names (committed after this fold took it: the next fold adds
// them): one pass over the events by their index on (host, schema_hash, created_at).
func (d dialect) copyMarkedSQL() string {
	return d.copySQL("learning_fold_events", false, "f.day", "learning_fold f JOIN autofill_events e ON "+d.inCell("f", "e")+
		" AND NOT "+namedByNew("e"))
}

// copySQL copies the events of join (alias e) into table, creating it unless insert; day is
// the expression of an event's day.
func (d dialect) copySQL(table string, insert bool, day, join string) string {
	e := d.everyEvent()
	head := "CREATE TEMP TABLE " + table + " AS "
	switch {
	case insert:
		head = "INSERT INTO " + table + " "
	case d.Postgres:
		head = "CREATE TEMP TABLE " + table + " ON COMMIT DROP AS "
	}
	tbl, rep := "e.tableoid", "e.ctid"
	if !d.Postgres {
		tbl, rep = e.tbl, e.rep
	}
	return head + `SELECT ` + day + ` AS day, e.host, e.schema_hash, ` + e.family + ` AS host_family, ` + e.segment + ` AS segment_key,
	` + e.discipline + ` AS discipline, ` + e.style + ` AS gen_style_id, ` + e.ok + ` AS ok, e.feedback_status,
	` + e.edits + ` AS edits, e.edit_chars, e.duration_ms, e.id, e.created_at, e.final_map_hash, ` + tbl + ` AS tbl, ` + rep + ` AS rep,
	` + e.size + ` AS map_size, CASE WHEN ` + underivedSQL + ` THEN 1 ELSE 0 END AS underived
FROM ` + join
}

// foldCellsSQL inserts the style statistics of the events read into learning_cells; add adds
// them to the cells' stored ones (new events).
func (d dialect) foldCellsSQL(src foldEvents, add bool) string {
	group := src.day + `, e.host, e.schema_hash, ` + src.family + `, ` + src.segment + `, ` + src.discipline + `, ` + src.style
	q := `INSERT INTO learning_cells (day, host, schema_hash, host_family, segment_key, discipline, gen_style_id,
	runs, ok_runs, helpful, unhelpful, edit_sum, edit_n, chars_sum, chars_n, dur_sum, dur_n, last_at)
SELECT ` + group + `,
	COUNT(*),
	SUM(` + src.ok + `),
	SUM(CASE WHEN e.feedback_status = 'helpful' THEN 1 ELSE 0 END),
	SUM(CASE WHEN e.feedback_status = 'unhelpful' THEN 1 ELSE 0 END),
	COALESCE(SUM(` + src.edits + `), 0),
	COUNT(` + src.edits + `),
	COALESCE(SUM(e.edit_chars), 0), COUNT(e.edit_chars),
	COALESCE(SUM(e.duration_ms), 0), COUNT(e.duration_ms),
	MAX(e.created_at)
FROM ` + src.from + `
`
	if !add {
		return q + "GROUP BY " + group
	}
	sums := []string{"runs", "ok_runs", "helpful", "unhelpful", "edit_sum", "edit_n", "chars_sum", "chars_n", "dur_sum", "dur_n"}
	set := make([]string, 0, len(sums)+1)
	for _, c := range sums {
		set = append(set, c+" = learning_cells."+c+" + excluded."+c)
	}
	set = append(set, "last_at = "+d.later("learning_cells.last_at", "excluded.last_at"))
	// WHERE true: SQLite reads "ON CONFLICT" after a bare FROM … as a join's ON.
	return q + "WHERE true GROUP BY " + group + `
ON CONFLICT (day, host, schema_hash, host_family, segment_key, discipline, gen_style_id) DO UPDATE SET ` + strings.Join(set, ", ")
}

// later is the later of two times, neither of them NULL (a cell's time is its events' latest
// receipt time, which every event has).
func (d dialect) later(a, b string) string {
	if d.Postgres {
		return "GREATEST(" + a + ", " + b + ")"
	}
	return "MAX(" + a + ", " + b + ")"
}

// foldMapDaysSQL counts the events of each (day, form, fingerprint) read; add adds them to the
// stored counts (new events).
func (d dialect) foldMapDaysSQL(src foldEvents, add bool) string {
	q := `INSERT INTO learning_map_days (day, host, schema_hash, map_hash, events)
SELECT ` + src.day + `, e.host, e.schema_hash, e.final_map_hash, COUNT(*)
FROM ` + src.from + `
WHERE e.final_map_hash IS NOT NULL
GROUP BY ` + src.day + `, e.host, e.schema_hash, e.final_map_hash`
	if add {
		q += `
ON CONFLICT (day, host, schema_hash, map_hash) DO UPDATE SET events = learning_map_days.events + excluded.events`
	}
	return q
}

// foldMapsSQL stores the map of each (form, fingerprint) read that has none stored yet: one
// representative event's map (on Postgres the smallest row address in the first partition that
// holds one, read back by a TID scan, so that the maps themselves are never sorted or
// compared; a row address is unique only within its partition, hence the tableoid; on SQLite
// the smallest map text). A copy of events (copyEventsSQL) names the same representative but
// reads it back by its key: a rating since the copy moved the row to another address.
func (d dialect) foldMapsSQL(src foldEvents) string {
	missing := `e.final_map_hash IS NOT NULL AND NOT EXISTS (SELECT 1 FROM learning_maps m
		WHERE m.host = e.host AND m.schema_hash = e.schema_hash AND m.map_hash = e.final_map_hash)`
	if d.Postgres && src.copied {
		return `INSERT INTO learning_maps (host, schema_hash, map_hash, final_map)
SELECT r.host, r.schema_hash, r.map_hash, x.final_map
FROM (SELECT DISTINCT ON (e.host, e.schema_hash, e.final_map_hash) e.host, e.schema_hash, e.final_map_hash AS map_hash, e.id, e.created_at
	FROM ` + src.from + ` WHERE ` + missing + `
	ORDER BY e.host, e.schema_hash, e.final_map_hash, ` + src.tbl + `, ` + src.rep + `) r
JOIN autofill_events x ON ` + d.byKey("x", "r") + `
ON CONFLICT DO NOTHING`
	}
	if d.Postgres {
		return `INSERT INTO learning_maps (host, schema_hash, map_hash, final_map)
SELECT r.host, r.schema_hash, r.map_hash, x.final_map
FROM (SELECT DISTINCT ON (host, schema_hash, map_hash) host, schema_hash, map_hash, tbl, rep
	FROM (SELECT e.host, e.schema_hash, e.final_map_hash AS map_hash, ` + src.tbl + ` AS tbl, MIN(` + src.rep + `) AS rep
		FROM ` + src.from + ` WHERE ` + missing + `
		GROUP BY e.host, e.schema_hash, e.final_map_hash, ` + src.tbl + `) g
	ORDER BY host, schema_hash, map_hash, tbl) r
JOIN autofill_events x ON x.tableoid = r.tbl AND x.ctid = r.rep
ON CONFLICT DO NOTHING`
	}
	return `INSERT INTO learning_maps (host, schema_hash, map_hash, final_map)
SELECT e.host, e.schema_hash, e.final_map_hash, MIN(` + src.rep + `)
FROM ` + src.from + ` WHERE ` + missing + `
GROUP BY e.host, e.schema_hash, e.final_map_hash
ON CONFLICT DO NOTHING`
}

// underivedSQL is the condition that event e lacks a derived column that deriveMissing fills.
const underivedSQL = "(e.final_map_hash IS NULL AND e.final_map IS NOT NULL) OR e.host_family IS NULL"

// deriveBatch is how many rows one UPDATE of deriveMissing writes: the SQLite driver binds
// parameters in quadratic time, so it gets fewer.
func (d dialect) deriveBatch() int {
	if d.Postgres {
		return 5000
	}
	return 500
}

// deriveMissing fills the columns that a writer derives from an event and that the events read
// (from: every event, or those of the marked cells, as checkFingerprints takes it) were stored
// without, by a writer that predates them (the original service during a rolling switch, an
// older replica, a bulk import): final_map_hash and edit_total, and host_family. The
// fingerprint is FinalMapHash of the map's string entries (the ones that vote); edit_total is
// computed by the aggregator's own rule (dialect.edits) in the UPDATE, which reads the row as it
// was; the family is Family of the host, as a writer stores it. A map that is not a JSON object
// keeps no fingerprint: it does not vote, and its edits are read from edit_stats as before.
//
// It reads and fills deriveBatch rows at a time in id order, so that a bulk import of millions
// of such rows costs one batch of memory, not one entry per row.
func deriveMissing(tx *gorm.DB, d dialect, from string) (int, error) {
	mapText, after := "e.final_map", "e.id > ?"
	if d.Postgres {
		mapText, after = "e.final_map::text", "e.id > CAST(? AS uuid)"
	}
	q := "SELECT e.id, e.host, " + mapText + ", e.final_map_hash IS NULL AND e.final_map IS NOT NULL, " +
		"e.host_family IS NULL FROM " + from + " WHERE (" + underivedSQL + ")"
	filled := 0
	for last := ""; ; {
		where, args := "", []any{}
		if last != "" {
			where, args = " AND "+after, []any{last}
		}
		fills, read, err := underived(tx, q+where+" ORDER BY e.id LIMIT "+strconv.Itoa(d.deriveBatch()), args)
		if err != nil {
			return 0, fmt.Errorf("find events with no derived columns: %w", err)
		}
		if err := fillDerived(tx, d, fills); err != nil {
			return 0, err
		}
		filled += len(fills)
		if len(read) < d.deriveBatch() {
			return filled, nil
		}
		last = read[len(read)-1]
	}
}

// derivedFill is what deriveMissing writes to one event.
type derivedFill struct {
	id     string
	hash   any // nil: the fingerprint stays as it is
	family any // nil: the family stays as it is
}

// underived reads one batch of events lacking derived columns (q, args) and returns what to
// fill and the ids read, in order.
func underived(tx *gorm.DB, q string, args []any) (fills []derivedFill, read []string, err error) {
	rows, err := tx.Raw(q, args...).Rows()
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, host         string
			text             sql.NullString
			noHash, noFamily bool
		)
		if err := rows.Scan(&id, &host, &text, &noHash, &noFamily); err != nil {
			return nil, nil, err
		}
		read = append(read, id)
		f := derivedFill{id: id}
		if noHash {
			if h, ok := votingMapHash(text.String); ok {
				f.hash = h
			}
		}
		if noFamily {
			f.family = Family(NormalizeHost(host)) // a writer normalises the host it stores; an old one may not have
		}
		if f.hash != nil || f.family != nil {
			fills = append(fills, f)
		}
	}
	return fills, read, rows.Err()
}

// fillDerived writes one batch of derived columns in one UPDATE.
func fillDerived(tx *gorm.DB, d dialect, fills []derivedFill) error {
	if len(fills) == 0 {
		return nil
	}
	uuid, bigint, text := "?", "?", "?"
	if d.Postgres {
		uuid, bigint, text = "CAST(? AS uuid)", "CAST(? AS bigint)", "CAST(? AS varchar(32))"
	}
	var sb strings.Builder
	sb.WriteString("UPDATE autofill_events SET " +
		"final_map_hash = COALESCE(final_map_hash, v.column2), " +
		"edit_total = CASE WHEN final_map_hash IS NULL AND v.column2 IS NOT NULL THEN " + d.edits() + " ELSE edit_total END, " +
		"host_family = COALESCE(host_family, v.column3) FROM (VALUES ")
	args := make([]any, 0, 3*len(fills))
	for i, f := range fills {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString("(" + uuid + ", " + bigint + ", " + text + ")")
		args = append(args, f.id, f.hash, f.family)
	}
	sb.WriteString(") AS v WHERE autofill_events.id = v.column1")
	if err := tx.Exec(sb.String(), args...).Error; err != nil {
		return fmt.Errorf("fill derived columns: %w", err)
	}
	return nil
}

// checkFingerprints finds the (form, fingerprint) groups of the events read (src) whose maps
// differ from each other or from the map stored for them, and repairs those whose fingerprint
// is wrong, which the fingerprint rule makes impossible unless a writer stored a wrong one. The
// check is cheap: on SQLite the smallest and largest map texts, on Postgres their stored sizes
// (exact comparison of every map costs more there than the fold). It also finds groups whose
// maps differ only in entries that are not strings, which do not vote and so share a
// fingerprint rightly: repairFingerprint tells them apart and leaves them alone. It reports
// whether it repaired any.
func checkFingerprints(tx *gorm.DB, d dialect, src foldEvents) (repaired bool, err error) {
	size, stored := src.size, "m.final_map"
	if d.Postgres {
		stored = "pg_column_size(m.final_map)"
	}
	// One pass over the events: each group's smallest and largest map, then the stored map.
	q := `SELECT g.host, g.schema_hash, g.map_hash AS final_map_hash
FROM (SELECT e.host, e.schema_hash, e.final_map_hash AS map_hash, MIN(` + size + `) AS lo, MAX(` + size + `) AS hi
	FROM ` + src.from + `
	WHERE e.final_map_hash IS NOT NULL
	GROUP BY e.host, e.schema_hash, e.final_map_hash) g
LEFT JOIN learning_maps m ON m.host = g.host AND m.schema_hash = g.schema_hash AND m.map_hash = g.map_hash
WHERE g.lo <> g.hi OR ` + stored + ` <> g.lo`
	var groups []fingerprintGroup
	if err := tx.Raw(q).Scan(&groups).Error; err != nil {
		return false, fmt.Errorf("check fingerprints: %w", err)
	}
	for _, g := range groups {
		fixed, err := repairFingerprint(tx, d, g)
		if err != nil {
			return false, err
		}
		repaired = repaired || fixed
	}
	return repaired, nil
}

// fingerprintGroup is one form's events of one fingerprint.
type fingerprintGroup struct {
	Host, SchemaHash string
	FinalMapHash     int64
}

// repairFingerprint fingerprints again every event of a group that checkFingerprints flagged,
// and the map stored for it. When all of them are right (the maps differ only in entries that
// do not vote) it changes nothing: dropping the map and recounting the cells would change no
// vote, and would happen again at every fold that reads the group. Otherwise every event gets
// the fingerprint of its own map, the group's stored map is dropped, and every cell that holds
// one of its events is marked, so that this fold recounts them. It reports whether it repaired
// anything.
func repairFingerprint(tx *gorm.DB, d dialect, g fingerprintGroup) (bool, error) {
	mapText := "final_map"
	if d.Postgres {
		mapText = "final_map::text"
	}
	var evs []struct{ ID, Map string }
	if err := tx.Raw("SELECT id, "+mapText+" AS map FROM autofill_events WHERE host = ? AND schema_hash = ? AND final_map_hash = ?",
		g.Host, g.SchemaHash, g.FinalMapHash).Scan(&evs).Error; err != nil {
		return false, fmt.Errorf("read a fingerprint's events: %w", err)
	}
	var stored []string
	if err := tx.Raw("SELECT "+mapText+" FROM learning_maps WHERE host = ? AND schema_hash = ? AND map_hash = ?",
		g.Host, g.SchemaHash, g.FinalMapHash).Scan(&stored).Error; err != nil {
		return false, fmt.Errorf("read a fingerprint's map: %w", err)
	}
	wrong := map[string]int64{} // event id → its map's fingerprint
	for _, e := range evs {
		if h, ok := votingMapHash(e.Map); ok && h != g.FinalMapHash {
			wrong[e.ID] = h
		}
	}
	storedWrong := false
	for _, m := range stored {
		if h, ok := votingMapHash(m); !ok || h != g.FinalMapHash {
			storedWrong = true
		}
	}
	if len(wrong) == 0 && !storedWrong {
		return false, nil
	}
	if err := tx.Exec("INSERT INTO learning_dirty (day, host, schema_hash) SELECT DISTINCT "+d.Day("created_at")+
		", host, schema_hash FROM autofill_events WHERE host = ? AND schema_hash = ? AND final_map_hash = ?",
		g.Host, g.SchemaHash, g.FinalMapHash).Error; err != nil {
		return false, fmt.Errorf("mark a fingerprint's cells: %w", err)
	}
	if err := tx.Exec("DELETE FROM learning_maps WHERE host = ? AND schema_hash = ? AND map_hash = ?",
		g.Host, g.SchemaHash, g.FinalMapHash).Error; err != nil {
		return false, fmt.Errorf("drop a fingerprint's map: %w", err)
	}
	for id, h := range wrong {
		if err := tx.Exec("UPDATE autofill_events SET final_map_hash = ? WHERE id = ?", h, id).Error; err != nil {
			return false, fmt.Errorf("repair a fingerprint: %w", err)
		}
	}
	return true, nil
}

// votingMapHash is the fingerprint of a stored map's string entries, false when the text is
// not a JSON object.
func votingMapHash(text string) (int64, bool) {
	var raw map[string]any
	if err := json.Unmarshal([]byte(text), &raw); err != nil || raw == nil {
		return 0, false
	}
	m := models.StringMap{}
	for k, v := range raw {
		if s, ok := v.(string); ok {
			m[k] = s
		}
	}
	return FinalMapHash(m), true
}

func firstWords(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 60 {
		s = s[:60]
	}
	return s
}
