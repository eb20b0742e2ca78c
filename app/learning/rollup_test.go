package learning_test

import (
	"context"
	"encoding/json"
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

// profileSnapshot is every figure of every profile a run wrote, hints without their stamps.
type profileSnapshot struct {
	Host, SchemaHash string
	Family           string
	Fields           models.StringMap
	SuccessRate      *float64
	AvgEditChars     *float64
	AvgDurationMS    *int
	EventCount       int
	LastEventAt      string
	Hint             models.StyleHint
}

func snapshotProfiles(t *testing.T, db *gorm.DB) []profileSnapshot {
	t.Helper()
	var ps []models.FormProfile
	require.NoError(t, db.Order("host, schema_hash").Find(&ps).Error)
	out := make([]profileSnapshot, len(ps))
	for i, p := range ps {
		require.NotNil(t, p.StyleHint.V)
		h := *p.StyleHint.V
		h.ComputedAt, h.RunID = time.Time{}, ""
		last := ""
		if p.LastEventAt != nil {
			last = p.LastEventAt.UTC().Format(time.RFC3339Nano)
		}
		out[i] = profileSnapshot{p.Host, p.SchemaHash, p.HostFamily, p.Fields.V, p.SuccessRate, p.AvgEditChars,
			p.AvgDurationMS, p.EventCount, last, h}
	}
	return out
}

// rollupRows is the content of the rollup tables, in a fixed order.
type rollupRows struct {
	Cells   []map[string]any
	MapDays []map[string]any
	Maps    []struct {
		Host, SchemaHash string
		MapHash          int64
	}
}

func snapshotRollups(t *testing.T, db *gorm.DB) rollupRows {
	t.Helper()
	var r rollupRows
	require.NoError(t, db.Raw(`SELECT day, host, schema_hash, host_family, segment_key, discipline, gen_style_id, runs, ok_runs,
		helpful, unhelpful, edit_sum, edit_n, chars_sum, chars_n, dur_sum, dur_n, last_at FROM learning_cells
		ORDER BY day, host, schema_hash, host_family, segment_key, discipline, gen_style_id`).Scan(&r.Cells).Error)
	require.NoError(t, db.Raw(`SELECT day, host, schema_hash, map_hash, events FROM learning_map_days
		ORDER BY day, host, schema_hash, map_hash`).Scan(&r.MapDays).Error)
	// Maps of fingerprints no event has any more stay until a rebuild: compare the live ones.
	require.NoError(t, db.Raw(`SELECT DISTINCT m.host, m.schema_hash, m.map_hash FROM learning_maps m
		JOIN learning_map_days d ON d.host = m.host AND d.schema_hash = m.schema_hash AND d.map_hash = m.map_hash
		ORDER BY m.host, m.schema_hash, m.map_hash`).Scan(&r.Maps).Error)
	return r
}

// TestIncrementalEqualsFull: after new events, late ratings, a replayed batch, a deleted user,
// an event stored late with an old receipt time and rows written without the derived columns,
// the incremental fold recounts only the changed cells, and the run on it writes exactly the
// hints and figures that a rebuild from every event (aggregate --full) gives, under both
// policies, with the rollups equal row for row.
func TestIncrementalEqualsFull(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		_, err := seeds.Seed(ctx, db, seeds.Options{Events: 3000, Days: 40, Users: 6, Seed: 11})
		require.NoError(t, err)
		h := bayesHarness(t, db)
		h.run(30)
		fold, err := learning.FoldRollups(ctx, db, false)
		require.NoError(t, err)
		require.False(t, fold.Rebuilt)
		require.Zero(t, fold.Cells, "the run folded everything")
		var cells int
		require.NoError(t, db.Raw("SELECT COUNT(*) FROM (SELECT DISTINCT day, host, schema_hash FROM learning_cells) c").Scan(&cells).Error)

		// New events on a known form and a new one.
		var some models.AutofillEvent
		require.NoError(t, db.Order("created_at DESC").Take(&some).Error)
		batch := []models.AutofillEvent{
			{EventID: "0193a5b0-0000-7000-8000-0000000000e1", Host: some.Host, SchemaHash: some.SchemaHash, HostFamily: some.HostFamily, Status: "ok",
				GenStyleID: some.GenStyleID, FinalMap: models.NewJSON(models.StringMap{"#q": "email"}), SegmentKey: some.SegmentKey},
			{EventID: "0193a5b0-0000-7000-8000-0000000000e2", Host: "careers.newco.example", SchemaHash: "n1", Status: "ok", GenStyleID: some.GenStyleID,
				FinalMap: models.NewJSON(models.StringMap{"#q": "phone"})},
		}
		for i := range batch {
			learning.Derive(&batch[i])
		}
		_, err = learning.SaveEvents(ctx, db, some.UserID, batch, nil)
		require.NoError(t, err)
		// The same batch again (a client retry): stored once, nothing changes.
		_, err = learning.SaveEvents(ctx, db, some.UserID, batch, nil)
		require.NoError(t, err)
		// Late ratings of events from weeks ago.
		var old []models.AutofillEvent
		require.NoError(t, db.Where("feedback_status IS NULL AND gen_style_id IS NOT NULL AND created_at < ?",
			time.Now().UTC().AddDate(0, 0, -20)).Order("id").Limit(5).Find(&old).Error)
		require.Len(t, old, 5)
		for _, e := range old {
			require.NoError(t, learning.RateEvent(ctx, db, e.UserID, e.EventID, learning.Helpful, nil))
		}
		// A user removes all their events.
		var victim models.User
		require.NoError(t, db.Where("id <> ?", some.UserID).Order("id").Take(&victim).Error)
		n, err := learning.DeleteEvents(ctx, db, &victim, time.Now())
		require.NoError(t, err)
		require.Positive(t, n)
		// A bulk load with an old receipt time, and rows from a writer that predates the
		// derived columns (an older replica, the original service).
		h.insert(seeds.Ev{Host: some.Host, SchemaHash: some.SchemaHash, Style: concise, Feedback: learning.Unhelpful,
			FinalMap: map[string]string{"#late": "x"}, Added: seeds.Int(4), Age: 12 * 24 * time.Hour}.Times(3))
		require.NoError(t, db.Exec(`UPDATE autofill_events SET final_map_hash = NULL, edit_total = NULL
			WHERE id IN (SELECT id FROM autofill_events WHERE host = ? ORDER BY id LIMIT 7)`, some.Host).Error)
		// The original service stores no host family either: three of those rows, and two more.
		require.NoError(t, db.Exec(`UPDATE autofill_events SET host_family = NULL
			WHERE id IN (SELECT id FROM autofill_events WHERE host = ? ORDER BY id LIMIT 3)
			   OR id IN (SELECT id FROM autofill_events WHERE host = ? ORDER BY id DESC LIMIT 2)`, some.Host, some.Host).Error)

		fold, err = learning.FoldRollups(ctx, db, false)
		require.NoError(t, err)
		require.False(t, fold.Rebuilt)
		require.Positive(t, fold.Cells)
		require.Less(t, fold.Cells, cells/2, "only the changed cells (a sixth of the users left: about a third of them)")
		require.Equal(t, 9, fold.Derived, "the rows without derived columns or family, filled once")
		var missing int64
		require.NoError(t, db.Raw("SELECT COUNT(*) FROM autofill_events WHERE final_map_hash IS NULL OR host_family IS NULL").
			Scan(&missing).Error)
		require.Zero(t, missing)
		var families []string
		require.NoError(t, db.Raw("SELECT DISTINCT host_family FROM autofill_events WHERE host = ?", some.Host).Scan(&families).Error)
		require.Equal(t, []string{learning.Family(some.Host)}, families, "the family a writer stores")

		for _, policy := range []string{models.PolicyBayes, models.PolicyThreshold} {
			hp := policyHarness(t, db, policy)
			hp.run(30)
			incremental, incRollups := snapshotProfiles(t, db), snapshotRollups(t, db)
			_, err := hp.r.Run(ctx, learning.RunParams{Days: 30, Full: true})
			require.NoError(t, err)
			full, fullRollups := snapshotProfiles(t, db), snapshotRollups(t, db)
			require.Equal(t, fullRollups, incRollups, policy)
			require.Equal(t, full, incremental, policy)
		}

		// The new form is there, with its one event; the deleted user's events count nowhere.
		p := h.profile("careers.newco.example", "n1")
		require.Equal(t, 1, p.EventCount)
		var counted int64
		require.NoError(t, db.Raw("SELECT COALESCE(SUM(runs), 0) FROM learning_cells").Scan(&counted).Error)
		var events int64
		require.NoError(t, db.Model(&models.AutofillEvent{}).Count(&events).Error)
		require.Equal(t, events, counted)
	})
}

