package learning_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/seeds"
)

// TestAlreadyRunning: while another process runs the aggregator (it holds the lock and its
// run is recorded as running), Run and Start refuse with that run's id and write nothing.
func TestAlreadyRunning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		h := newHarness(t, db)
		h.insert(rated(ghAcme, "a", concise, "", learning.Helpful, 5))
		id, release, err := seeds.AggregatorElsewhere(ctx, db)
		require.NoError(t, err)

		_, err = h.r.Run(ctx, learning.RunParams{Days: 30})
		var busy *learning.AlreadyRunningError
		require.ErrorAs(t, err, &busy)
		require.Equal(t, id, busy.RunID)
		require.EqualError(t, err, "another run is in progress: "+id)
		_, err = h.r.Start(ctx, learning.RunParams{Days: 30, Trigger: learning.TriggerAdmin})
		require.ErrorAs(t, err, &busy)
		require.Equal(t, id, busy.RunID)
		require.Zero(t, storetest.Count(t, db, "form_profiles"))
		require.EqualValues(t, 1, storetest.Count(t, db, "aggregator_runs"), "no run recorded")

		require.NoError(t, release())
		h.run(30)
		require.EqualValues(t, 1, storetest.Count(t, db, "form_profiles"))
	})
}

// TestAbandonedRunDoesNotBlock: a run whose process died (its row still says running, its
// heartbeat is old, and nobody holds the lock) is marked failed by the next run.
func TestAbandonedRunDoesNotBlock(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		long := time.Now().UTC().Add(-time.Hour)
		dead := models.AggregatorRun{ID: "dead-run", Trigger: learning.TriggerSchedule, Days: 30, Status: learning.StatusRunning,
			SourceMix: models.NewJSON(map[string]int{}), StartedAt: long, HeartbeatAt: long}
		require.NoError(t, db.Create(&dead).Error)

		h.run(30)
		got, err := h.r.Get(context.Background(), "dead-run")
		require.NoError(t, err)
		require.Equal(t, learning.StatusError, got.Status)
		require.Contains(t, *got.Error, "abandoned")
		require.NotNil(t, got.FinishedAt)
	})
}

// TestCrashedRunIsDeadAtOnce: a run whose process died a moment ago (its row says running, its
// heartbeat is fresh, and nobody holds the lock, which the kernel or Postgres freed with the
// process) is known dead at once, on both databases: Get says so without waiting for a new run,
// a restarted process's FailAbandoned records it, and a new run starts with no 409.
func TestCrashedRunIsDeadAtOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		h := newHarness(t, db)
		now := time.Now().UTC()
		crashed := func(id string) {
			require.NoError(t, db.Create(&models.AggregatorRun{ID: id, Trigger: learning.TriggerCLI, Status: learning.StatusRunning,
				SourceMix: models.NewJSON(map[string]int{}), StartedAt: now, HeartbeatAt: now}).Error)
		}

		crashed("crashed-1")
		got, err := h.r.Get(ctx, "crashed-1")
		require.NoError(t, err)
		require.Equal(t, learning.StatusError, got.Status)
		require.Equal(t, learning.AbandonedRunError, *got.Error)
		require.NotNil(t, got.FinishedAt)

		crashed("crashed-2")
		require.NoError(t, h.r.FailAbandoned(ctx))
		status := func(id string) string {
			var stored models.AggregatorRun
			require.NoError(t, db.Where("id = ?", id).Take(&stored).Error)
			return stored.Status
		}
		require.Equal(t, learning.StatusError, status("crashed-2"))

		crashed("crashed-3")
		h.run(30)
		require.Equal(t, learning.StatusError, status("crashed-3"))

		// A live run elsewhere (it holds the lock) is left alone by both.
		id, release, err := seeds.AggregatorElsewhere(ctx, db)
		require.NoError(t, err)
		require.NoError(t, h.r.FailAbandoned(ctx))
		got, err = h.r.Get(ctx, id)
		require.NoError(t, err)
		require.Equal(t, learning.StatusRunning, got.Status)
		require.NoError(t, release())
	})
}

