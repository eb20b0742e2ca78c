package learning_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/migrations"
	"github.com/applylens/learning/seeds"
)

// The window statement groups events by final_map_hash and sums edit_total; rows without them
// (a replica older than the columns) are grouped by their whole map and their edit_stats read.
// These tests hold both ways to the same results.

// TestFingerprintsChangeNoResult: on the demo generator's data, a run over rows with derived
// columns and one over the same rows without them write the same profiles and hints.
func TestFingerprintsChangeNoResult(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		h := newHarness(t, db)
		_, err := seeds.Seed(ctx, db, seeds.Options{Events: 4000, Forms: 60, Days: 20, Seed: seeds.DefaultSeed})
		require.NoError(t, err)
		h.run(30)
		derived := profilesNow(t, db)
		require.NotEmpty(t, derived)

		require.NoError(t, db.Exec("UPDATE autofill_events SET final_map_hash = NULL, edit_total = NULL").Error)
		run := h.run(30)
		require.Zero(t, run.HintsChanged)
		require.Equal(t, derived, profilesNow(t, db))
	})
}

// TestVoteDuringRollout: one form's events, some with a fingerprint and some without, vote
// as one, each map counted once per event.
func TestVoteDuringRollout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		i := seeds.Int
		a := map[string]string{"#a": "x", "#b": "p"}
		b := map[string]string{"#a": "y"}
		evs, err := seeds.Insert(context.Background(), db, seeds.Concat(
			seeds.Ev{Host: noFamily, SchemaHash: "f", FinalMap: a, Added: i(10)}.Times(4),
			seeds.Ev{Host: noFamily, SchemaHash: "f", FinalMap: b, Added: i(2), Deleted: i(1)}.Times(3),
		))
		require.NoError(t, err)
		// Two of a's events and all of b's come from an older replica.
		for _, e := range []models.AutofillEvent{evs[0], evs[1], evs[4], evs[5], evs[6]} {
			require.NoError(t, db.Exec("UPDATE autofill_events SET final_map_hash = NULL, edit_total = NULL WHERE id = ?", e.ID).Error)
		}
		h.run(30)
		p := h.profile(noFamily, "f")
		require.Equal(t, models.StringMap{"#a": "x", "#b": "p"}, p.Fields.V, "#a: x 4 votes against y 3")
		require.InDelta(t, 7.0, *p.AvgEditChars, 1e-9, "(4 × 10 + 3 × 3) / 7")
	})
}

// TestFingerprintCollisionDoesNotMergeMaps forces two different maps of one form to share a
// fingerprint (as a collision would): the run sees it and counts each map on its own. On
// SQLite every such group is caught; on Postgres the check compares stored sizes, so these
// maps differ in size.
func TestFingerprintCollisionDoesNotMergeMaps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		long := map[string]string{"#a": "x", "#b": "a long value"}
		short := map[string]string{"#a": "y"}
		other := map[string]string{"#a": "z"}
		h.insert(
			seeds.Ev{Host: noFamily, SchemaHash: "f", FinalMap: long}.Times(2),
			seeds.Ev{Host: noFamily, SchemaHash: "f", FinalMap: short}.Times(3),
			seeds.Ev{Host: noFamily, SchemaHash: "g", FinalMap: other}.Times(2), // the same fingerprint, another form
		)
		require.NoError(t, db.Exec("UPDATE autofill_events SET final_map_hash = 42").Error)
		h.run(30)
		require.Equal(t, models.StringMap{"#a": "y", "#b": "a long value"}, h.profile(noFamily, "f").Fields.V,
			"#a: y 3 votes against x 2; #b from the long map only")
		require.Equal(t, models.StringMap{"#a": "z"}, h.profile(noFamily, "g").Fields.V)

		if db.Dialector.Name() == "sqlite" {
			// Maps of the same size too.
			h.insert(
				seeds.Ev{Host: noFamily, SchemaHash: "same-size", FinalMap: map[string]string{"#a": "x"}}.Times(2),
				seeds.Ev{Host: noFamily, SchemaHash: "same-size", FinalMap: map[string]string{"#a": "y"}}.Times(1),
				seeds.Ev{Host: noFamily, SchemaHash: "same-size", FinalMap: map[string]string{"#b": "y"}}.Times(1),
			)
			require.NoError(t, db.Exec("UPDATE autofill_events SET final_map_hash = 42").Error)
			h.run(30)
			require.Equal(t, models.StringMap{"#a": "x", "#b": "y"}, h.profile(noFamily, "same-size").Fields.V)
		}
	})
}

// TestBackfilledEditsCountAsRead: malformed counters backfilled by the migration count as the
// run counts them from edit_stats (TestAveragesCountOnlyReportedValues).
func TestBackfilledEditsCountAsRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		h := newHarness(t, db)
		bad, err := seeds.Insert(ctx, db, seeds.Ev{Host: noFamily, SchemaHash: "bad"}.Times(5))
		require.NoError(t, err)
		for i, stats := range []string{`{"total_chars_added": "lots", "total_chars_deleted": 3}`, `{"total_chars_added": true}`,
			`{"total_chars_added": 2.5, "total_chars_deleted": 0.4}`, `{"total_chars_added": 1e300, "total_chars_deleted": 6}`,
			`{"total_chars_deleted": -9007199254740993}`} {
			require.NoError(t, db.Exec("UPDATE autofill_events SET edit_stats = ?, final_map_hash = NULL, edit_total = NULL WHERE id = ?",
				stats, bad[i].ID).Error)
		}
		h.run(30)
		read := h.profile(noFamily, "bad")
		require.InDelta(t, 4.0, *read.AvgEditChars, 1e-9, "(3 + 3 + 6) / 3")

		require.NoError(t, migrations.DownTo(ctx, db, "202611290600_report_rollup"))
		require.NoError(t, migrations.Up(ctx, db))
		var missing int64
		require.NoError(t, db.Raw("SELECT COUNT(*) FROM autofill_events WHERE final_map_hash IS NULL").Scan(&missing).Error)
		require.Zero(t, missing, "backfilled")
		h.run(30)
		require.Equal(t, *read.AvgEditChars, *h.profile(noFamily, "bad").AvgEditChars)
	})
}

