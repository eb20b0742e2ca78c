package learning

import (
	"fmt"
	"strings"
	"time"

	"github.com/applylens/learning/app/store"
)

// dialect is store.Dialect (which database this is, the shared SQL words) with the pieces of
// the aggregator's SQL that differ between Postgres (jsonb) and SQLite (JSON text). Both give
// the same results: integers are summed exactly and every division and tie-break happens in Go.
type dialect struct{ store.Dialect }

// windowClause filters events on server receipt time; since is zero for all time.
func windowClause(since time.Time) (string, []any) {
	if since.IsZero() {
		return "1 = 1", nil
	}
	return "created_at >= ?", []any{since}
}

// editCount reads one counter of edit_stats as a whole number (rounded half away from zero):
// NULL when it is missing, not a number or beyond 2^53 in magnitude (maxEditCounter), so that
// a malformed row cannot fail the run. The CASEs nest because SQL does not promise to evaluate
// AND left to right.
func (d dialect) editCount(key string) string {
	if d.Postgres {
		// jsonb keeps numbers as numeric: "->" and a cast convert it with no text round trip.
		return fmt.Sprintf(`(CASE WHEN jsonb_typeof(edit_stats -> '%[1]s') = 'number' THEN
			CASE WHEN abs((edit_stats -> '%[1]s')::numeric) <= %[2]d
			THEN (edit_stats -> '%[1]s')::bigint END END)`, key, maxEditCounter)
	}
	return fmt.Sprintf(`(CASE WHEN json_valid(edit_stats) THEN
			CASE WHEN json_type(edit_stats, '$.%[1]s') IN ('integer', 'real') THEN
			CASE WHEN abs(json_extract(edit_stats, '$.%[1]s')) <= %[2]d
			THEN CAST(round(json_extract(edit_stats, '$.%[1]s')) AS INTEGER) END END END)`, key, maxEditCounter)
}

// edits is the SQL of one event's edits, the rule of EditTotal: the stored edit_total, or,
// for a row with no fingerprint (stored by a replica older than the derived columns, or a
// map that is not JSON), the same total read from edit_stats: the sum of the reported
// counters, NULL when neither is reported.
func (d dialect) edits() string {
	a, b := d.editCount("total_chars_added"), d.editCount("total_chars_deleted")
	return "CASE WHEN final_map_hash IS NOT NULL THEN edit_total ELSE COALESCE(" + a + " + " + b + ", " + a + ", " + b + ") END"
}

// windowSQL is the one pass over the window's events. The CTE g groups them by form, family,
// segment, style and final_map_hash (a form sees few distinct maps, so this is barely more
// groups than without the map) with every sum the run needs. From it come three kinds of rows:
//
//	kind 0: one per (form, family, segment, style): the profiles and the three levels of
//	        style statistics are rolled up from these;
//	kind 1: one per (form, distinct map, key) with a string value: the canonical-map votes,
//	        unpacking one representative event's map per distinct map, with the events
//	        that share it;
//	kind 2: one per (form, fingerprint) whose events may not all share one map, the
//	        fingerprint in the runs column: votesSQL counts these by their whole maps.
//
// Grouping by a 64-bit number instead of the whole JSON map is what makes the pass fast; the
// vote stays exact as long as one (form, fingerprint) means one map. Identical maps share a
// fingerprint by construction (FinalMapHash). Different maps sharing one would need a SHA-256
// collision on 64 bits that nobody can aim at a given map; and g also checks each group
// cheaply, on SQLite exactly (smallest and largest map text are equal) and on Postgres by
// stored size (equal smallest and largest pg_column_size), sending any group that fails to
// kind 2. Checking every event's map exactly on Postgres costs more than grouping by it did,
// which is why the check there is the size. A row with no fingerprint groups by its whole map
// (exact) and has its edits read from edit_stats.
func (d dialect) windowSQL(where string) string {
	// The representative of a group: on Postgres the smallest row address (min(tid), Postgres
	// 14), whose map is read back by a TID scan; on SQLite the smallest map text itself.
	rep, lo, hi, repMap, repJoin, ctid := "MIN(final_map)", "MIN(final_map)", "MAX(final_map)", "m.rep", "", ""
	if d.Postgres {
		rep, lo, hi, repMap = "MIN(ctid)", "MIN(pg_column_size(final_map))", "MAX(pg_column_size(final_map))", "e.final_map"
		repJoin, ctid = "\nJOIN autofill_events e ON e.ctid = m.rep", "ctid, "
	}
	entries, join := d.mapEntries(repMap)
	return `WITH g AS MATERIALIZED (
	SELECT host, schema_hash, host_family, segment_key, discipline, gen_style_id, final_map_hash, loose_map,
		COUNT(*) AS n,
		COUNT(*) FILTER (WHERE status = 'ok') AS ok,
		COUNT(*) FILTER (WHERE feedback_status = 'helpful') AS helpful,
		COUNT(*) FILTER (WHERE feedback_status = 'unhelpful') AS unhelpful,
		COALESCE(SUM(edits), 0) AS edit_sum,
		COUNT(edits) AS edit_n,
		COALESCE(SUM(edit_chars), 0) AS chars_sum,
		COUNT(edit_chars) AS chars_n,
		COALESCE(SUM(duration_ms), 0) AS dur_sum,
		COUNT(duration_ms) AS dur_n,
		MAX(created_at) AS last,
		` + rep + ` AS rep, ` + lo + ` AS lo, ` + hi + ` AS hi
	FROM (
		SELECT ` + ctid + `host, schema_hash, host_family, segment_key, discipline, gen_style_id, final_map_hash, final_map,
			status, feedback_status, edit_chars, duration_ms, created_at,
			CASE WHEN final_map_hash IS NULL THEN final_map END AS loose_map,
			` + d.edits() + ` AS edits
		FROM autofill_events
		WHERE ` + where + `
	) ev
	GROUP BY host, schema_hash, host_family, segment_key, discipline, gen_style_id, final_map_hash, loose_map
), m AS MATERIALIZED (
	SELECT host, schema_hash, final_map_hash, SUM(n) AS n, MIN(rep) AS rep,
		COALESCE(final_map_hash IS NULL OR MIN(lo) = MAX(hi), FALSE) AS one_map
	FROM g
	GROUP BY host, schema_hash, final_map_hash, loose_map
)
SELECT 0, host, schema_hash, COALESCE(host_family, ''), COALESCE(segment_key, ''), COALESCE(discipline, ''), COALESCE(gen_style_id, ''), '', '',
	CAST(SUM(n) AS BIGINT), CAST(SUM(ok) AS BIGINT), CAST(SUM(helpful) AS BIGINT), CAST(SUM(unhelpful) AS BIGINT),
	CAST(SUM(edit_sum) AS BIGINT), CAST(SUM(edit_n) AS BIGINT), CAST(SUM(chars_sum) AS BIGINT), CAST(SUM(chars_n) AS BIGINT),
	CAST(SUM(dur_sum) AS BIGINT), CAST(SUM(dur_n) AS BIGINT), MAX(last)
FROM g
GROUP BY host, schema_hash, host_family, segment_key, discipline, gen_style_id
UNION ALL
SELECT 1, m.host, m.schema_hash, '', '', '', '', ` + entries + `
FROM m` + repJoin + join + ` AND m.one_map
UNION ALL
SELECT 2, host, schema_hash, '', '', '', '', '', '', CAST(final_map_hash AS BIGINT), 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL
FROM m
WHERE NOT m.one_map`
}