// TestFoldAddsNewEvents: new events, in cells that hold events already (a known form's today
// and a day three weeks ago) and in a new form's, are added to their cells: the fold recounts
// no cell, and the rollups (latest receipt times included) and every hint are a rebuild's.
func TestFoldAddsNewEvents(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		_, err := seeds.Seed(ctx, db, seeds.Options{Events: 2000, Days: 30, Users: 4, Seed: 7})
		require.NoError(t, err)
		h := bayesHarness(t, db)
		h.run(30)
		var some models.AutofillEvent
		require.NoError(t, db.Order("created_at DESC").Take(&some).Error)
		h.insert(
			seeds.Ev{Host: some.Host, SchemaHash: some.SchemaHash, Style: concise, Feedback: learning.Helpful,
				FinalMap: map[string]string{"#q": "x"}, Added: seeds.Int(3), Segment: "senior"}.Times(4),
			seeds.Ev{Host: some.Host, SchemaHash: some.SchemaHash, Style: narrative, Feedback: learning.Unhelpful,
				FinalMap: map[string]string{"#q": "y"}, Age: 20 * 24 * time.Hour}.Times(2),
			seeds.Ev{Host: "careers.fresh.example", SchemaHash: "n", Style: concise, FinalMap: map[string]string{"#q": "z"}}.Times(3),
		)
		fold, err := learning.FoldRollups(ctx, db, false)
		require.NoError(t, err)
		require.False(t, fold.Rebuilt)
		require.Zero(t, fold.Cells, "no cell recounted")
		require.Equal(t, 9, fold.Added)
		again, err := learning.FoldRollups(ctx, db, false)
		require.NoError(t, err)
		require.Zero(t, again.Added, "each new event is added once")
		// The same events again: now every cell and map day they land in holds them already.
		h.insert(
			seeds.Ev{Host: some.Host, SchemaHash: some.SchemaHash, Style: concise, Feedback: learning.Helpful,
				FinalMap: map[string]string{"#q": "x"}, Added: seeds.Int(5), Segment: "senior"}.Times(2),
			seeds.Ev{Host: "careers.fresh.example", SchemaHash: "n", Style: concise, FinalMap: map[string]string{"#q": "z"}}.Times(1),
		)
		again, err = learning.FoldRollups(ctx, db, false)
		require.NoError(t, err)
		require.Zero(t, again.Cells)
		require.Equal(t, 3, again.Added)

		h.run(30)
		incremental, incRollups := snapshotProfiles(t, db), snapshotRollups(t, db)
		_, err = h.r.Run(ctx, learning.RunParams{Days: 30, Full: true})
		require.NoError(t, err)
		require.Equal(t, snapshotRollups(t, db), incRollups)
		require.Equal(t, snapshotProfiles(t, db), incremental)
		require.Equal(t, 4, h.profile("careers.fresh.example", "n").EventCount)
	})
}

