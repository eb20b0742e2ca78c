package migrations

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"

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
// Existing rows are filled by the events backfill (backfill.go), after the steps and outside
// their transaction: the fingerprint in Go, edit_total in SQL, in the one UPDATE that also
// fills the row's other new columns. A row whose final_map is not JSON keeps a NULL
// fingerprint; the aggregator votes on such rows by their whole map.
var eventDerivedColumns = &gormigrate.Migration{
	ID: "202611290700_event_derived_columns",
	Migrate: func(tx *gorm.DB) error {
		for _, c := range []string{"final_map_hash", "edit_total"} {
			if err := addColumn(tx, "autofill_events", c, "bigint"); err != nil {
				return err
			}
		}
		return requireBackfill(tx)
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