// TestSimultaneousStarts: runs requested at the same instant: each one either runs or is
// refused with the id of the run in progress, never with an empty one.
func TestSimultaneousStarts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		h := newHarness(t, db)
		h.insert(oneEventForms(300))
		for range 5 {
			const n = 6
			ids, busy := make([]string, n), make([]*learning.AlreadyRunningError, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				wg.Go(func() {
					<-start
					id, err := h.r.Start(ctx, learning.RunParams{Days: 30, Trigger: learning.TriggerAdmin})
					if err != nil {
						require.ErrorAs(t, err, &busy[i])
					}
					ids[i] = id
				})
			}
			close(start)
			wg.Wait()
			h.r.Wait()
			started := map[string]bool{}
			for _, id := range ids {
				if id != "" {
					started[id] = true
				}
			}
			require.NotEmpty(t, started)
			refused := 0
			for _, b := range busy {
				if b != nil {
					refused++
					require.NotEmpty(t, b.RunID, "a 409 names the running run")
					require.True(t, started[b.RunID], "%s is one of the runs that started", b.RunID)
				}
			}
			require.Equal(t, n, len(started)+refused)
		}
	})
}

// TestFailedRunLeavesHintsIntact: when a write fails, the transaction rolls back (every
// profile keeps its previous hint), and the run is recorded as failed with the reason.
func TestFailedRunLeavesHintsIntact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		h := newHarness(t, db)
		h.insert(rated(ghAcme, "a", concise, "", learning.Helpful, 5))
		first := h.run(30)
		before := h.profile(ghAcme, "a")

		// New data that changes the hint, a new form and the style weights; then the last
		// write of the run (the style weights, after every profile) fails.
		h.insert(rated(ghAcme, "a", narrative, "", learning.Helpful, 9), rated(noFamily, "new", concise, "", "", 1))
		restore := failStyleUpdates(t, db)

		run, err := h.r.Run(ctx, learning.RunParams{Days: 30})
		require.Error(t, err)
		require.ErrorContains(t, err, "injected failure")
		require.Equal(t, learning.StatusError, run.Status)
		require.Zero(t, run.ProfilesUpdated)

		after := h.profile(ghAcme, "a")
		require.Equal(t, first.ID, after.StyleHint.V.RunID)
		require.Equal(t, before, after)
		require.EqualValues(t, 1, storetest.Count(t, db, "form_profiles"), "the new form's profile was rolled back")

		stored, err := h.r.Get(ctx, run.ID)
		require.NoError(t, err)
		require.Equal(t, learning.StatusError, stored.Status)
		require.Contains(t, *stored.Error, "injected failure")
		require.NotNil(t, stored.FinishedAt)
		require.EqualValues(t, 1, metricValue(t, h.m.Registry, "applylens_autofill_agg_runs_total", map[string]string{"status": "error"}))

		restore()
		second := h.run(30)
		require.Equal(t, narrative, preferred(h.hint(ghAcme, "a").Choice))
		require.Equal(t, second.ID, h.hint(ghAcme, "a").RunID)
	})
}