// TestFoldAfterAnOlderBuildRebuilds: a build older than learning_new (a rolling deploy) folds
// by recounting marked cells, which may hold events that learning_new still names; adding
// those would count them twice. Its fold refreshes the rollups' state but not addsState, and
// the next fold of this build then rebuilds, unless learning_new names no event.
func TestFoldAfterAnOlderBuildRebuilds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		h := bayesHarness(t, db)
		h.insert(rated(ghAcme, "w", concise, "senior", learning.Helpful, 2))
		h.run(30)
		older := func() { // what an older build's fold writes
			t.Helper()
			require.NoError(t, db.Exec("UPDATE report_state SET refreshed_at = ? WHERE name = 'learning'", time.Now().UTC().Add(time.Minute)).Error)
		}
		older()
		fold, err := learning.FoldRollups(ctx, db, false)
		require.NoError(t, err)
		require.False(t, fold.Rebuilt, "nothing new: nothing it could have counted twice")

		h.insert(rated(ghAcme, "w", concise, "senior", learning.Helpful, 3))
		older()
		fold, err = learning.FoldRollups(ctx, db, false)
		require.NoError(t, err)
		require.True(t, fold.Rebuilt)
		fold, err = learning.FoldRollups(ctx, db, false)
		require.NoError(t, err)
		require.False(t, fold.Rebuilt, "this build folded last")
		h.run(30)
		require.EqualValues(t, 5, h.hint(ghAcme, "w").StyleStats[concise].HelpfulRuns)
	})
}

// TestUpgradeFoldsWithoutRebuild: on a database whose rollups an older build kept, the step
// that adds learning_new records that no fold has run since, so the first fold after it adds
// the new events instead of rebuilding.
func TestUpgradeFoldsWithoutRebuild(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		h := bayesHarness(t, db)
		h.insert(rated(ghAcme, "w", concise, "senior", learning.Helpful, 2))
		h.run(30)
		// The database as an older build leaves it: rollups built, and inserts marking cells.
		require.NoError(t, migrations.DownTo(ctx, db, "202612062110_map_days_by_form"))
		h.insert(rated(ghAcme, "w", concise, "senior", learning.Helpful, 1))
		require.NoError(t, migrations.Up(ctx, db))
		h.insert(rated(ghAcme, "w", concise, "senior", learning.Helpful, 3))
		fold, err := learning.FoldRollups(ctx, db, false)
		require.NoError(t, err)
		require.False(t, fold.Rebuilt)
		require.Equal(t, 1, fold.Cells, "the cell the older build's insert marked")
		require.Zero(t, fold.Added, "today's three, in that cell: its recount holds them")
		h.run(30)
		require.EqualValues(t, 6, h.hint(ghAcme, "w").StyleStats[concise].HelpfulRuns)
	})
}

