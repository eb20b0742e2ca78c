package learning

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store"
)

// The aggregator's sufficient statistics (migration 202612061510_learning_rollups): what a run
// needs of the events, per UTC day, kept current by folding the (day, form) cells that the
// triggers on autofill_events marked changed. A run reads these, never the raw events, so its
// cost follows the window's cells, and a fold's follows what changed: new events, late
// ratings, replays (which change nothing and mark nothing), deletions, and rows written by
// any other writer.
//
// A fold recomputes each marked cell from its events (delete, then insert what the events
// say): exact by construction, idempotent, and the same statements as a rebuild, over a copy
// of the marked cells' events (foldEvents). FoldRollups(full) rebuilds every cell;
// `aggregate --full` runs it first, and a test requires the hints of the two paths to be
// equal.
//
// Rows stored without the derived columns (by a replica older than them, the original
// service, a bulk import) get them here, once: the fold fills final_map_hash and edit_total
// of the marked cells' events that lack them, so no run pays for them again.
//
// A final map votes through its fingerprint: learning_map_days counts the events of each
// (day, form, fingerprint), learning_maps holds each (form, fingerprint)'s map once. One
// fingerprint of a form stands for one map (the first 8 bytes of a SHA-256, see FinalMapHash);
// only the map's string values vote, as before.

// rollupState is the report_state row of the learning rollups: absent until the first build.
const rollupState = "learning"

// FoldResult says what a fold did.
type FoldResult struct {
	Rebuilt bool          // every cell was recomputed (the first fold, or full)
	Cells   int           // (day, form) cells recomputed by an incremental fold
	Derived int           // events whose derived columns the fold filled
	Took    time.Duration // how long it took
}

// FoldRollups brings the rollups up to date: a rebuild when full or never built, else the
// recomputation of the cells marked since the last fold. One fold at a time per database.
// Its callers first check that the adoption backfill is done (migrations.CheckBackfill): a row
// it has not reached would be counted in no family.
func FoldRollups(ctx context.Context, db *gorm.DB, full bool) (FoldResult, error) {
	start := time.Now()
	var res FoldResult
	d := dialect{store.DialectOf(db)}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := store.AdvisoryXactLock(tx, store.LockLearningRollup); err != nil {
			return err
		}
		if err := d.tune(tx); err != nil {
			return err
		}
		var built int64
		if err := tx.Raw("SELECT COUNT(*) FROM report_state WHERE name = ?", rollupState).Scan(&built).Error; err != nil {
			return fmt.Errorf("read the rollups' state: %w", err)
		}
		var err error
		if full || built == 0 {
			res.Rebuilt = true
			res.Derived, err = rebuildRollups(tx, d)
		} else {
			res.Cells, res.Derived, err = foldMarked(tx, d)
		}
		if err != nil {
			return err
		}
		now := time.Now().UTC()
		return tx.Exec(`INSERT INTO report_state (name, refreshed_at, covered_until, rebuilt_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET refreshed_at = excluded.refreshed_at, covered_until = excluded.covered_until,
				rebuilt_at = CASE WHEN ? THEN excluded.rebuilt_at ELSE report_state.rebuilt_at END`,
			rollupState, now, now, now, res.Rebuilt).Error
	})
	res.Took = time.Since(start)
	if err != nil {
		return res, fmt.Errorf("fold the learning rollups: %w", err)
	}
	return res, nil
}

// rebuildRollups recomputes every cell from the events. The marks visible when it starts are
// consumed first: the events they mark are visible to the statements after it; a writer that
// commits later leaves its own marks for the next fold.
func rebuildRollups(tx *gorm.DB, d dialect) (int, error) {
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
		d.foldCellsSQL(d.everyEvent()),
		d.foldMapDaysSQL(d.everyEvent()),
		d.foldMapsSQL(d.everyEvent()),
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return 0, fmt.Errorf("rebuild: %s: %w", firstWords(s), err)
		}
	}
	return derived, nil
}

