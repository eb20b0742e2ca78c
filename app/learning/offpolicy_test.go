package learning_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/seeds"
)

// A synthetic log with a known answer: the clients served A with probability 0.8 (helpful
// half the time) and B with 0.2 (helpful 90%). Always-B is worth 0.9, a fair coin 0.7, the
// logging policy itself 0.58.
func TestEstimatePolicyKnownAnswer(t *testing.T) {
	log := []learning.LoggedRun{
		{StyleID: "A", Propensity: 0.8, Reward: 1, Count: 400},
		{StyleID: "A", Propensity: 0.8, Reward: 0, Count: 400},
		{StyleID: "B", Propensity: 0.2, Reward: 1, Count: 180},
		{StyleID: "B", Propensity: 0.2, Reward: 0, Count: 20},
		{StyleID: "B", Propensity: 0, Reward: 1, Count: 50}, // no propensity logged: left out
		// Logged at a chance too small to weigh: its weight of 1e300 made every estimate +Inf.
		{StyleID: "B", Propensity: 1e-300, Reward: 1, Count: 5},
	}
	always := learning.EstimatePolicy("always B", log, func(r learning.LoggedRun) float64 {
		if r.StyleID == "B" {
			return 1
		}
		return 0
	})
	require.Equal(t, int64(1000), always.Runs)
	require.InDelta(t, 0.9, always.IPS, 1e-12)
	require.InDelta(t, 0.9, always.SNIPS, 1e-12)
	require.InDelta(t, 200, always.ESS, 1e-9) // 1000² / (200 · 5²)
	require.InDelta(t, math.Sqrt((25*180.0/1000-0.81)/1000), always.IPSStdErr, 1e-12)

	coin := learning.EstimatePolicy("coin", log, func(learning.LoggedRun) float64 { return 0.5 })
	require.InDelta(t, 0.7, coin.IPS, 1e-12)
	require.InDelta(t, 0.7, coin.SNIPS, 1e-12)
	require.InDelta(t, 1e6/(800*0.625*0.625+200*2.5*2.5), coin.ESS, 1e-9)

	logging := learning.EstimatePolicy("logging", log, func(r learning.LoggedRun) float64 { return r.Propensity })
	require.InDelta(t, 0.58, logging.IPS, 1e-12)
	require.InDelta(t, 1000, logging.ESS, 1e-9)
	require.Equal(t, int64(55), learning.MissingPropensity(log))

	none := learning.EstimatePolicy("never", log, func(learning.LoggedRun) float64 { return 0 })
	require.Zero(t, none.IPS)
	require.True(t, math.IsNaN(none.SNIPS))
	require.Zero(t, none.ESS)
}

// Evaluate replays the demo's logged window: the logging policy's estimate is the helpful
// rate of its rated runs, counted here; runs without a propensity are left out and warned of.
func TestEvaluateReplaysTheWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		_, err := seeds.Seed(ctx, db, seeds.Options{Events: 3000, Days: 40, Users: 6, Seed: 5})
		require.NoError(t, err)
		th := models.Thresholds{Form: 5, Segment: 5, Family: 10}
		eval := func() *learning.Evaluation {
			ev, err := learning.Evaluate(ctx, db, learning.EvalParams{Days: 30, Thresholds: th, Floor: 0.02})
			require.NoError(t, err)
			return ev
		}
		ev := eval()
		var want struct{ N, Helpful int64 }
		require.NoError(t, db.Raw(`SELECT COUNT(*) AS n, COALESCE(SUM(CASE WHEN feedback_status = 'helpful' THEN 1 ELSE 0 END), 0) AS helpful
			FROM autofill_events WHERE created_at >= ? AND gen_style_id IS NOT NULL
			AND feedback_status IN ('helpful', 'unhelpful') AND propensity > 0 AND propensity <= 1`,
			ev.Since).Scan(&want).Error)
		require.Positive(t, want.N)
		require.Zero(t, ev.Missing)
		require.Equal(t, want.N, ev.Rated)
		require.Len(t, ev.Estimates, 4)
		logging := ev.Estimates[0]
		require.Equal(t, learning.ReplayLogging, logging.Policy)
		require.InDelta(t, float64(want.Helpful)/float64(want.N), logging.IPS, 1e-9)
		require.InDelta(t, float64(want.N), logging.ESS, 1e-6)
		for _, e := range ev.Estimates {
			require.Equal(t, want.N, e.Runs, e.Policy)
			require.Positive(t, e.ESS, e.Policy)
			require.GreaterOrEqual(t, e.SNIPS, 0.0, e.Policy)
			require.LessOrEqual(t, e.SNIPS, 1.0, e.Policy)
		}
		require.Equal(t, []string{learning.ReplayLogging, learning.ReplayThreshold, learning.ReplayBayes, learning.ReplayThompson},
			[]string{ev.Estimates[0].Policy, ev.Estimates[1].Policy, ev.Estimates[2].Policy, ev.Estimates[3].Policy})

		// All time (days 0) replays every rated run, those before the 30 days too.
		all, err := learning.Evaluate(ctx, db, learning.EvalParams{Days: 0, Thresholds: th, Floor: 0.02})
		require.NoError(t, err)
		var allRated int64
		require.NoError(t, db.Raw(`SELECT COUNT(*) FROM autofill_events WHERE gen_style_id IS NOT NULL
			AND feedback_status IN ('helpful', 'unhelpful') AND propensity > 0 AND propensity <= 1`).Scan(&allRated).Error)
		require.Greater(t, allRated, want.N)
		require.Equal(t, allRated, all.Rated)

		// Runs that lost their propensity: left out, counted and warned of.
		res := db.Exec(`UPDATE autofill_events SET propensity = NULL WHERE feedback_status = 'helpful' AND duration_ms % 4 = 0`)
		require.NoError(t, res.Error)
		ev = eval()
		require.Positive(t, ev.Missing)
		require.Equal(t, want.N, ev.Rated)
		require.Equal(t, want.N-ev.Missing, ev.Estimates[0].Runs)
		require.Contains(t, ev.Warnings[0], "have no usable logged propensity (0.0001 ≤ p ≤ 1)")
	})
}

// TestEvaluateDoesNotWaitForARun (Postgres): while an aggregator run holds the fold's lock (in
// shared mode, for as long as it reads: minutes on a big database), the replay does not wait
// to fold; it replays the rollups as they are and says so.
func TestEvaluateDoesNotWaitForARun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		if !store.IsPostgres(db) {
			t.Skip("SQLite's single writer serialises folds and runs by itself")
		}
		run := db.Begin()
		defer run.Rollback()
		require.NoError(t, store.AdvisoryXactLockShared(run, store.LockLearningRollup))

		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ev, err := learning.Evaluate(ctx, db, learning.EvalParams{Days: 30})
		require.NoError(t, err, "it did not wait for the run")
		require.Contains(t, ev.Warnings, "An aggregator run is in progress: this replay reads the rollups as of the last fold, "+
			"without the events and ratings that arrived since.")

		require.NoError(t, run.Rollback().Error)
		ev, err = learning.Evaluate(ctx, db, learning.EvalParams{Days: 30})
		require.NoError(t, err)
		require.NotContains(t, strings.Join(ev.Warnings, " "), "in progress", "with no run, it folds first")
	})
}
