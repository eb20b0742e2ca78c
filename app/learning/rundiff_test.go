package learning_test

import (
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
)

// Every run records which (form, segment) picks changed, from what to what and why: all of
// them on a first run, none when nothing changed, and the one that new ratings on a form flip.
func TestRunRecordsChangedPicks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := bayesHarness(t, db)
		h.insert(
			rated(ghAcme, "f1", concise, "senior", "helpful", 10),
			rated(ghAcme, "f1", narrative, "senior", "unhelpful", 10),
			rated(ghGlobex, "f2", concise, "junior", "helpful", 5),
			rated(leverCo, "f3", confident, "senior", "unhelpful", 4),
		)
		changes := func(run *models.AggregatorRun) []models.AggregatorRunChange {
			var rows []models.AggregatorRunChange
			require.NoError(t, db.Where("run_id = ?", run.ID).Order("seq").Find(&rows).Error)
			return rows
		}

		first := h.run(30)
		var profiles []models.FormProfile
		require.NoError(t, db.Order("host, schema_hash").Find(&profiles).Error)
		want := 0
		for _, p := range profiles {
			for _, c := range p.StyleHint.V.BySegment {
				if c.PreferredStyleID != nil {
					want++
				}
			}
		}
		require.Positive(t, want)
		require.Equal(t, want, first.PicksChanged)
		rows := changes(first)
		require.Len(t, rows, want)
		for i, r := range rows {
			require.Equal(t, i+1, r.Seq)
			require.Nil(t, r.FromStyle)
			require.Equal(t, models.SourceNone, r.FromSource)
			require.NotNil(t, r.ToStyle)
			require.Equal(t, "no per-segment hint before", r.Reason)
		}

		second := h.run(30)
		require.Zero(t, second.PicksChanged)
		require.Empty(t, changes(second))

		// Sixty helpful runs of narrative and thirty unhelpful of concise for f1's senior jobs:
		// that pick flips, because of new evidence on the form.
		require.Equal(t, concise, preferred(h.hint(ghAcme, "f1").BySegment["senior"]))
		h.insert(rated(ghAcme, "f1", narrative, "senior", "helpful", 60), rated(ghAcme, "f1", concise, "senior", "unhelpful", 30))
		third := h.run(30)
		require.Equal(t, narrative, preferred(h.hint(ghAcme, "f1").BySegment["senior"]))
		rows = changes(third)
		require.Len(t, rows, third.PicksChanged)
		var found *models.AggregatorRunChange
		for i, r := range rows {
			if r.Host == ghAcme && r.SchemaHash == "f1" && r.SegmentKey == "senior" {
				found = &rows[i]
			}
		}
		require.NotNil(t, found, "f1 senior is among %+v", rows)
		require.Equal(t, concise, *found.FromStyle)
		require.Equal(t, narrative, *found.ToStyle)
		require.Equal(t, "new evidence on this form: 20 → 110 rated runs for the segment", found.Reason)
	})
}

// A run counts every changed pick but keeps the first learning.MaxPickChanges.
func TestRunKeepsAtMostMaxPickChanges(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := bayesHarness(t, db)
		const forms = 260 // × 4 segments > 1,000 picks, every one new
		for i := range forms {
			h.insert(rated(ghAcme, "form-"+string(rune('a'+i%26))+string(rune('a'+i/26)), concise, "senior", "helpful", 1))
		}
		run := h.run(30)
		require.Equal(t, forms*len(learning.Segments()), run.PicksChanged)
		var n int64
		require.NoError(t, db.Model(&models.AggregatorRunChange{}).Where("run_id = ?", run.ID).Count(&n).Error)
		require.Equal(t, int64(learning.MaxPickChanges), n)
	})
}
