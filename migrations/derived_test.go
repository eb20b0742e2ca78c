package migrations_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/migrations"
	"github.com/applylens/learning/seeds"
)

// TestFinalMapHashFrozen pins the migration's fingerprint: rows carry it, so it never changes.
func TestFinalMapHashFrozen(t *testing.T) {
	for text, want := range map[string]int64{
		`{}`:                     0x44136fa355b3678a,
		`null`:                   0x74234e98afe7498f,
		`{"#a":"x"}`:             -8521411253188707119,
		`{"#b": "y", "#a": "x"}`: -3988490961767161845, // as {"#a":"x","#b":"y"}: key order and spaces do not matter
		`{"<sel>":"a&b"}`:        -5872529203383480563, // as {"\u003csel\u003e":"a\u0026b"}, Go's escaping
		`{"<sel>":"a\u0026b"}`:   -5872529203383480563,
	} {
		got, ok := migrations.FinalMapHashAt202611([]byte(text))
		require.True(t, ok, text)
		require.Equal(t, want, got, text)
	}
	for _, text := range []string{``, `{`, `{} {}`, `{"a":"x"} trailing`} {
		_, ok := migrations.FinalMapHashAt202611([]byte(text))
		require.False(t, ok, "%q is not one JSON value", text)
	}
}

func hashOf(t *testing.T, text string) int64 {
	t.Helper()
	h, ok := migrations.FinalMapHashAt202611([]byte(text))
	require.True(t, ok, text)
	return h
}

// TestDerivedColumnsBackfill stores events the way a writer from before the step did, then
// migrates: every row gets its fingerprint and edit total, across several batches.
func TestDerivedColumnsBackfill(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db := b.New(t)
		require.NoError(t, migrations.DownTo(ctx, db, "202611290600_report_rollup")) // this step and any after it
		require.False(t, db.Migrator().HasColumn("autofill_events", "final_map_hash"))
		require.False(t, db.Migrator().HasColumn("autofill_events", "edit_total"))
		require.NoError(t, db.Exec("INSERT INTO users (id, email) VALUES ('u-1', 'u1@example.test')").Error)

		type row struct {
			finalMap, editStats string
			hash                *int64 // nil: no fingerprint
			total               *int64
		}
		h := func(text string) *int64 { v := hashOf(t, text); return &v }
		n := func(v int64) *int64 { return &v }
		cases := []row{
			{`{"#a":"x","#b":"y"}`, `{"total_chars_added":10,"total_chars_deleted":5}`, h(`{"#a":"x","#b":"y"}`), n(15)},
			{`{"#b": "y", "#a": "x"}`, `{"total_chars_added":3}`, h(`{"#a":"x","#b":"y"}`), n(3)},
			{`{"<sel>":"a&b"}`, `{"total_chars_deleted":4,"per_field":{}}`, h(`{"<sel>":"a&b"}`), n(4)},
			{`{"#a":1,"#b":["x"]}`, `{}`, h(`{"#a":1,"#b":["x"]}`), nil},
			{`{}`, `{"total_chars_added":"lots","total_chars_deleted":3}`, h(`{}`), n(3)},
			{`{}`, `{"total_chars_added":true}`, h(`{}`), nil},
			{`{}`, `{"total_chars_added":2.5,"total_chars_deleted":0.4}`, h(`{}`), n(3)},
			{`{}`, `{"total_chars_added":-2.5}`, h(`{}`), n(-3)},
			{`{}`, `{"total_chars_added":1e300,"total_chars_deleted":2}`, h(`{}`), n(2)},
			{`{}`, `{"total_chars_added":9007199254740992}`, h(`{}`), n(9007199254740992)},
			{`{}`, `{"total_chars_added":null,"total_chars_deleted":{"x":1}}`, h(`{}`), nil},
			{`null`, `[1, 2]`, h(`null`), nil},
			{`[]`, `null`, h(`[]`), nil},
		}
		if b.Name == "sqlite" {
			// Text that is not JSON, which only SQLite stores.
			cases = append(cases, row{`not json`, `not json either`, nil, nil})
		}
		// Enough plain rows to cross several batches.
		for i := range 20 {
			cases = append(cases, row{fmt.Sprintf(`{"#n":"%d"}`, i), fmt.Sprintf(`{"total_chars_added":%d}`, i),
				h(fmt.Sprintf(`{"#n":"%d"}`, i)), n(int64(i))})
		}
		ids := make([]string, len(cases))
		for i, c := range cases {
			ids[i] = uuid.NewString()
			require.NoError(t, db.Exec(`INSERT INTO autofill_events (id, event_id, user_id, host, schema_hash, final_map, edit_stats)
				VALUES (?, ?, 'u-1', 'h.example', 's', ?, ?)`, ids[i], ids[i], c.finalMap, c.editStats).Error, c.finalMap)
		}

		defer migrations.SetBackfillBatch(7)()
		require.NoError(t, migrations.Up(ctx, db))

		byID := readDerived(t, db)
		require.Len(t, byID, len(cases))
		for i, c := range cases {
			s := byID[ids[i]]
			require.Equal(t, c.hash, s.FinalMapHash, "final_map_hash of %s", c.finalMap)
			require.Equal(t, c.total, s.EditTotal, "edit_total of %s", c.editStats)
		}

		// Rolling back removes both columns; migrating again fills them again.
		require.NoError(t, migrations.DownTo(ctx, db, "202611290600_report_rollup")) // this step and any after it
		require.False(t, db.Migrator().HasColumn("autofill_events", "final_map_hash"))
		require.False(t, db.Migrator().HasColumn("autofill_events", "edit_total"))
		require.NoError(t, migrations.Up(ctx, db))
		var missing int64
		require.NoError(t, db.Raw("SELECT COUNT(*) FROM autofill_events WHERE final_map_hash IS NULL").Scan(&missing).Error)
		require.EqualValues(t, map[string]int64{"sqlite": 1, "postgres": 0}[b.Name], missing, "only the text that is not JSON")

		// A database that has the columns without the step recorded: the step fills only the
		// rows with no fingerprint and leaves the others as they are.
		require.NoError(t, db.Exec("UPDATE autofill_events SET edit_total = -1 WHERE id = ?", ids[0]).Error)
		require.NoError(t, db.Exec("UPDATE autofill_events SET final_map_hash = NULL, edit_total = NULL WHERE id = ?", ids[1]).Error)
		require.NoError(t, db.Exec("DELETE FROM "+migrations.TableName+" WHERE id = '202611290700_event_derived_columns'").Error)
		require.NoError(t, migrations.Up(ctx, db))
		byID = readDerived(t, db)
		require.Equal(t, derived{cases[0].hash, new(int64(-1))}, byID[ids[0]], "kept")
		require.Equal(t, derived{cases[1].hash, cases[1].total}, byID[ids[1]], "filled")
	})
}

