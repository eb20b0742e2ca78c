package learning

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/metrics"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store"
	"github.com/applylens/learning/migrations"
)

// Who started a run.
const (
	TriggerCLI      = "cli"
	TriggerSchedule = "schedule"
	TriggerAdmin    = "admin"
)

// States of a run.
const (
	StatusRunning = "running"
	StatusOK      = "ok"
	StatusError   = "error"
)

// RunParams are what one run is asked to do.
type RunParams struct {
	Days   int  // lookback window in days on server receipt time; 0 = all time
	DryRun bool // compute and count, write nothing (no profile, no style, no run row)
	// Full rebuilds the rollups from every event before the run (`aggregate --full`), instead
	// of folding only the cells that changed since the last fold.
	Full    bool
	Trigger string // TriggerCLI | TriggerSchedule | TriggerAdmin; "" means cli
}

// AlreadyRunningError is returned by Run and Start when a run is in progress, in this process
// or another one. RunID is that run's id.
type AlreadyRunningError struct{ RunID string }

func (e *AlreadyRunningError) Error() string {
	if e.RunID == "" {
		return "another run is in progress"
	}
	return "another run is in progress: " + e.RunID
}

// ErrRunNotFound is returned by Get for an unknown run id.
var ErrRunNotFound = errors.New("no such aggregator run")

// Runner runs the aggregator: one run at a time across every process sharing the database,
// each recorded as an aggregator_runs row with its progress, counts and outcome.
type Runner struct {
	db   *gorm.DB
	cfg  config.Config
	m    *metrics.Metrics
	log  *slog.Logger
	lock runLock
	now  func() time.Time

	// A run's heartbeat is written every heartbeatEvery (shown with its progress). Whether a
	// run is alive is the lock's to say, not the heartbeat's (see heldLock).
	heartbeatEvery time.Duration

	mu   sync.Mutex
	live map[string]models.AggregatorRun // this Runner's runs in progress, with fresh progress
	bg   sync.WaitGroup                  // runs started by Start
}

// NewRunner returns a Runner on db. Thresholds come from cfg; a nil m gets a private registry.
func NewRunner(db *gorm.DB, cfg config.Config, m *metrics.Metrics, log *slog.Logger) *Runner {
	if m == nil {
		m = metrics.New()
	}
	if log == nil {
		log = slog.Default()
	}
	return &Runner{
		db:             db,
		cfg:            cfg,
		m:              m,
		log:            log.With("component", "aggregator"),
		lock:           newRunLock(db),
		now:            func() time.Time { return time.Now().UTC() },
		heartbeatEvery: 20 * time.Second,
		live:           map[string]models.AggregatorRun{},
	}
}

// begunRun is a run that holds the lock (unless it is a dry run) and has its row.
type begunRun struct {
	run     models.AggregatorRun
	conn    *gorm.DB // where the run's transaction runs (the connection holding the lock)
	release func()
	full    bool // rebuild the rollups first
}

// Run runs the aggregator and returns the finished run. A run that fails is recorded with
// status error and returned along with its error; its writes are rolled back.
func (r *Runner) Run(ctx context.Context, p RunParams) (*models.AggregatorRun, error) {
	j, err := r.begin(ctx, p)
	if err != nil {
		return nil, err
	}
	return r.execute(ctx, j)
}

// Start begins a run in the background and returns its id once it holds the lock and its row
// exists. The run outlives ctx (an HTTP request); follow it with Get.
func (r *Runner) Start(ctx context.Context, p RunParams) (string, error) {
	j, err := r.begin(ctx, p)
	if err != nil {
		return "", err
	}
	r.bg.Add(1)
	go func() {
		defer r.bg.Done()
		_, _ = r.execute(context.WithoutCancel(ctx), j)
	}()
	return j.run.ID, nil
}

// Wait blocks until every run begun with Start has finished.
func (r *Runner) Wait() { r.bg.Wait() }

