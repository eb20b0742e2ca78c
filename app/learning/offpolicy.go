package learning

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store"
	"github.com/applylens/learning/migrations"
)

// Off-policy replay: how helpful would another policy's styles have been on the logged window?
// Each rated run i (reward rᵢ: helpful 1, unhelpful 0) ran the style sᵢ, which the logging
// policy served with its logged propensity pᵢ. A target policy π that would have served sᵢ in
// the same context with probability π(sᵢ) weighs the run by wᵢ = π(sᵢ)/pᵢ:
//
//	IPS   = Σ wᵢ rᵢ / n          (unbiased when every pᵢ is right and > 0 wherever π is)
//	SNIPS = Σ wᵢ rᵢ / Σ wᵢ       (self-normalised: a little bias, much less variance)
//	ESS   = (Σ wᵢ)² / Σ wᵢ²      (how many runs the estimate really rests on)
//
// Only rated runs count, so the estimates assume that whether a run is rated does not depend
// on its style. The target policies are fitted on the same window they are replayed on, as
// the aggregator would fit them: in-sample, so their estimates lean optimistic.

// Names of the replayed policies.
const (
	ReplayLogging   = "logging"   // what the clients did: every weight is 1
	ReplayThreshold = "threshold" // the original's rules' pick
	ReplayBayes     = "bayes"     // the best posterior mean
	ReplayThompson  = "thompson"  // Thompson sampling with the exploration floor
)

// MinTrustedESS is the effective sample size under which an estimate is flagged.
const MinTrustedESS = 100

// LoggedRun is a group of identical rated runs of the log: where they ran, the style served,
// its logged propensity (≤ 0 when none was logged) and their reward.
type LoggedRun struct {
	Host, SchemaHash, Family, Segment, StyleID string
	Propensity                                 float64
	Reward                                     float64
	Count                                      int64
}

// Estimate is one policy's estimated helpful rate on the log.
type Estimate struct {
	Policy    string
	Runs      int64   // rated runs with a usable propensity
	IPS       float64 // inverse propensity scoring
	IPSStdErr float64 // its standard error
	SNIPS     float64 // self-normalised IPS; NaN when no run has weight
	ESS       float64 // effective sample size
}

// MinPropensity is the least logged propensity that weighs a run: its inverse, the most one
// run can weigh in a replay (10,000 runs), stays finite, and so does the variance term 1/p² (a
// propensity of 1e-300 made every estimate +Inf and, squared, underflowed Postgres's
// arithmetic in the overview's rollup). It is also the resolution of a stored P(best) (4
// decimals), from which /profile's allocation is made: under the default exploration floor
// (EXPLORE_FLOOR, 2%) no style is served less often.
const MinPropensity = 1e-4

// UsablePropensity is the SQL condition of the events whose logged propensity can weigh them
// (usable, in SQL).
var UsablePropensity = fmt.Sprintf("propensity >= %g AND propensity <= 1", MinPropensity)

// usable reports whether a logged propensity can weigh a run: one in [MinPropensity, 1]. Ingest
// stores any in (0, 1] (a policy with a lower floor may serve a style that rarely); the others
// are left out of the estimates and the overview's allocation check, as if not logged.
func usable(p float64) bool { return p >= MinPropensity && p <= 1 }

// EstimatePolicy replays a target policy over the log: target returns the probability with
// which it would have served a run's logged style in that run's context. Runs without a usable
// propensity are skipped (count them with MissingPropensity).
func EstimatePolicy(name string, runs []LoggedRun, target func(LoggedRun) float64) Estimate {
	var n, sw, sw2, swr, swr2 float64
	for _, r := range runs {
		if !usable(r.Propensity) || r.Count <= 0 {
			continue
		}
		c, w := float64(r.Count), target(r)/r.Propensity
		n += c
		sw += c * w
		sw2 += c * w * w
		swr += c * w * r.Reward
		swr2 += c * (w * r.Reward) * (w * r.Reward)
	}
	e := Estimate{Policy: name, Runs: int64(n), SNIPS: math.NaN()}
	if n == 0 {
		return e
	}
	e.IPS = swr / n
	e.IPSStdErr = math.Sqrt(math.Max(swr2/n-e.IPS*e.IPS, 0) / n)
	if sw > 0 {
		e.SNIPS = swr / sw
		e.ESS = sw * sw / sw2
	}
	return e
}

// MissingPropensity counts the runs that no estimate can weigh.
func MissingPropensity(runs []LoggedRun) int64 {
	var n int64
	for _, r := range runs {
		if !usable(r.Propensity) {
			n += r.Count
		}
	}
	return n
}

// EvalParams are what a replay needs: the window, and the thresholds and exploration floor the
// target policies use (the configuration's).
type EvalParams struct {
	Days       int
	Thresholds models.Thresholds
	Floor      float64
	Now        time.Time
}

// Evaluation is the replay of one window.
type Evaluation struct {
	Days      int
	Since     time.Time // the window's start, zero for all time
	Rated     int64     // rated runs of a style in the window
	Missing   int64     // of those, without a usable propensity
	Estimates []Estimate
	Warnings  []string
}