// votesSQL counts the canonical-map votes of the given (form, fingerprint) pairs by their
// whole maps, as kind 1 rows of windowSQL: for the groups the window statement could not
// vote on from one representative. args are host, schema_hash, fingerprint triples.
func (d dialect) votesSQL(where string, pairs int) string {
	entries, join := d.mapEntries("m.final_map")
	in := strings.TrimSuffix(strings.Repeat("(?, ?, CAST(? AS BIGINT)), ", pairs), ", ")
	return `SELECT 1, m.host, m.schema_hash, '', '', '', '', ` + entries + `
FROM (
	SELECT host, schema_hash, final_map, COUNT(*) AS n
	FROM autofill_events
	WHERE ` + where + ` AND (host, schema_hash, final_map_hash) IN (VALUES ` + in + `)
	GROUP BY host, schema_hash, final_map
) m` + join
}

// mapEntries unpacks the map (when it is a JSON object) into its keys and string values: the
// select list (key, value, the events that voted, zeros for the statistics) and the join,
// which ends in a WHERE clause.
func (d dialect) mapEntries(fm string) (cols, join string) {
	cols = `CAST(m.n AS BIGINT), 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL`
	if d.Postgres {
		return `kv.key, kv.value #>> '{}', ` + cols, `
CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(` + fm + `) = 'object' THEN ` + fm + ` END) kv
WHERE jsonb_typeof(kv.value) = 'string'`
	}
	return `kv.key, kv.value, ` + cols, `,
json_each(CASE WHEN json_valid(` + fm + `) THEN CASE WHEN json_type(` + fm + `) = 'object' THEN ` + fm + ` END END) kv
WHERE kv.type = 'text'`
}

// profileColumns are written by upsertSQL, in this order.
var profileColumns = []string{
	"id", "host", "schema_hash", "host_family", "fields", "success_rate", "avg_edit_chars", "avg_duration_ms",
	"event_count", "last_event_at", "last_seen_at", "style_hint", "created_at", "updated_at",
}

// upsertSQL writes n profiles in one statement. An existing profile keeps its id and
// created_at; last_seen_at (which ingest also touches) only moves forward.
func (d dialect) upsertSQL(n int) string {
	return store.InsertSQL("form_profiles", profileColumns, n, false) + ` ON CONFLICT (host, schema_hash) DO UPDATE SET
	host_family = excluded.host_family,
	fields = excluded.fields,
	success_rate = excluded.success_rate,
	avg_edit_chars = excluded.avg_edit_chars,
	avg_duration_ms = excluded.avg_duration_ms,
	event_count = excluded.event_count,
	last_event_at = excluded.last_event_at,
	last_seen_at = CASE WHEN form_profiles.last_seen_at IS NULL OR excluded.last_seen_at > form_profiles.last_seen_at
		THEN excluded.last_seen_at ELSE form_profiles.last_seen_at END,
	style_hint = excluded.style_hint,
	updated_at = excluded.updated_at`
}

// weightsSQL sets the prior weight of n styles in one statement; args are id, weight pairs,
// then updated_at, then the n ids.
func (d dialect) weightsSQL(n int) string {
	param := "?"
	if d.Postgres {
		param = "CAST(? AS numeric)"
	}
	var b strings.Builder
	b.WriteString("UPDATE gen_styles SET prior_weight = CASE id")
	for range n {
		b.WriteString(" WHEN ? THEN " + param)
	}
	b.WriteString(" END, updated_at = ? WHERE id IN (")
	b.WriteString(strings.TrimSuffix(strings.Repeat("?, ", n), ", "))
	b.WriteString(")")
	return b.String()
}
