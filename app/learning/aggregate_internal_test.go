package learning

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/plugin/dbresolver"

	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store"
	"github.com/applylens/learning/app/store/storetest"
)

func TestPriorWeightBounds(t *testing.T) {
	require.Equal(t, 1.0, priorWeight(styleAcc{}))
	require.Equal(t, 2.0, priorWeight(styleAcc{runs: 1e9, helpful: 1e9}))
	require.Equal(t, 0.0001, priorWeight(styleAcc{runs: 1e9, unhelpful: 1e9}), "never 0: every style keeps a chance")
	require.Equal(t, 0.4, priorWeight(styleAcc{runs: 3, unhelpful: 3}))
}

func TestCmpRatioExact(t *testing.T) {
	require.Equal(t, 0, cmpRatio(1, 3, 2, 6))
	require.Equal(t, 1, cmpRatio(8, 9, 7, 8))
	big := int64(1) << 40
	require.Equal(t, -1, cmpRatio(big-1, big, big, big+1), "exact beyond float64 and int64 products")
	require.Equal(t, 0, cmpRatio(big, 2*big, 1, 2))
}

// TestSQLitePlansWithoutTheWriter: on SQLite a run reads its window and plans its picks on the
// reader pool, so it gets through planning while a sync holds the only writer.
func TestSQLitePlansWithoutTheWriter(t *testing.T) {
	db := storetest.Backend{Name: "sqlite"}.New(t)
	require.NoError(t, db.Exec(`INSERT INTO form_profiles (id, host, schema_hash, fields, event_count, created_at, updated_at)
		VALUES ('0190a000-0000-7000-8000-000000000001', 'jobs.lever.co', 'f', '{}', 0, ?, ?)`, time.Now(), time.Now()).Error)
	writer := db.Begin() // a sync in the middle of its transaction
	require.NoError(t, writer.Error)
	require.NoError(t, writer.Exec("UPDATE gen_styles SET updated_at = updated_at").Error)
	defer writer.Rollback()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s := settings{days: 30, now: time.Now, policy: models.PolicyBayes, runID: "r"}
	var planned []profileRow
	err := db.WithContext(ctx).Clauses(dbresolver.Read).Transaction(func(rtx *gorm.DB) error {
		p, err := planRun(rtx, dialect{store.Dialect{}}, s)
		if err != nil {
			return err
		}
		return p.eachChunk(rtx, func(rows []profileRow) error { planned = append(planned, rows...); return nil }, func(int, int) {})
	}, &sql.TxOptions{ReadOnly: true})
	require.NoError(t, err, "planning needs no writer")
	require.Len(t, planned, 1, "the stored profile was read and planned")
	require.Equal(t, "jobs.lever.co", planned[0].key.host)
}

// TestChunksReadVotesOverTheRunsWindow: every chunk reads its map votes over the days the run
// read its statistics over, even when the run crosses midnight UTC (the window is computed once:
// read again, the later chunks would lose a day of votes while keeping it in their figures).
// Here the clock moves a day after planning begins.
func TestChunksReadVotesOverTheRunsWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		start := time.Now().UTC()
		require.NoError(t, db.Create(&models.User{ID: "u-hrev", Email: "hrev@example.test"}).Error)
		s := settings{days: 30, policy: models.PolicyBayes, runID: "r", chunkForms: 1}
		since := settings{days: 30, now: func() time.Time { return start }}.since()
		_, err := SaveEvents(ctx, db, "u-hrev", []models.AutofillEvent{{Host: "jobs.lever.co", SchemaHash: "midnight", Status: "ok",
			FinalMap: models.NewJSON(models.StringMap{"#email": "email"}), CreatedAt: since.Add(time.Hour)}}, nil)
		require.NoError(t, err)
		_, err = FoldRollups(ctx, db, false)
		require.NoError(t, err)

		calls := 0
		s.now = func() time.Time { // the run's first two readings of the clock, then the next day
			calls++
			if calls <= 2 {
				return start
			}
			return start.Add(24 * time.Hour)
		}
		d := dialect{store.DialectOf(db)}
		var planned []profileRow
		err = db.Transaction(func(tx *gorm.DB) error {
			p, err := planRun(tx, d, s)
			if err != nil {
				return err
			}
			return p.eachChunk(tx, func(rows []profileRow) error { planned = append(planned, rows...); return nil }, func(int, int) {})
		})
		require.NoError(t, err)
		require.Len(t, planned, 1)
		require.EqualValues(t, 1, planned[0].eventCount, "the statistics count the event")
		require.Equal(t, models.StringMap{"#email": "email"}, planned[0].fields, "and its map votes")
	})
}

