package learning

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/applylens/learning/app/store"
)

// dialect is store.Dialect (which database this is, the shared SQL words) with the pieces of
// the aggregator's SQL that differ between Postgres (jsonb) and SQLite (JSON text). Both give
// the same results: integers are summed exactly and every division and tie-break happens in Go.
type dialect struct{ store.Dialect }

// windowClause filters rollup rows on their UTC day from since (settings.since, the start of a
// day); since is zero for all time.
func windowClause(since time.Time) (string, []any) {
	if since.IsZero() {
		return "1 = 1", nil
	}
	return "day >= ?", []any{since.UTC().Format(time.DateOnly)}
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

// windowSQL reads a run's style statistics from the rollups (rollup.go): one row (kind 0) per
// (form, family, segment, discipline, style), the sums over the window's days (where,
// windowClause); the profiles' figures and every level of the style statistics come from
// these.
//
// The counts of events are summed as integers: a cell is one form's day, so none reaches
// 2^31, and on Postgres the sum of an integer keeps its running total in 8 bytes where the sum
// of a bigint keeps a 128-bit state for every group. At 10M events over 20,000 forms (621,000
// groups) that halved the hash table (770 MB to 426 MB), and with tune's work_mem it is hashed
// instead of sorted on disk: 17.0 s → 7.0 s (EXPLAIN ANALYZE).
func (d dialect) windowSQL(where string) string {
	return `SELECT 0, host, schema_hash, host_family, segment_key, discipline, gen_style_id, '', '',
	CAST(SUM(CAST(runs AS INTEGER)) AS BIGINT), CAST(SUM(CAST(ok_runs AS INTEGER)) AS BIGINT),
	CAST(SUM(CAST(helpful AS INTEGER)) AS BIGINT), CAST(SUM(CAST(unhelpful AS INTEGER)) AS BIGINT),
	CAST(SUM(edit_sum) AS BIGINT), CAST(SUM(CAST(edit_n AS INTEGER)) AS BIGINT),
	CAST(SUM(chars_sum) AS BIGINT), CAST(SUM(CAST(chars_n AS INTEGER)) AS BIGINT),
	CAST(SUM(dur_sum) AS BIGINT), CAST(SUM(CAST(dur_n AS INTEGER)) AS BIGINT), MAX(last_at)
FROM learning_cells
WHERE ` + where + `
GROUP BY host, schema_hash, host_family, segment_key, discipline, gen_style_id`
}

// votesSQL reads the canonical-map votes of some forms over the window's days (where): one
// row (kind 1, the shape of windowSQL's) per (form, key) of a map with a string value, the
// events of the window that ended with each distinct map, its entries unpacked once per map.
// The forms are one argument after where's (formsIn). A run reads them a chunk of forms at a
// time (runPlan.eachChunk): each form's days by the index on (host, schema_hash, day), then
// each map by its key (on Postgres a LATERAL … LIMIT 1 keeps the planner from hashing every
// stored map for a chunk's few thousand).
func (d dialect) votesSQL(where string) string {
	entries, join := d.mapEntries("t.final_map")
	maps := `JOIN learning_maps t ON t.host = m.host AND t.schema_hash = m.schema_hash AND t.map_hash = m.map_hash`
	if d.Postgres {
		maps = `CROSS JOIN LATERAL (SELECT final_map FROM learning_maps
	WHERE host = m.host AND schema_hash = m.schema_hash AND map_hash = m.map_hash LIMIT 1) t`
	}
	return `SELECT 1, m.host, m.schema_hash, '', '', '', '', ` + entries + `
FROM (
	SELECT host, schema_hash, map_hash, SUM(events) AS n
	FROM learning_map_days
	WHERE ` + where + ` AND ` + d.formsIn() + `
	GROUP BY host, schema_hash, map_hash
) m
` + maps + join
}

// formsIn is the condition that (host, schema_hash) is one of a set of forms given as one
// argument, a JSON array of [host, schema_hash] pairs (formsArg): one parameter whatever the
// number of forms, and a statement short enough to log.
func (d dialect) formsIn() string {
	if d.Postgres {
		return "(host, schema_hash) IN (SELECT k ->> 0, k ->> 1 FROM jsonb_array_elements(CAST(? AS jsonb)) AS k)"
	}
	return "(host, schema_hash) IN (SELECT json_extract(k.value, '$[0]'), json_extract(k.value, '$[1]') FROM json_each(?) AS k)"
}

// formsArg is the argument of formsIn for keys.
func formsArg(keys []formKey) (string, error) {
	pairs := make([][2]string, len(keys))
	for i, k := range keys {
		pairs[i] = [2]string{k.host, k.schemaHash}
	}
	b, err := json.Marshal(pairs)
	return string(b), err
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
	"event_count", "last_event_at", "last_seen_at", "style_hint", "hint_summary", "created_at", "updated_at",
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
	hint_summary = excluded.hint_summary,
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