// TestRunFailingPartWay: a run whose write fails part-way. On Postgres the one transaction rolls
// back. On SQLite, which commits a run's writes in pieces so that syncs interleave, the pieces
// before the failure stay written, each profile whole and naming the failed run, the others keep
// the previous run's hints; the run is recorded as failed, saying how many it wrote, with no
// changed picks; the next run writes the others (the ones the failed run wrote already hold the
// hints it would write: they stay as they are, naming the run that computed them).
func TestRunFailingPartWay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		h := newHarness(t, db)
		forms := oneEventForms(250) // three pieces on SQLite: f000–f099, f100–f199, f200–f249
		h.insert(forms)
		first := h.run(30)
		h.insert(forms) // every hint changes: twice the runs
		restore := failProfileUpdate(t, db, "f150")

		run, err := h.r.Run(ctx, learning.RunParams{Days: 30})
		require.ErrorContains(t, err, "injected failure")
		stored, err := h.r.Get(ctx, run.ID)
		require.NoError(t, err)
		require.Equal(t, learning.StatusError, stored.Status)
		require.Zero(t, stored.ProfilesUpdated)
		require.Zero(t, storetest.Count(t, db.Where("run_id = ?", run.ID), "aggregator_run_changes"))
		written := 0
		if db.Dialector.Name() == "sqlite" {
			written = 100
			require.Contains(t, *stored.Error, "wrote 100 before this failure, up to form 100 of 250")
		}
		require.Equal(t, written, stored.FormsDone)
		for i, f := range forms {
			hint := h.hint(f.Host, f.SchemaHash)
			want, runs := first.ID, 1
			if i < written {
				want, runs = run.ID, 2
			}
			require.Equal(t, want, hint.RunID, f.SchemaHash)
			require.Equal(t, runs, h.profile(f.Host, f.SchemaHash).EventCount, f.SchemaHash)
		}

		restore()
		next := h.run(30)
		for i, f := range forms {
			want := next.ID
			if i < written {
				want = run.ID
			}
			require.Equal(t, want, h.hint(f.Host, f.SchemaHash).RunID, f.SchemaHash)
			require.Equal(t, 2, h.profile(f.Host, f.SchemaHash).EventCount, f.SchemaHash)
		}
	})
}

// failProfileUpdate makes the UPDATE of the profile of schemaHash fail until restore is called.
func failProfileUpdate(t *testing.T, db *gorm.DB, schemaHash string) (restore func()) {
	t.Helper()
	if db.Dialector.Name() == "postgres" {
		require.NoError(t, db.Exec(`CREATE FUNCTION fail_profile() RETURNS trigger LANGUAGE plpgsql
			AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`).Error)
		require.NoError(t, db.Exec(`CREATE TRIGGER fail_profile BEFORE UPDATE ON form_profiles
			FOR EACH ROW WHEN (NEW.schema_hash = '`+schemaHash+`') EXECUTE FUNCTION fail_profile()`).Error)
		return func() { require.NoError(t, db.Exec("DROP TRIGGER fail_profile ON form_profiles").Error) }
	}
	require.NoError(t, db.Exec(`CREATE TRIGGER fail_profile BEFORE UPDATE ON form_profiles
		WHEN NEW.schema_hash = '`+schemaHash+`' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`).Error)
	return func() { require.NoError(t, db.Exec("DROP TRIGGER fail_profile").Error) }
}

// failStyleUpdates makes every UPDATE of gen_styles fail until restore is called.
func failStyleUpdates(t *testing.T, db *gorm.DB) (restore func()) {
	t.Helper()
	if db.Dialector.Name() == "postgres" {
		require.NoError(t, db.Exec(`CREATE FUNCTION fail_styles() RETURNS trigger LANGUAGE plpgsql
			AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`).Error)
		require.NoError(t, db.Exec(`CREATE TRIGGER fail_styles BEFORE UPDATE ON gen_styles
			FOR EACH ROW EXECUTE FUNCTION fail_styles()`).Error)
		return func() { require.NoError(t, db.Exec("DROP TRIGGER fail_styles ON gen_styles").Error) }
	}
	require.NoError(t, db.Exec(`CREATE TRIGGER fail_styles BEFORE UPDATE ON gen_styles
		BEGIN SELECT RAISE(ABORT, 'injected failure'); END`).Error)
	return func() { require.NoError(t, db.Exec("DROP TRIGGER fail_styles").Error) }
}

