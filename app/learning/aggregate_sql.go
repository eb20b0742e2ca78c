package learning

import (
	"fmt"
	"strings"
	"time"
)

// dialect holds the few pieces of the aggregator's SQL that differ between Postgres (jsonb)
// and SQLite (JSON text). Both give the same results: integers are summed exactly and every
// division and tie-break happens in Go.
type dialect struct{ postgres bool }

// windowClause filters events on server receipt time; since is zero for all time.
func windowClause(since time.Time) (string, []any) {
	if since.IsZero() {
		return "1 = 1", nil
	}
	return "created_at >= ?", []any{since}
}

// editCount reads one counter of edit_stats as a whole number (rounded half away from zero):
// NULL when it is missing or not a number, so that a malformed row cannot fail the run.
func (d dialect) editCount(key string) string {
	if d.postgres {
		// jsonb keeps numbers as numeric: "->" and a cast convert it with no text round trip.
		return fmt.Sprintf(`CASE WHEN jsonb_typeof(edit_stats -> '%[1]s') = 'number'
			THEN (edit_stats -> '%[1]s')::bigint END`, key)
	}
	return fmt.Sprintf(`CASE WHEN json_valid(edit_stats) THEN
			CASE WHEN json_type(edit_stats, '$.%[1]s') IN ('integer', 'real')
			THEN CAST(round(json_extract(edit_stats, '$.%[1]s')) AS INTEGER) END END`, key)
}

// windowSQL is the one pass over the window's events. The CTE groups them by form, family,
// segment, style and whole final_map (a form sees few distinct maps, so this is barely more
// groups than without the map) with every sum the run needs. From it come two kinds of rows:
//
//	kind 0: one per (form, family, segment, style): the profiles and the three levels of
//	        style statistics are rolled up from these;
//	kind 1: one per (form, distinct map, key) with a string value: the canonical-map votes,
//	        unpacking each distinct map once instead of each event's.
//
// An event's edits are total_chars_added + total_chars_deleted, a missing one counting 0; an
// event with neither has no edits and stays out of the average.
func (d dialect) windowSQL(where string) string {
	entries, join := d.mapEntries()
	return `WITH g AS MATERIALIZED (
	SELECT host, schema_hash, host_family, segment_key, gen_style_id, final_map,
		COUNT(*) AS n,
		COUNT(*) FILTER (WHERE status = 'ok') AS ok,
		COUNT(*) FILTER (WHERE feedback_status = 'helpful') AS helpful,
		COUNT(*) FILTER (WHERE feedback_status = 'unhelpful') AS unhelpful,
		COALESCE(SUM(added), 0) + COALESCE(SUM(deleted), 0) AS edit_sum,
		COUNT(COALESCE(added, deleted)) AS edit_n,
		COALESCE(SUM(edit_chars), 0) AS chars_sum,
		COUNT(edit_chars) AS chars_n,
		COALESCE(SUM(duration_ms), 0) AS dur_sum,
		COUNT(duration_ms) AS dur_n,
		MAX(created_at) AS last
	FROM (
		SELECT host, schema_hash, host_family, segment_key, gen_style_id, final_map,
			status, feedback_status, edit_chars, duration_ms, created_at,
			` + d.editCount("total_chars_added") + ` AS added,
			` + d.editCount("total_chars_deleted") + ` AS deleted
		FROM autofill_events
		WHERE ` + where + `
	) ev
	GROUP BY host, schema_hash, host_family, segment_key, gen_style_id, final_map
)
SELECT 0, host, schema_hash, COALESCE(host_family, ''), COALESCE(segment_key, ''), COALESCE(gen_style_id, ''), '', '',
	CAST(SUM(n) AS BIGINT), CAST(SUM(ok) AS BIGINT), CAST(SUM(helpful) AS BIGINT), CAST(SUM(unhelpful) AS BIGINT),
	CAST(SUM(edit_sum) AS BIGINT), CAST(SUM(edit_n) AS BIGINT), CAST(SUM(chars_sum) AS BIGINT), CAST(SUM(chars_n) AS BIGINT),
	CAST(SUM(dur_sum) AS BIGINT), CAST(SUM(dur_n) AS BIGINT), MAX(last)
FROM g
GROUP BY host, schema_hash, host_family, segment_key, gen_style_id
UNION ALL
SELECT 1, m.host, m.schema_hash, '', '', '', ` + entries + `
FROM (SELECT host, schema_hash, final_map, SUM(n) AS n FROM g GROUP BY host, schema_hash, final_map) m` + join
}

// mapEntries unpacks m.final_map (when it is a JSON object) into its keys and string values:
// the select list (key, value, the events that voted, zeros for the statistics) and the join.
func (d dialect) mapEntries() (cols, join string) {
	cols = `CAST(m.n AS BIGINT), 0, 0, 0, 0, 0, 0, 0, 0, 0, NULL`
	if d.postgres {
		return `kv.key, kv.value #>> '{}', ` + cols, `
CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(m.final_map) = 'object' THEN m.final_map END) kv
WHERE jsonb_typeof(kv.value) = 'string'`
	}
	return `kv.key, kv.value, ` + cols, `,
json_each(CASE WHEN json_valid(m.final_map) THEN CASE WHEN json_type(m.final_map) = 'object' THEN m.final_map END END) kv
WHERE kv.type = 'text'`
}

// profileColumns are written by upsertSQL, in this order.
var profileColumns = []string{
	"id", "host", "schema_hash", "fields", "success_rate", "avg_edit_chars", "avg_duration_ms",
	"event_count", "last_event_at", "last_seen_at", "style_hint", "created_at", "updated_at",
}

// upsertSQL writes n profiles in one statement. An existing profile keeps its id and
// created_at; last_seen_at (which ingest also touches) only moves forward.
func (d dialect) upsertSQL(n int) string {
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(profileColumns)), ", ") + ")"
	var b strings.Builder
	b.WriteString("INSERT INTO form_profiles (" + strings.Join(profileColumns, ", ") + ") VALUES ")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteString(` ON CONFLICT (host, schema_hash) DO UPDATE SET
	fields = excluded.fields,
	success_rate = excluded.success_rate,
	avg_edit_chars = excluded.avg_edit_chars,
	avg_duration_ms = excluded.avg_duration_ms,
	event_count = excluded.event_count,
	last_event_at = excluded.last_event_at,
	last_seen_at = CASE WHEN form_profiles.last_seen_at IS NULL OR excluded.last_seen_at > form_profiles.last_seen_at
		THEN excluded.last_seen_at ELSE form_profiles.last_seen_at END,
	style_hint = excluded.style_hint,
	updated_at = excluded.updated_at`)
	return b.String()
}

// weightsSQL sets the prior weight of n styles in one statement; args are id, weight pairs,
// then updated_at, then the n ids.
func (d dialect) weightsSQL(n int) string {
	param := "?"
	if d.postgres {
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