// TestFoldSeesEveryWriter: a rating written by plain SQL (another service, an operator) is
// folded like one written by this service: the triggers mark it, whoever writes.
func TestFoldSeesEveryWriter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := bayesHarness(t, db)
		h.insert(rated(ghAcme, "w", concise, "senior", "", 4))
		h.run(30)
		require.Zero(t, h.hint(ghAcme, "w").StyleStats[concise].HelpfulRuns)
		require.NoError(t, db.Exec("UPDATE autofill_events SET feedback_status = 'helpful' WHERE schema_hash = 'w'").Error)
		h.run(30)
		require.EqualValues(t, 4, h.hint(ghAcme, "w").StyleStats[concise].HelpfulRuns)
		require.NoError(t, db.Exec("DELETE FROM autofill_events WHERE schema_hash = 'w'").Error)
		h.run(30)
		require.Zero(t, h.profile(ghAcme, "w").EventCount)
	})
}

// TestDeriveInBatches: rows stored without their derived columns (a bulk import) are read and
// filled a batch at a time, in id order, however many there are; a row whose map is not a JSON
// object keeps no fingerprint and is read once, not in every batch.
func TestDeriveInBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		h := bayesHarness(t, db)
		h.run(30) // the rollups exist: the next fold is incremental
		n := 2*learning.DeriveBatch(db) + 3
		h.insert(seeds.Ev{Host: ghAcme, SchemaHash: "bulk", Style: concise, FinalMap: map[string]string{"#q": "x"}, Added: seeds.Int(2)}.Times(n))
		require.NoError(t, db.Exec("UPDATE autofill_events SET final_map_hash = NULL, edit_total = NULL, host_family = NULL").Error)
		require.NoError(t, db.Exec(`UPDATE autofill_events SET final_map = '[1]', host_family = ?
			WHERE id = (SELECT id FROM autofill_events ORDER BY id LIMIT 1)`, learning.Family(ghAcme)).Error)

		fold, err := learning.FoldRollups(ctx, db, false)
		require.NoError(t, err)
		require.Equal(t, n-1, fold.Derived, "every row filled once but the one with no object to fingerprint")
		var missing int64
		require.NoError(t, db.Raw("SELECT COUNT(*) FROM autofill_events WHERE final_map_hash IS NULL OR host_family IS NULL OR edit_total IS NULL").
			Scan(&missing).Error)
		require.EqualValues(t, 1, missing, "the row whose map is an array")
		var counted int64
		require.NoError(t, db.Raw("SELECT COALESCE(SUM(events), 0) FROM learning_map_days WHERE schema_hash = 'bulk'").Scan(&counted).Error)
		require.EqualValues(t, n-1, counted, "every fingerprinted row votes")
	})
}

// TestMapsAcrossPartitions (Postgres): the map stored for a fingerprint is one of its own
// events' maps, when forms' events lie in different month partitions whose rows have the same
// row addresses (a row address is unique only within its partition).
func TestMapsAcrossPartitions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		if !store.IsPostgres(db) {
			t.Skip("SQLite keeps one events table")
		}
		h := newHarness(t, db)
		h.insert( // now (the first partition) and a year ahead (the default partition)
			seeds.Ev{Host: noFamily, SchemaHash: "now", FinalMap: map[string]string{"#a": "x"}}.Times(2),
			seeds.Ev{Host: noFamily, SchemaHash: "ahead", FinalMap: map[string]string{"#b": "a longer value"}, Age: -365 * 24 * time.Hour}.Times(2),
		)
		var parts int64
		require.NoError(t, db.Raw("SELECT COUNT(DISTINCT tableoid) FROM autofill_events").Scan(&parts).Error)
		require.EqualValues(t, 2, parts, "the two forms' events lie in two partitions")
		h.run(60)
		require.Equal(t, models.StringMap{"#a": "x"}, h.profile(noFamily, "now").Fields.V)
		require.Equal(t, models.StringMap{"#b": "a longer value"}, h.profile(noFamily, "ahead").Fields.V)
		var maps []struct {
			SchemaHash string
			MapHash    int64
			FinalMap   string
		}
		require.NoError(t, db.Raw("SELECT schema_hash, map_hash, final_map::text AS final_map FROM learning_maps").Scan(&maps).Error)
		require.Len(t, maps, 2)
		for _, m := range maps {
			var fm models.StringMap
			require.NoError(t, json.Unmarshal([]byte(m.FinalMap), &fm))
			require.Equal(t, learning.FinalMapHash(fm), m.MapHash, "%s: the map stored is its own", m.SchemaHash)
		}
	})
}