// Get returns a run by id. A run of this Runner that is in progress comes from memory, with
// its latest progress (SQLite cannot show it from the table while the run's transaction holds
// the only connection).
func (r *Runner) Get(ctx context.Context, id string) (*models.AggregatorRun, error) {
	r.mu.Lock()
	live, ok := r.live[id]
	r.mu.Unlock()
	if ok {
		return &live, nil
	}
	run, err := r.read(ctx, id)
	if err != nil || run.Status != StatusRunning {
		return run, err
	}
	// Running, but not here: alive in another process, or dead.
	if err := r.FailAbandoned(ctx); err != nil {
		return nil, err
	}
	return r.read(ctx, id)
}

func (r *Runner) read(ctx context.Context, id string) (*models.AggregatorRun, error) {
	var run models.AggregatorRun
	err := r.db.WithContext(ctx).Where("id = ?", id).Take(&run).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("%w: %s", ErrRunNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("read aggregator run: %w", err)
	}
	return &run, nil
}

func (p RunParams) validate() (RunParams, error) {
	if p.Trigger == "" {
		p.Trigger = TriggerCLI
	}
	switch p.Trigger {
	case TriggerCLI, TriggerSchedule, TriggerAdmin:
	default:
		return p, fmt.Errorf("aggregator: unknown trigger %q", p.Trigger)
	}
	if err := config.CheckDays(p.Days); err != nil {
		return p, fmt.Errorf("aggregator: days %w", err)
	}
	return p, nil
}

// begin takes the lock, marks dead runs as failed and records the new run. A dry run takes
// no lock and records nothing: it writes nothing, so there is nothing to serialise.
func (r *Runner) begin(ctx context.Context, p RunParams) (*begunRun, error) {
	p, err := p.validate()
	if err != nil {
		return nil, err
	}
	if err := migrations.CheckBackfill(ctx, r.db); err != nil {
		return nil, err // a row the backfill has not reached has no host family yet
	}
	now := r.now()
	run := models.AggregatorRun{
		ID:          uuid.Must(uuid.NewV7()).String(),
		Trigger:     p.Trigger,
		Days:        p.Days,
		DryRun:      p.DryRun,
		Status:      StatusRunning,
		SourceMix:   models.NewJSON(map[string]int{}),
		StartedAt:   now,
		HeartbeatAt: now,
	}
	if p.DryRun {
		return &begunRun{run: run, conn: r.db, release: func() {}, full: p.Full}, nil
	}
	held, err := r.acquire(ctx, run.ID)
	if err != nil {
		return nil, err
	}
	if err := r.reap(ctx, now); err != nil {
		held.release()
		return nil, err
	}
	if err := r.db.WithContext(ctx).Create(&run).Error; err != nil {
		held.release()
		return nil, fmt.Errorf("record aggregator run: %w", err)
	}
	r.setLive(run)
	conn := held.conn
	if conn == nil {
		conn = r.db
	}
	return &begunRun{run: run, conn: conn, release: held.release, full: p.Full}, nil
}

