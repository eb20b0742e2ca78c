package learning

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"unicode/utf8"

	"github.com/applylens/learning/app/models"
)

// Derive fills the columns that an event's content determines, which every writer stores with
// the event (SaveEvents, the seeds): FinalMapHash and EditTotal. The aggregator groups events
// by the first and sums the second instead of reading their JSON. Rows stored before the
// columns existed were backfilled by the migration that added them, with its own frozen copy
// of both rules; a test there keeps the copies equal to these.
func Derive(e *models.AutofillEvent) {
	h := FinalMapHash(e.FinalMap.V)
	e.FinalMapHash = &h
	e.EditTotal = EditTotal(e.EditStats.V)
}

// FinalMapHash is the fingerprint of a final map: the first 8 bytes, big-endian, of the
// SHA-256 of its JSON (encoding/json sorts the keys, so equal maps have equal fingerprints).
// A cryptographic hash because the aggregator takes the events of a form that share a
// fingerprint to share a map: nobody can make another map collide with a form's popular one.
func FinalMapHash(m models.StringMap) int64 {
	b := marshalMap(m)
	if !validUTF8(m) {
		// encoding/json wrote each invalid byte as \ufffd: fingerprint the map that the stored
		// JSON holds, as the migration's backfill does.
		var stored models.StringMap
		if err := json.Unmarshal(b, &stored); err != nil {
			panic("learning: encoding/json does not read its own map: " + err.Error())
		}
		b = marshalMap(stored)
	}
	sum := sha256.Sum256(b)
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

func marshalMap(m models.StringMap) []byte {
	b, err := json.Marshal(m)
	if err != nil {
		panic("learning: a map of strings does not marshal: " + err.Error())
	}
	return b
}

func validUTF8(m models.StringMap) bool {
	for k, v := range m {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return false
		}
	}
	return true
}

// maxEditCounter is the largest magnitude of an edit counter that counts as reported, here
// and in the SQL that reads counters from JSON (editTotalSQL).
const maxEditCounter int64 = 1 << 53

// EditTotal is an event's edits as the aggregator counts them: total_chars_added +
// total_chars_deleted, a missing (or absurd) counter counting 0, and nil when neither is
// reported.
func EditTotal(s models.EditStats) *int {
	a, addedOK := editCounter(s.TotalCharsAdded)
	d, deletedOK := editCounter(s.TotalCharsDeleted)
	if !addedOK && !deletedOK {
		return nil
	}
	t := a + d
	return &t
}

func editCounter(n *int) (int, bool) {
	if n == nil || int64(*n) > maxEditCounter || int64(*n) < -maxEditCounter {
		return 0, false
	}
	return *n, true
}