// TestStartGet: Start returns at once with the run's id; Get follows it to its end.
func TestStartGet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		h := newHarness(t, db)
		h.insert(oneEventForms(600)) // two write batches

		id, err := h.r.Start(ctx, learning.RunParams{Days: 7, Trigger: learning.TriggerAdmin})
		require.NoError(t, err)
		h.r.Wait()
		run, err := h.r.Get(ctx, id)
		require.NoError(t, err)
		require.Equal(t, learning.StatusOK, run.Status)
		require.Equal(t, learning.TriggerAdmin, run.Trigger)
		require.Equal(t, 7, run.Days)
		require.Equal(t, 600, run.FormsTotal)
		require.Equal(t, 600, run.FormsDone)
		require.Equal(t, 600, run.ProfilesUpdated)
		require.EqualValues(t, 600, run.EventsRead)
		require.Equal(t, map[string]int{"form": 0, "segment": 0, "family": 0, "global": 0, "none": 600}, run.SourceMix.V)
		require.NotNil(t, run.FinishedAt)
		require.NotNil(t, run.DurationMS)
		require.Nil(t, run.Error)

		_, err = h.r.Get(ctx, "no-such-run")
		require.ErrorIs(t, err, learning.ErrRunNotFound)

		_, err = h.r.Run(ctx, learning.RunParams{Days: -1})
		require.ErrorContains(t, err, "days")
		_, err = h.r.Run(ctx, learning.RunParams{Trigger: "cron"})
		require.ErrorContains(t, err, "trigger")
	})
}

// TestProgressWhileWriting holds a row lock on a profile of the second write batch, so that a
// run stops in the middle of its writes: its row shows it running, with the first batch done.
// Postgres only: SQLite has no row locks (and serialises writers as a whole).
func TestProgressWhileWriting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		if db.Dialector.Name() != "postgres" {
			t.Skip("needs a row lock (Postgres)")
		}
		ctx := context.Background()
		h := newHarness(t, db)
		h.insert(oneEventForms(600))
		h.run(30)
		h.insert(oneEventForms(600)) // a second event on every form: the run rewrites all 600

		blocker := db.Begin()
		require.NoError(t, blocker.Error)
		t.Cleanup(func() { blocker.Rollback() }) // a failure below must not leave the run blocked
		require.NoError(t, blocker.Exec("SELECT id FROM form_profiles WHERE schema_hash = 'f550' FOR UPDATE").Error)
		id, err := h.r.Start(ctx, learning.RunParams{Days: 30, Trigger: learning.TriggerAdmin})
		require.NoError(t, err)

		var stored models.AggregatorRun
		require.Eventually(t, func() bool {
			return db.Where("id = ?", id).Take(&stored).Error == nil && stored.FormsDone == 500
		}, 30*time.Second, 10*time.Millisecond, "the first batch is reported")
		require.Equal(t, learning.StatusRunning, stored.Status)
		require.Equal(t, 600, stored.FormsTotal)
		live, err := h.r.Get(ctx, id)
		require.NoError(t, err)
		require.Equal(t, learning.StatusRunning, live.Status)
		require.Equal(t, 500, live.FormsDone)

		require.NoError(t, blocker.Rollback().Error)
		h.r.Wait()
		done, err := h.r.Get(ctx, id)
		require.NoError(t, err)
		require.Equal(t, learning.StatusOK, done.Status)
		require.Equal(t, 600, done.FormsDone)
	})
}

// TestLockIsPerSchema: advisory locks belong to the whole database, so the key is derived from
// the schema; a run held in one schema does not block another schema's.
func TestLockIsPerSchema(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		if b.Name != "postgres" {
			t.Skip("SQLite databases are files: nothing is shared")
		}
		ctx := context.Background()
		other, here := b.New(t), b.New(t)
		_, release, err := seeds.AggregatorElsewhere(ctx, other)
		require.NoError(t, err)
		defer func() { require.NoError(t, release()) }()
		newHarness(t, here).run(30)
	})
}

// oneEventForms makes n forms (f000, f001, …) of one event each on a host in no family.
func oneEventForms(n int) []seeds.Ev {
	evs := make([]seeds.Ev, n)
	for i := range evs {
		evs[i] = seeds.Ev{Host: noFamily, SchemaHash: fmt.Sprintf("f%03d", i), Style: concise}
	}
	return evs
}