// acquire takes the lock for runID, or says which run holds it. A run takes the lock an instant
// before it records its row: a loser that finds no running row in that instant looks again
// (or takes the lock, when the winner has finished meanwhile), so that the id it reports is
// the running one's, never empty.
func (r *Runner) acquire(ctx context.Context, runID string) (*heldLock, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		held, holder, err := r.lock.tryAcquire(ctx, runID)
		if err != nil {
			return nil, fmt.Errorf("aggregator lock: %w", err)
		}
		if held != nil {
			return held, nil
		}
		if holder == "" {
			holder = r.runningID(ctx)
		}
		if holder != "" || time.Now().After(deadline) {
			return nil, &AlreadyRunningError{RunID: holder}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// reap fails the running rows of dead runs. It is called with the lock held, which proves
// that no other run is alive (see heldLock): every running row is a dead run's.
func (r *Runner) reap(ctx context.Context, now time.Time) error {
	res := r.db.WithContext(ctx).Model(&models.AggregatorRun{}).Where("status = ?", StatusRunning).Updates(map[string]any{
		"status":      StatusError,
		"error":       AbandonedRunError,
		"finished_at": now,
	})
	if res.Error != nil {
		return fmt.Errorf("fail abandoned aggregator runs: %w", res.Error)
	}
	if res.RowsAffected > 0 {
		r.log.Warn("marked abandoned aggregator runs as failed", "runs", res.RowsAffected)
	}
	return nil
}

// AbandonedRunError is the error recorded for a run whose process died before it finished.
const AbandonedRunError = "abandoned: the process running it stopped before it finished"

// FailAbandoned records the runs whose process died (a crash, kill -9, a lost host) as failed,
// at once: when the lock is free, no run is alive, so a row still marked running is dead. A
// run in progress elsewhere holds the lock, and its row is left alone. serve calls it at start,
// and Get before it shows a running row that is not this Runner's.
func (r *Runner) FailAbandoned(ctx context.Context) error {
	held, _, err := r.lock.tryAcquire(ctx, "")
	if err != nil || held == nil {
		return err
	}
	defer held.release()
	return r.reap(ctx, r.now())
}

// runningID names the run in progress, for AlreadyRunningError.
func (r *Runner) runningID(ctx context.Context) string {
	var ids []string
	_ = r.db.WithContext(ctx).Model(&models.AggregatorRun{}).Where("status = ?", StatusRunning).
		Order("started_at DESC").Limit(1).Pluck("id", &ids).Error
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

// execute runs a begun run, records its outcome and releases the lock.
func (r *Runner) execute(ctx context.Context, j *begunRun) (*models.AggregatorRun, error) {
	defer j.release()
	run := &j.run
	start := time.Now()
	stopBeat := r.heartbeat(ctx, run)
	set := r.settings(*run)
	set.full = j.full
	res, err := aggregate(ctx, j.conn, set, func(total, done int) { r.progress(run, total, done) })
	stopBeat()

	finished := r.now()
	dur := time.Since(start)
	run.FinishedAt = &finished
	ms := dur.Milliseconds()
	run.DurationMS = &ms
	if res != nil {
		run.EventsRead = res.eventsRead
		run.FormsTotal = res.forms
	}
	if err == nil {
		run.Status = StatusOK
		run.FormsDone = run.FormsTotal
		run.ProfilesUpdated = res.forms
		run.HintsChanged = res.hintsChanged
		run.PicksChanged = res.picks.total
		run.SourceMix = models.NewJSON(res.mix)
	} else {
		// Nothing was written (the transaction rolled back): no counts of changes, no mix.
		run.Status = StatusError
		msg := err.Error()
		run.Error = &msg
	}
	if !run.DryRun {
		// Record the outcome even when ctx has ended, so that the row never stays running.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		if uerr := r.db.WithContext(rctx).Select("*").Omit("id", "triggered_by", "days", "dry_run", "started_at").
			Updates(run).Error; uerr != nil {
			r.log.Error("record aggregator outcome", "run_id", run.ID, "error", uerr)
		}
		cancel()
		r.observe(run, res, dur)
	}
	r.clearLive(run.ID)

	if err != nil {
		r.log.Error("aggregator run failed", "run_id", run.ID, "trigger", run.Trigger, "days", run.Days,
			"dry_run", run.DryRun, "duration", dur, "error", err)
		return run, err
	}
	r.log.Info("aggregator run finished", "run_id", run.ID, "trigger", run.Trigger, "days", run.Days,
		"dry_run", run.DryRun, "events", run.EventsRead, "profiles", run.ProfilesUpdated, "profiles_written", res.written,
		"hints_changed", run.HintsChanged, "mix", run.SourceMix.V, "duration", dur,
		"fold_rebuilt", res.fold.Rebuilt, "fold_cells", res.fold.Cells, "fold_added", res.fold.Added, "fold_derived", res.fold.Derived, "fold_duration", res.fold.Took)
	return run, nil
}

func (r *Runner) settings(run models.AggregatorRun) settings {
	return settings{
		days:   run.Days,
		dryRun: run.DryRun,
		runID:  run.ID,
		now:    r.now,
		thresholds: models.Thresholds{
			Form:    r.cfg.MinFormRuns,
			Segment: r.cfg.MinSegmentRuns,
			Family:  r.cfg.MinFamilyRuns,
		},
		policy:     r.cfg.LearningPolicy,
		chunkForms: r.cfg.AggregatorChunk,
		postgres:   store.IsPostgres(r.db),
	}
}

// progress records how many profiles are written. On Postgres the row is updated at once
// through another connection of the pool; on SQLite the run's transaction holds the only
// connection, so progress lives in memory (Get reads it from there) until the run ends.
func (r *Runner) progress(run *models.AggregatorRun, total, done int) {
	run.FormsTotal, run.FormsDone = total, done
	run.HeartbeatAt = r.now()
	if run.DryRun {
		return
	}
	r.setLive(*run)
	if store.IsPostgres(r.db) {
		err := r.db.Model(&models.AggregatorRun{}).Where("id = ?", run.ID).
			Updates(map[string]any{"forms_total": total, "forms_done": done, "heartbeat_at": run.HeartbeatAt}).Error
		if err != nil {
			r.log.Warn("record aggregator progress", "run_id", run.ID, "error", err)
		}
	}
}

// heartbeat refreshes the run's heartbeat until the returned stop is called.
func (r *Runner) heartbeat(ctx context.Context, run *models.AggregatorRun) (stop func()) {
	if run.DryRun {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	id := run.ID
	go func() {
		defer close(done)
		t := time.NewTicker(r.heartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				// Not the outer tx: another connection (or, on SQLite, a wait for the only one).
				_ = r.db.WithContext(ctx).Model(&models.AggregatorRun{}).
					Where("id = ? AND status = ?", id, StatusRunning).Update("heartbeat_at", r.now()).Error
			}
		}
	}()
	return func() { cancel(); <-done }
}

func (r *Runner) setLive(run models.AggregatorRun) {
	r.mu.Lock()
	r.live[run.ID] = run
	r.mu.Unlock()
}

func (r *Runner) clearLive(id string) {
	r.mu.Lock()
	delete(r.live, id)
	r.mu.Unlock()
}

// observe updates the metrics once a run's outcome is committed.
func (r *Runner) observe(run *models.AggregatorRun, res *result, dur time.Duration) {
	r.m.AggRuns.WithLabelValues(run.Status).Inc()
	if run.Status != StatusOK || res == nil {
		return
	}
	r.m.ProfilesUpdated.Add(float64(run.ProfilesUpdated))
	for c, n := range res.choices {
		r.m.StyleChoice.WithLabelValues(c.source, FamilyLabel(c.family), c.segment).Add(float64(n))
	}
	for _, src := range Sources() {
		r.m.HintsBySource.WithLabelValues(src).Set(float64(res.mix[src]))
	}
	r.m.AggLastRun.Set(float64(run.FinishedAt.UnixNano()) / 1e9)
	r.m.AggLastDuration.Set(dur.Seconds())
}

// KnownSource is src when it is one of Sources, else none: a source an older or newer build
// wrote counts as none.
func KnownSource(src string) string {
	if slices.Contains(Sources(), src) {
		return src
	}
	return models.SourceNone
}

// Sources lists the sources of a style hint, from the most specific level to none.
func Sources() []string {
	return []string{models.SourceForm, models.SourceSegment, models.SourceFamily, models.SourceGlobal, models.SourceNone}
}