// storedProfile is what a run writes of a profile, without its timestamps and run id.
type storedProfile struct {
	Host, SchemaHash string
	Fields           models.StringMap
	SuccessRate      *float64
	AvgEditChars     *float64
	AvgDurationMS    *int
	EventCount       int
	LastEventAt      *time.Time
	Hint             *models.StyleHint
}

func profilesNow(t *testing.T, db *gorm.DB) []storedProfile {
	t.Helper()
	var ps []models.FormProfile
	require.NoError(t, db.Order("host, schema_hash").Find(&ps).Error)
	out := make([]storedProfile, len(ps))
	for k, p := range ps {
		hint := p.StyleHint.V
		if hint != nil {
			hint.ComputedAt, hint.RunID = time.Time{}, ""
		}
		out[k] = storedProfile{p.Host, p.SchemaHash, p.Fields.V, p.SuccessRate, p.AvgEditChars, p.AvgDurationMS,
			p.EventCount, p.LastEventAt, hint}
	}
	return out
}

// TestFingerprintDiffersFromStoredMap: new events whose maps agree with each other but not with
// the map stored for their fingerprint (a collision with a map of earlier days) are caught by
// the fold, which reads only the new day's events, and each map counts on its own: whether an
// update marked their cell, or they are only new events (a writer that stored the wrong
// fingerprint itself), which the fold repairs and then recounts.
func TestFingerprintDiffersFromStoredMap(t *testing.T) {
	for _, marked := range []bool{true, false} {
		t.Run(map[bool]string{true: "marked", false: "new"}[marked], func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *gorm.DB) {
				h := newHarness(t, db)
				h.insert(seeds.Ev{Host: noFamily, SchemaHash: "f", FinalMap: map[string]string{"#a": "x"}, Age: 48 * time.Hour}.Times(2))
				require.NoError(t, db.Exec("UPDATE autofill_events SET final_map_hash = 42").Error)
				h.run(30) // stores {"#a":"x"} as fingerprint 42's map
				h.insert(seeds.Ev{Host: noFamily, SchemaHash: "f", FinalMap: map[string]string{"#a": "y", "#b": "a long value"}}.Times(3))
				require.NoError(t, db.Exec("UPDATE autofill_events SET final_map_hash = 42 WHERE final_map_hash <> 42").Error)
				if !marked {
					require.NoError(t, db.Exec("DELETE FROM learning_dirty").Error)
					fold, err := learning.FoldRollups(context.Background(), db, false)
					require.NoError(t, err)
					require.Positive(t, fold.Cells, "the repaired events' cells, recounted")
				}
				h.run(30)
				require.Equal(t, models.StringMap{"#a": "y", "#b": "a long value"}, h.profile(noFamily, "f").Fields.V,
					"#a: y 3 votes against x 2, not 5 votes for the stored map")
			})
		})
	}
}

// TestMapsDifferingInWhatDoesNotVote: maps that differ only in an entry that is not a string
// share a fingerprint rightly (only strings vote). The fingerprint check flags such a group,
// since its maps differ, but must leave it alone: a fold after one new day recounts that day's
// cell, not every day of the form, and the form's map is the same as before.
func TestMapsDifferingInWhatDoesNotVote(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		m := map[string]string{"#a": "x"}
		for _, age := range []time.Duration{48 * time.Hour, 72 * time.Hour, 96 * time.Hour} {
			h.insert(seeds.Ev{Host: noFamily, SchemaHash: "f", FinalMap: m, Age: age}.Times(2))
		}
		// withNumber adds a number to the map of one event of each day since.
		withNumber := func(since time.Time) {
			t.Helper()
			require.NoError(t, db.Exec(`UPDATE autofill_events SET final_map = '{"#a": "x", "n": 1}'
				WHERE CAST(id AS TEXT) IN (SELECT MIN(CAST(id AS TEXT)) FROM autofill_events WHERE created_at >= ? GROUP BY `+
				store.DialectOf(db).Day("created_at")+`)`, since).Error)
		}
		withNumber(time.Time{})
		h.run(30)
		require.Equal(t, models.StringMap{"#a": "x"}, h.profile(noFamily, "f").Fields.V)

		h.insert(seeds.Ev{Host: noFamily, SchemaHash: "f", FinalMap: m}.Times(2))
		withNumber(time.Now().Add(-2 * time.Hour)) // the new events (received an hour ago)
		fold, err := learning.FoldRollups(context.Background(), db, false)
		require.NoError(t, err)
		require.Equal(t, 1, fold.Cells, "today's cell alone")
		h.run(30)
		require.Equal(t, models.StringMap{"#a": "x"}, h.profile(noFamily, "f").Fields.V)
	})
}