// foldMarked recomputes the marked cells from one copy of their events (copyMarkedSQL): the
// marks are consumed into learning_fold (takeMarks), the cells' events copied once, and the
// copy says whether any of them lack derived columns and which fingerprints to check, so that
// the events are read once, not once more for each of those (at 10,000 new events over 2,000
// forms the two extra passes took 0.2–1.0 s of a fold of 0.5–1.2 s). A derivation or repair
// changes events, whose triggers mark their cells again: those marks are taken too and the
// copy made again, so the fold counts what the events now say.
func foldMarked(tx *gorm.DB, d dialect) (cells, derived int, err error) {
	setup := []string{"CREATE TEMP TABLE learning_fold (day varchar(10), host text, schema_hash text) ON COMMIT DROP"}
	if d.Postgres {
		// The marks come and go by the million (a seed, a backfill) or by the handful; with
		// statistics from another moment the planner joined an empty table to every event (a
		// sequential scan of 10M events, 20 s, at every run). ANALYZE reads a sample: cheap.
		setup = append([]string{"ANALYZE learning_dirty"}, setup...)
	} else { // the temporary tables are dropped at the end (SQLite has no ON COMMIT DROP)
		setup = []string{
			"DROP TABLE IF EXISTS learning_fold",
			"DROP TABLE IF EXISTS learning_fold_events",
			"CREATE TEMP TABLE learning_fold (day varchar(10), host text, schema_hash text)",
		}
	}
	for _, s := range setup {
		if err := tx.Exec(s).Error; err != nil {
			return 0, 0, fmt.Errorf("fold: %s: %w", firstWords(s), err)
		}
	}
	n, err := takeMarks(tx, d)
	if err != nil || n == 0 {
		return 0, 0, errors.Join(err, dropFoldTables(tx, d, false))
	}
	if err := copyMarked(tx, d, false); err != nil {
		return 0, 0, err
	}
	var underived int64
	if err := tx.Raw("SELECT COUNT(*) FROM learning_fold_events WHERE underived = 1").Scan(&underived).Error; err != nil {
		return 0, 0, fmt.Errorf("fold: count the events with no derived columns: %w", err)
	}
	if underived > 0 {
		if derived, err = deriveMissing(tx, d, "learning_fold f JOIN autofill_events e ON "+d.inCell("f", "e")); err != nil {
			return 0, 0, err
		}
	}
	if derived > 0 {
		if n, err = remark(tx, d, n); err != nil {
			return 0, 0, err
		}
	}
	repaired, err := checkFingerprints(tx, d, markedEvents)
	if err != nil {
		return 0, 0, err
	}
	if repaired {
		if n, err = remark(tx, d, n); err != nil {
			return 0, 0, err
		}
	}
	stmts := []string{
		"DELETE FROM learning_cells WHERE EXISTS (SELECT 1 FROM learning_fold f WHERE f.day = learning_cells.day AND f.host = learning_cells.host AND f.schema_hash = learning_cells.schema_hash)",
		"DELETE FROM learning_map_days WHERE EXISTS (SELECT 1 FROM learning_fold f WHERE f.day = learning_map_days.day AND f.host = learning_map_days.host AND f.schema_hash = learning_map_days.schema_hash)",
		d.foldCellsSQL(markedEvents),
		d.foldMapDaysSQL(markedEvents),
		d.foldMapsSQL(markedEvents),
	}
	for _, s := range stmts {
		if err := tx.Exec(s).Error; err != nil {
			return 0, 0, fmt.Errorf("fold: %s: %w", firstWords(s), err)
		}
	}
	return int(n), derived, dropFoldTables(tx, d, true)
}