// TestWritersAgreeWithBackfill: what a writer derives (learning.Derive, through the seeds'
// fixtures) equals what the migration's frozen copy computes from the stored row, on both
// databases: the writers and the backfill fill the columns identically.
func TestWritersAgreeWithBackfill(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db := b.New(t)
		i := seeds.Int
		maps := []map[string]string{
			nil, {}, {"#a": "x"}, {"#b": "y", "#a": "x"},
			{"<sel>": "a&b", "é": "ü", "日本": "語"},
			{`q"uote`: `back\slash`, "ctl": "\t\n\u0001", "sep": "\u2028\u2029", "emoji": "😀"},
			{"invalid": "a\xff\xfeb", "\xffkey": "v"},
		}
		counters := [][2]*int{{nil, nil}, {i(3), nil}, {nil, i(4)}, {i(10), i(5)}, {i(1 << 53), i(-7)}, {i(1<<53 + 1), i(2)}, {i(1<<53 + 1), nil}}
		var evs []seeds.Ev
		for k, m := range maps {
			for _, c := range counters {
				evs = append(evs, seeds.Ev{Host: "h.example", SchemaHash: fmt.Sprint(k), FinalMap: m, Added: c[0], Deleted: c[1]})
			}
		}
		written, err := seeds.Insert(ctx, db, evs)
		require.NoError(t, err)

		require.NoError(t, migrations.DownTo(ctx, db, "202611290600_report_rollup")) // this step and any after it
		require.NoError(t, migrations.Up(ctx, db))

		byID := readDerived(t, db)
		require.Len(t, byID, len(written))
		for k, w := range written {
			s := byID[w.ID]
			require.NotNil(t, w.FinalMapHash)
			require.Equal(t, w.FinalMapHash, s.FinalMapHash, "final_map_hash of %q", maps[k/len(counters)])
			var total *int64
			if w.EditTotal != nil {
				total = new(int64(*w.EditTotal))
			}
			require.Equal(t, total, s.EditTotal, "edit_total of %+v", evs[k])
			if maps[k/len(counters)] != nil {
				require.Equal(t, learning.FinalMapHash(maps[k/len(counters)]), *w.FinalMapHash)
			}
		}
	})
}

// derived is what an event holds in the derived columns.
type derived struct {
	FinalMapHash *int64
	EditTotal    *int64
}

// readDerived returns the derived columns of every event, by id.
func readDerived(t *testing.T, db *gorm.DB) map[string]derived {
	t.Helper()
	var rows []struct {
		ID           string
		FinalMapHash *int64
		EditTotal    *int64
	}
	require.NoError(t, db.Raw("SELECT CAST(id AS text) AS id, final_map_hash, edit_total FROM autofill_events").Scan(&rows).Error)
	out := make(map[string]derived, len(rows))
	for _, r := range rows {
		out[r.ID] = derived{r.FinalMapHash, r.EditTotal}
	}
	return out
}