// Evaluate replays the logging policy, the threshold rules, the bayes pick and Thompson sampling
// over the rated runs of the last p.Days days (0: all time), with the target policies fitted on
// the same window's evidence as the aggregator reads it. It writes nothing but what keeps the
// rollups current (FoldRollupsIfFree: while a run reads them, it replays them as they are, and
// says so in a warning, rather than wait for the run).
func Evaluate(ctx context.Context, db *gorm.DB, p EvalParams) (*Evaluation, error) {
	if err := config.CheckDays(p.Days); err != nil {
		return nil, fmt.Errorf("evaluate: days %w", err)
	}
	if p.Now.IsZero() {
		p.Now = time.Now().UTC()
	}
	s := settings{days: p.Days, now: func() time.Time { return p.Now }}
	ev := &Evaluation{Days: p.Days, Since: s.since()}
	if err := migrations.CheckBackfill(ctx, db); err != nil {
		return nil, err
	}
	_, folded, err := FoldRollupsIfFree(ctx, db)
	if err != nil {
		return nil, err
	}
	var runs []LoggedRun
	var styles map[string]float64
	w := newWindow()
	err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := w.readWindow(tx, dialect{store.DialectOf(db)}, s.since()); err != nil {
			return fmt.Errorf("read the window's events: %w", err)
		}
		var err error
		if styles, err = readStyles(tx); err != nil {
			return fmt.Errorf("read styles: %w", err)
		}
		runs, err = readLoggedRuns(tx, s.since())
		return err
	}, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	ids := slices.Sorted(maps.Keys(styles))
	bayes := Fit(w.ev, Params{Policy: models.PolicyBayes, Thresholds: p.Thresholds, Styles: ids})
	threshold := Fit(w.ev, Params{Policy: models.PolicyThreshold, Thresholds: p.Thresholds, Styles: ids})

	type ctxKey struct{ host, schemaHash, family, segment string }
	type targets struct {
		thr, best string
		alloc     map[string]float64
	}
	memo := map[ctxKey]targets{}
	at := func(r LoggedRun) targets {
		k := ctxKey{r.Host, r.SchemaHash, r.Family, r.Segment}
		t, ok := memo[k]
		if !ok {
			b := bayes.Choose(r.Host, r.SchemaHash, r.Family, r.Segment)
			t = targets{thr: deref(threshold.Choose(r.Host, r.SchemaHash, r.Family, r.Segment).PreferredStyleID),
				best: deref(b.PreferredStyleID), alloc: Allocation(b, p.Floor)}
			memo[k] = t
		}
		return t
	}
	// A deterministic policy with no pick for a context leaves it to what the clients do then.
	pick := func(style string, r LoggedRun) float64 {
		switch style {
		case "":
			return r.Propensity
		case r.StyleID:
			return 1
		}
		return 0
	}
	for _, r := range runs {
		ev.Rated += r.Count
	}
	ev.Missing = MissingPropensity(runs)
	ev.Estimates = []Estimate{
		EstimatePolicy(ReplayLogging, runs, func(r LoggedRun) float64 { return r.Propensity }),
		EstimatePolicy(ReplayThreshold, runs, func(r LoggedRun) float64 { return pick(at(r).thr, r) }),
		EstimatePolicy(ReplayBayes, runs, func(r LoggedRun) float64 { return pick(at(r).best, r) }),
		EstimatePolicy(ReplayThompson, runs, func(r LoggedRun) float64 {
			t := at(r)
			if len(t.alloc) == 0 {
				return r.Propensity
			}
			return t.alloc[r.StyleID]
		}),
	}
	ev.Warnings = evalWarnings(ev)
	if !folded {
		ev.Warnings = append(ev.Warnings, "An aggregator run is in progress: this replay reads the rollups as of the last fold, "+
			"without the events and ratings that arrived since.")
	}
	return ev, nil
}

// evalWarnings says what makes the estimates less than trustworthy.
func evalWarnings(ev *Evaluation) []string {
	var out []string
	switch {
	case ev.Rated == 0:
		return []string{"No rated run of a style in this window: nothing to replay."}
	case ev.Missing == ev.Rated:
		return []string{fmt.Sprintf("None of the %d rated runs has a usable logged propensity: no policy can be replayed.", ev.Rated)}
	case ev.Missing > 0:
		out = append(out, fmt.Sprintf("%d of %d rated runs have no usable logged propensity (%g ≤ p ≤ 1) and are left out: the estimates speak for the rest only.",
			ev.Missing, ev.Rated, MinPropensity))
	}
	for _, e := range ev.Estimates {
		if e.ESS < MinTrustedESS {
			out = append(out, fmt.Sprintf("%s: effective sample size %.0f is under %d: too few runs carry this estimate to trust it.",
				e.Policy, e.ESS, MinTrustedESS))
		}
	}
	return append(out, "The target policies are fitted on the window they are replayed on, so their estimates lean optimistic.")
}

// readLoggedRuns groups the window's rated runs of a style by context, style, propensity and
// rating.
func readLoggedRuns(tx *gorm.DB, since time.Time) ([]LoggedRun, error) {
	rows, err := tx.Raw(sqlLoggedRuns.For(tx), since).Rows()
	if err != nil {
		return nil, fmt.Errorf("read rated runs: %w", err)
	}
	defer rows.Close()
	var out []LoggedRun
	for rows.Next() {
		var r LoggedRun
		if err := rows.Scan(&r.Host, &r.SchemaHash, &r.Family, &r.Segment, &r.StyleID, &r.Propensity, &r.Reward, &r.Count); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
