package learning

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/migrations"
)

// Schedule runs the aggregator every cfg.AggregatorInterval (±10% jitter) over the last
// cfg.AggregatorDays days until ctx ends. It counts from the latest run recorded by any
// process, so a restart does not postpone the next run by a whole interval and replicas
// stagger themselves; a run another process holds is skipped. An interval of 0 returns at once.
func (r *Runner) Schedule(ctx context.Context) {
	interval := r.cfg.AggregatorInterval
	if interval <= 0 {
		return
	}
	r.log.Info("aggregator scheduled", "every", interval, "days", r.cfg.AggregatorDays)
	for {
		delay := nextDelay(r.now(), r.lastStart(ctx), interval, rand.Float64(), rand.Float64())
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		_, err := r.Run(ctx, RunParams{Days: r.cfg.AggregatorDays, Trigger: TriggerSchedule})
		var busy *AlreadyRunningError
		var adopting *migrations.BackfillPendingError
		switch {
		case errors.As(err, &busy), errors.As(err, &adopting):
			r.log.Info("scheduled aggregator run skipped", "reason", err.Error())
		case err != nil && ctx.Err() == nil:
			r.log.Error("scheduled aggregator run failed", "error", err)
		}
	}
}

// nextDelay is how long to wait before the next scheduled run: interval (jittered by ±10%
// with u1 in [0,1)) after the last run started; when that moment has passed (or there was no
// run), a short random delay (up to a tenth of the interval and at most a minute, by u2), so
// that processes started together do not all run at once.
func nextDelay(now, last time.Time, interval time.Duration, u1, u2 float64) time.Duration {
	jittered := time.Duration(float64(interval) * (0.9 + 0.2*u1))
	if !last.IsZero() {
		if d := last.Add(jittered).Sub(now); d > 0 {
			return d
		}
	}
	return time.Duration(float64(min(interval/10, time.Minute)) * u2)
}

// lastStart is when the latest real run started, in any process (zero when none).
func (r *Runner) lastStart(ctx context.Context) time.Time {
	var run models.AggregatorRun
	err := r.db.WithContext(ctx).Where("dry_run = ?", false).Order("started_at DESC").Limit(1).Take(&run).Error
	if err != nil {
		return time.Time{}
	}
	return run.StartedAt
}