// TestEncodeHint: a hint's stored JSON is exactly what encoding/json writes for it, and is not
// made when keep refuses the digest; the digest ignores the stamps (computed_at, run_id) and
// nothing else.
func TestEncodeHint(t *testing.T) {
	style := "concise"
	h := &models.StyleHint{
		Choice:     models.Choice{PreferredStyleID: &style, Source: models.SourceForm},
		StyleStats: map[string]models.StyleStats{style: {StyleID: style, TotalRuns: 3, HelpfulRuns: 2, RatedRuns: 2}},
		BySegment: models.SegmentChoices{"senior": {PreferredStyleID: &style, Source: models.SourceSegment,
			Candidates: []models.StyleStats{{StyleID: style, RatedRuns: 4, IsWinner: true}, {StyleID: "narrative"}}}},
		Policy:     models.PolicyBayes,
		Kappas:     &models.Kappas{},
		WindowDays: 30,
		ComputedAt: time.Date(2026, 12, 6, 22, 10, 0, 123456789, time.UTC),
		RunID:      "0193a1b2-0000-7000-8000-000000000001",
	}
	always := func(string) bool { return true }
	stored, digest, err := encodeHint(h, always)
	require.NoError(t, err)
	want, err := json.Marshal(h)
	require.NoError(t, err)
	require.Equal(t, string(want), string(stored))

	restamped := *h
	restamped.ComputedAt, restamped.RunID = time.Now(), "another run"
	kept, same, err := encodeHint(&restamped, func(d string) bool { return d != digest })
	require.NoError(t, err)
	require.Equal(t, digest, same)
	require.Nil(t, kept, "the bytes of a hint that keep refuses are not kept")
	require.True(t, strings.HasPrefix(digest, hintFormat), digest)

	moved := *h
	moved.StyleStats = map[string]models.StyleStats{style: {StyleID: style, TotalRuns: 4, HelpfulRuns: 2, RatedRuns: 2}}
	_, other, err := encodeHint(&moved, always)
	require.NoError(t, err)
	require.NotEqual(t, digest, other)
}

// TestRunReadsOneStateOfTheRollups (Postgres): a fold that another process starts while a run
// plans (a dry run's, Evaluate's) waits for the run, so every chunk reads the map votes of the
// events the run's statistics count. Folded in between, a later chunk voted with events its
// figures did not count: here b's map would come from two events that its event_count leaves
// out. (SQLite plans from one snapshot: runOnReaders.)
func TestRunReadsOneStateOfTheRollups(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		if !store.IsPostgres(db) {
			t.Skip("a run on SQLite reads one snapshot")
		}
		ctx := context.Background()
		require.NoError(t, db.Create(&models.User{ID: "u-state", Email: "state@example.test"}).Error)
		save := func(form, field string, n int) {
			for range n {
				_, err := SaveEvents(ctx, db, "u-state", []models.AutofillEvent{{Host: "jobs.lever.co", SchemaHash: form, Status: "ok",
					FinalMap: models.NewJSON(models.StringMap{"#email": field})}}, nil)
				require.NoError(t, err)
			}
		}
		save("a", "email", 1)
		save("b", "email", 1)

		folded := make(chan error, 1)
		fired := false
		progress := func(total, done int) {
			if done != 1 || fired { // reported after the chunk's write and after its planning
				return
			}
			fired = true
			// Between the chunks of a and b: b's map changes, and another process folds.
			save("b", "work_email", 2)
			go func() { _, err := FoldRollups(ctx, db, false); folded <- err }()
			select {
			case err := <-folded: // without the lock, the fold is through long before this
				folded <- err
			case <-time.After(500 * time.Millisecond):
			}
		}
		s := settings{days: 30, now: time.Now, policy: models.PolicyBayes, runID: "r", chunkForms: 1, postgres: true}
		_, err := aggregate(ctx, db, s, progress)
		require.NoError(t, err)
		require.NoError(t, <-folded)

		var b models.FormProfile
		require.NoError(t, db.Where("schema_hash = ?", "b").First(&b).Error)
		require.EqualValues(t, 1, b.EventCount, "the run's statistics: the events folded before it")
		require.Equal(t, models.StringMap{"#email": "email"}, b.Fields.V, "and the votes of those events")
	})
}
