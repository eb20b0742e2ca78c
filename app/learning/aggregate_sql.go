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

// editCount reads one integer counter of edit_stats: NULL when it is missing or not a number
// (so that a malformed row cannot fail the run), rounded half away from zero on both databases.
func (d dialect) editCount(key string) string {
	if d.postgres {
		return fmt.Sprintf(`CASE WHEN jsonb_typeof(edit_stats -> '%[1]s') = 'number'
			THEN round((edit_stats ->> '%[1]s')::numeric)::bigint END`, key)
	}
	return fmt.Sprintf(`CASE WHEN json_valid(edit_stats) THEN
			CASE WHEN json_type(edit_stats, '$.%[1]s') IN ('integer', 'real')
			THEN CAST(round(json_extract(edit_stats, '$.%[1]s')) AS INTEGER) END END`, key)
}

// cellsSQL is the one pass over the window's events: one row per (form, family, segment,
// style) with every sum the profiles and the three levels of style statistics are rolled up
// from. An event's edits are total_chars_added + total_chars_deleted, a missing one counting
// 0; an event with neither has no edits and stays out of the average.
func (d dialect) cellsSQL(where string) string {
	return `SELECT host, schema_hash, fam, seg, style,
	COUNT(*),
	SUM(CASE WHEN status = 'ok' THEN 1 ELSE 0 END),
	SUM(CASE WHEN feedback_status = 'helpful' THEN 1 ELSE 0 END),
	SUM(CASE WHEN feedback_status = 'unhelpful' THEN 1 ELSE 0 END),
	CAST(COALESCE(SUM(added), 0) + COALESCE(SUM(deleted), 0) AS BIGINT),
	COUNT(COALESCE(added, deleted)),
	COALESCE(SUM(edit_chars), 0),
	COUNT(edit_chars),
	COALESCE(SUM(duration_ms), 0),
	COUNT(duration_ms),
	MAX(created_at)
FROM (
	SELECT host, schema_hash,
		COALESCE(host_family, '') AS fam, COALESCE(segment_key, '') AS seg, COALESCE(gen_style_id, '') AS style,
		status, feedback_status, edit_chars, duration_ms, created_at,
		` + d.editCount("total_chars_added") + ` AS added,
		` + d.editCount("total_chars_deleted") + ` AS deleted
	FROM autofill_events
	WHERE ` + where + `
) ev
GROUP BY host, schema_hash, fam, seg, style`
}

// votesSQL counts, per form, key and value, the window's events whose final_map maps the key
// to the value. Events are first grouped by their whole map (a form sees few distinct maps),
// so only distinct maps are unpacked. Only string values vote.
func (d dialect) votesSQL(where string) string {
	if d.postgres {
		return `SELECT m.host, m.schema_hash, kv.key, kv.value #>> '{}', CAST(SUM(m.n) AS BIGINT)
FROM (
	SELECT host, schema_hash, final_map, COUNT(*) AS n
	FROM autofill_events
	WHERE ` + where + ` AND jsonb_typeof(final_map) = 'object'
	GROUP BY host, schema_hash, final_map
) m
CROSS JOIN LATERAL jsonb_each(m.final_map) kv
WHERE jsonb_typeof(kv.value) = 'string'
GROUP BY m.host, m.schema_hash, kv.key, kv.value #>> '{}'`
	}
	return `SELECT m.host, m.schema_hash, kv.key, kv.value, SUM(m.n)
FROM (
	SELECT host, schema_hash, final_map, COUNT(*) AS n
	FROM autofill_events
	WHERE ` + where + ` AND (CASE WHEN json_valid(final_map) THEN json_type(final_map) END) = 'object'
	GROUP BY host, schema_hash, final_map
) m, json_each(m.final_map) kv
WHERE kv.type = 'text'
GROUP BY m.host, m.schema_hash, kv.key, kv.value`
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
