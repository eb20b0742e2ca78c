package migrations

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// eventDerivedColumns adds two columns that every writer computes from an event's content, so
// that the aggregator groups and sums plain numbers instead of reading JSON:
//
//   - final_map_hash: a 64-bit fingerprint of final_map (finalMapHashAt202611);
//   - edit_total: total_chars_added + total_chars_deleted of edit_stats as the aggregator counts
//     them (editTotalAt202611): NULL when neither counter is reported.
//
// edit_total is a bigint, not an integer: the aggregator has always summed the counters as
// bigints, and a legacy row with a counter past 2^31 must neither fail this step nor change
// the sums.
//
// Existing rows are backfilled in batches, keyset by id: the fingerprint in Go, edit_total in
// SQL, both in one UPDATE so that each row is rewritten once. A row whose final_map is not JSON
// keeps a NULL fingerprint; the aggregator votes on such rows by their whole map.
var eventDerivedColumns = &gormigrate.Migration{
	ID: "202611290700_event_derived_columns",
	Migrate: func(tx *gorm.DB) error {
		for _, c := range []string{"final_map_hash", "edit_total"} {
			if err := addColumn(tx, "autofill_events", c, "bigint"); err != nil {
				return err
			}
		}
		return backfillDerived(tx)
	},
	Rollback: func(tx *gorm.DB) error {
		for _, c := range []string{"edit_total", "final_map_hash"} {
			if err := dropColumn(tx, "autofill_events", c); err != nil {
				return err
			}
		}
		return nil
	},
}

// backfillBatch is how many rows one UPDATE of the backfill writes: a few thousand on
// Postgres; the SQLite driver binds parameters in quadratic time, so it gets fewer.
var backfillBatch = struct{ postgres, sqlite int }{postgres: 5000, sqlite: 500}

// backfillDerived fills both columns of every row that has no fingerprint yet. It walks the
// whole table by primary key: a filter on final_map_hash IS NULL in the query would make
// Postgres, which has no statistics on the new column, sort the table for every batch.
func backfillDerived(tx *gorm.DB) error {
	pg := isPostgres(tx)
	batch, mapText, idText := backfillBatch.sqlite, "final_map", "id"
	words := sqliteWords
	if pg {
		batch, mapText, idText = backfillBatch.postgres, "final_map::text", "id::text"
		words = postgresWords
	}
	after := ""
	for {
		q := "SELECT " + idText + ", " + mapText + ", final_map_hash IS NULL FROM autofill_events"
		var args []any
		if after != "" {
			q += words.Replace(" WHERE id > CAST(? AS {uuid})")
			args = append(args, after)
		}
		q += fmt.Sprintf(" ORDER BY autofill_events.id LIMIT %d", batch)
		b, err := readBackfillBatch(tx, q, args)
		if err != nil {
			return fmt.Errorf("read autofill_events for the backfill: %w", err)
		}
		if b.last == "" {
			return nil
		}
		after = b.last
		if len(b.ids) == 0 {
			continue
		}
		var sb strings.Builder
		sb.WriteString("UPDATE autofill_events SET final_map_hash = v.column2, edit_total = ")
		sb.WriteString(editTotalAt202611(pg))
		sb.WriteString(" FROM (VALUES ")
		vals := make([]any, 0, 2*len(b.ids))
		for i := range b.ids {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(words.Replace("(CAST(? AS {uuid}), CAST(? AS bigint))"))
			vals = append(vals, b.ids[i], b.hashes[i])
		}
		sb.WriteString(") AS v WHERE autofill_events.id = v.column1")
		if err := tx.Exec(sb.String(), vals...).Error; err != nil {
			return fmt.Errorf("backfill autofill_events: %w", err)
		}
	}
}

// backfillRows is one batch of the backfill: the rows it must write with their fingerprints
// (nil when the map is not JSON), and the last id read ("" when there was none).
type backfillRows struct {
	ids    []string
	hashes []any
	last   string
}

func readBackfillBatch(tx *gorm.DB, q string, args []any) (backfillRows, error) {
	var b backfillRows
	rows, err := tx.Raw(q, args...).Rows()
	if err != nil {
		return b, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id      string
			text    sql.NullString
			missing bool
		)
		if err := rows.Scan(&id, &text, &missing); err != nil {
			return b, err
		}
		b.last = id
		if !missing {
			continue
		}
		var h any
		if text.Valid {
			if v, ok := finalMapHashAt202611([]byte(text.String)); ok {
				h = v
			}
		}
		b.ids = append(b.ids, id)
		b.hashes = append(b.hashes, h)
	}
	return b, rows.Err()
}

// finalMapHashAt202611 is the fingerprint of a stored final_map, frozen as of this step: rows
// carry it, and app/learning's Derive must give the same value for the same map (a test in
// this package checks). It is the first 8 bytes, big-endian, of the SHA-256 of the map's
// canonical JSON (Go's encoding/json of the parsed value: object keys sorted, numbers as
// written, strings escaped the encoder's way), as an int64. ok is false when text is not one
// JSON value.
//
// SHA-256 rather than a faster non-cryptographic hash (FNV-1a, say): the aggregator trusts
// that events of one form with one fingerprint have one map, and anyone who can sync an event
// could construct an FNV collision with a form's popular map.
func finalMapHashAt202611(text []byte) (int64, bool) {
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return 0, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return 0, false // more than one value
	}
	b, err := json.Marshal(v)
	if err != nil {
		return 0, false
	}
	sum := sha256.Sum256(b)
	return int64(binary.BigEndian.Uint64(sum[:8])), true
}

// editTotalAt202611 is the SQL of an event's edit total as of this step, frozen; the
// aggregator's copy (app/learning) must agree. A counter is reported when it is a JSON number
// of magnitude at most 2^53 (past that it counts no characters, and a cast could fail the
// step), rounded half away from zero; the total is the sum of the reported ones, NULL when
// neither is. (The CASEs nest because SQL does not promise to evaluate AND left to right.)
func editTotalAt202611(pg bool) string {
	counter := func(key string) string {
		if pg {
			return fmt.Sprintf(`(CASE WHEN jsonb_typeof(edit_stats -> '%[1]s') = 'number' THEN
				CASE WHEN abs((edit_stats -> '%[1]s')::numeric) <= 9007199254740992
				THEN (edit_stats -> '%[1]s')::bigint END END)`, key)
		}
		return fmt.Sprintf(`(CASE WHEN json_valid(edit_stats) THEN
				CASE WHEN json_type(edit_stats, '$.%[1]s') IN ('integer', 'real') THEN
				CASE WHEN abs(json_extract(edit_stats, '$.%[1]s')) <= 9007199254740992
				THEN CAST(round(json_extract(edit_stats, '$.%[1]s')) AS INTEGER) END END END)`, key)
	}
	a, d := counter("total_chars_added"), counter("total_chars_deleted")
	return "COALESCE(" + a + " + " + d + ", " + a + ", " + d + ")"
}