// takeMarks consumes the marks into learning_fold, each cell once, and returns how many cells
// it added: on Postgres by one DELETE … RETURNING, which takes exactly the committed marks;
// SQLite has one writer, so nothing commits between reading and deleting them.
func takeMarks(tx *gorm.DB, d dialect) (int64, error) {
	notTaken := "NOT EXISTS (SELECT 1 FROM learning_fold f WHERE f.day = t.day AND f.host = t.host AND f.schema_hash = t.schema_hash)"
	take := []string{
		"INSERT INTO learning_fold SELECT DISTINCT day, host, schema_hash FROM learning_dirty t WHERE " + notTaken,
		"DELETE FROM learning_dirty",
	}
	if d.Postgres {
		take = []string{`WITH t AS (DELETE FROM learning_dirty RETURNING day, host, schema_hash)
			INSERT INTO learning_fold SELECT DISTINCT day, host, schema_hash FROM t WHERE ` + notTaken}
	}
	var added int64
	for i, s := range take {
		res := tx.Exec(s)
		if res.Error != nil {
			return 0, fmt.Errorf("collect the changed cells: %w", res.Error)
		}
		if i == 0 {
			added = res.RowsAffected
		}
	}
	if d.Postgres && added > 0 {
		if err := tx.Exec("ANALYZE learning_fold").Error; err != nil {
			return 0, fmt.Errorf("collect the changed cells: %w", err)
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

// remark takes the marks that a derivation or a repair left (the cells of the events it
// changed, and any a writer committed meanwhile) and copies the events again. cells is how
// many cells were taken before; it returns how many are taken now.
func remark(tx *gorm.DB, d dialect, cells int64) (int64, error) {
	added, err := takeMarks(tx, d)
	if err != nil {
		return 0, err
	}
	return cells + added, copyMarked(tx, d, true)
}

// dropFoldTables drops a fold's temporary tables on SQLite (Postgres drops them at commit or
// rollback): learning_fold, and learning_fold_events when copied.
func dropFoldTables(tx *gorm.DB, d dialect, copied bool) error {
	if d.Postgres {
		return nil
	}
	stmts := []string{"DROP TABLE learning_fold"}
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
// and sums: every event (everyEvent, a rebuild), or the events of the marked cells, copied
// once into learning_fold_events (copyMarkedSQL), so that the cells, the map days and the
// maps are three passes over that small table, not three joins into the events.
type foldEvents struct {
	from, day                              string
	family, segment, discipline, style, ok string
	edits                                  string // the aggregator's rule of an event's edits (dialect.edits)
	tbl, rep                               string // on Postgres the row's partition and address; on SQLite its map
	size                                   string // what checkFingerprints compares of a map: its stored size on Postgres, its text on SQLite
}

// everyEvent reads the events themselves. edits is dialect.edits, for the rows with no derived
// columns that deriveMissing could not fill (a final map that is not a JSON object).
func (d dialect) everyEvent() foldEvents {
	src := foldEvents{
		from: "autofill_events e", day: d.Day("e.created_at"),
		family: "COALESCE(e.host_family, '')", segment: "COALESCE(e.segment_key, '')",
		discipline: "COALESCE(e.discipline, '')", style: "COALESCE(e.gen_style_id, '')",
		ok: "CASE WHEN e.status = 'ok' THEN 1 ELSE 0 END", edits: d.edits(),
		tbl: "e.tableoid", rep: "e.ctid", size: "pg_column_size(e.final_map)",
	}
	if !d.Postgres {
		src.tbl, src.rep, src.size = "0", "e.final_map", "e.final_map"
	}
	return src
}

// markedEvents reads learning_fold_events, made by copyMarkedSQL.
var markedEvents = foldEvents{
	from: "learning_fold_events e", day: "e.day",
	family: "e.host_family", segment: "e.segment_key", discipline: "e.discipline", style: "e.gen_style_id",
	ok: "e.ok", edits: "e.edits", tbl: "e.tbl", rep: "e.rep", size: "e.map_size",
}

// copyMarkedSQL copies what a fold needs of the events of the cells in learning_fold into the
// temporary table learning_fold_events, with the expressions of everyEvent: one pass over the
// events by their index on (host, schema_hash, created_at). Besides what the cells, map days
// and maps count, it keeps what foldMarked checks: whether an event lacks derived columns
// (deriveMissing's condition) and its map's size (checkFingerprints).
func (d dialect) copyMarkedSQL() string {
	e := d.everyEvent()
	temp := "CREATE TEMP TABLE learning_fold_events AS "
	if d.Postgres {
		temp = "CREATE TEMP TABLE learning_fold_events ON COMMIT DROP AS "
	}
	return temp + `SELECT f.day AS day, e.host, e.schema_hash, ` + e.family + ` AS host_family, ` + e.segment + ` AS segment_key,
	` + e.discipline + ` AS discipline, ` + e.style + ` AS gen_style_id, ` + e.ok + ` AS ok, e.feedback_status,
	` + e.edits + ` AS edits, e.edit_chars, e.duration_ms, e.created_at, e.final_map_hash, ` + e.tbl + ` AS tbl, ` + e.rep + ` AS rep,
	` + e.size + ` AS map_size, CASE WHEN ` + underivedSQL + ` THEN 1 ELSE 0 END AS underived
FROM learning_fold f JOIN autofill_events e ON ` + d.inCell("f", "e")
}

// foldCellsSQL inserts the style statistics of the events read into learning_cells.
func (d dialect) foldCellsSQL(src foldEvents) string {
	group := src.day + `, e.host, e.schema_hash, ` + src.family + `, ` + src.segment + `, ` + src.discipline + `, ` + src.style
	return `INSERT INTO learning_cells (day, host, schema_hash, host_family, segment_key, discipline, gen_style_id,
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
GROUP BY ` + group
}

// foldMapDaysSQL counts the events of each (day, form, fingerprint) read.
func (d dialect) foldMapDaysSQL(src foldEvents) string {
	return `INSERT INTO learning_map_days (day, host, schema_hash, map_hash, events)
SELECT ` + src.day + `, e.host, e.schema_hash, e.final_map_hash, COUNT(*)
FROM ` + src.from + `
WHERE e.final_map_hash IS NOT NULL
GROUP BY ` + src.day + `, e.host, e.schema_hash, e.final_map_hash`
}

// foldMapsSQL stores the map of each (form, fingerprint) read that has none stored yet: one
// representative event's map (on Postgres the smallest row address in the first partition that
// holds one, read back by a TID scan, so that the maps themselves are never sorted or
// compared; a row address is unique only within its partition, hence the tableoid; on SQLite
// the smallest map text).
func (d dialect) foldMapsSQL(src foldEvents) string {
	missing := `e.final_map_hash IS NOT NULL AND NOT EXISTS (SELECT 1 FROM learning_maps m
		WHERE m.host = e.host AND m.schema_hash = e.schema_hash AND m.map_hash = e.final_map_hash)`
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
