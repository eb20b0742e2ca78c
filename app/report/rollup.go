package report

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/store"
)

// The rollup: report_daily_events (counts by UTC day, segment, policy, style, rating and discipline),
// report_weekly_events (the same summed by week: see weekStart) and report_day_totals (each day's
// events), report_users and report_forms (last activity) and report_state (how far it covers).
//
// Refresh recomputes, set-based, only the days whose events were created or rated since the
// previous pass (minus Skew, which covers transactions that committed late and clocks that
// differ between servers), then the weeks that hold them and their days' totals, and moves the
// last-activity marks forward; when the rollup's total
// then differs from the events table's (events loaded with an old created_at, or deleted), it
// rebuilds. Rebuild recomputes everything; the refresher also runs it on its first pass and
// once a day.
const (
	stateName = "events"
	// Skew is how far back each refresh looks before the previous one's start.
	Skew = 5 * time.Minute
	// RefreshEvery is how often the background refresher runs.
	RefreshEvery = 2 * time.Minute
	// RebuildEvery is how often it rebuilds the rollup from scratch.
	RebuildEvery = 24 * time.Hour
	// WarmEvery is how often the refresher checks whether the profiles changed (an aggregator
	// run ended) and, if so, recomputes the overview's profile mix before a page needs it.
	WarmEvery = 15 * time.Second
)

// State is how current the rollup is.
type State struct {
	RefreshedAt  time.Time // when the last refresh (or rebuild) started: the data is as of then
	CoveredUntil time.Time
	RebuiltAt    time.Time
}

// RefreshResult says what a refresh did.
type RefreshResult struct {
	Rebuilt bool
	Days    []string // the days recomputed (empty on a rebuild)
	Took    time.Duration
}

// ReadState returns the rollup's state, or nil when it was never built.
func ReadState(ctx context.Context, db *gorm.DB) (*State, error) {
	var row struct {
		RefreshedAt  store.NullTime
		CoveredUntil store.NullTime
		RebuiltAt    store.NullTime
	}
	err := db.WithContext(ctx).Raw(`SELECT refreshed_at, covered_until, rebuilt_at FROM report_state WHERE name = ?`, stateName).
		Row().Scan(&row.RefreshedAt, &row.CoveredUntil, &row.RebuiltAt)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, fmt.Errorf("read rollup state: %w", err)
	}
	return &State{RefreshedAt: row.RefreshedAt.Time, CoveredUntil: row.CoveredUntil.Time, RebuiltAt: row.RebuiltAt.Time}, nil
}

// Refresh brings the rollup up to date: a full rebuild when it was never built, else the
// recomputation of the days that changed since the last pass.
func Refresh(ctx context.Context, db *gorm.DB) (RefreshResult, error) {
	return refresh(ctx, db, false)
}

// Rebuild recomputes the whole rollup from the events table.
func Rebuild(ctx context.Context, db *gorm.DB) (RefreshResult, error) {
	return refresh(ctx, db, true)
}

func refresh(ctx context.Context, db *gorm.DB, full bool) (RefreshResult, error) {
	start := time.Now().UTC()
	var res RefreshResult
	d := store.DialectOf(db)
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := store.AdvisoryXactLock(tx, store.LockRollup); err != nil {
			return err
		}
		st, err := ReadState(ctx, tx)
		if err != nil {
			return err
		}
		horizon, err := readHorizon(tx)
		if err != nil {
			return err
		}
		rebuiltAt := start
		if st == nil || full {
			res.Rebuilt = true
			if err := rebuildAll(tx, d, horizon); err != nil {
				return err
			}
		} else {
			rebuiltAt = st.RebuiltAt
			if res.Days, err = refreshSince(tx, d, st.CoveredUntil.Add(-Skew)); err != nil {
				return err
			}
			// Events stored with an older created_at (a bulk load, a seed) or deleted (a user
			// removed) escape the days above: the totals then differ, and only a rebuild is right.
			// Days before the retention horizon have no events any more: their counts are kept.
			var drift int64
			if err := tx.Raw(`SELECT (SELECT COUNT(*) FROM autofill_events WHERE created_at >= ?) -
				(SELECT COALESCE(SUM(events), 0) FROM report_day_totals WHERE day >= ?)`,
				horizon, horizonDay(horizon)).Scan(&drift).Error; err != nil {
				return fmt.Errorf("compare rollup totals: %w", err)
			}
			if drift != 0 {
				res.Rebuilt, res.Days, rebuiltAt = true, nil, start
				if err := rebuildAll(tx, d, horizon); err != nil {
					return err
				}
			}
		}
		return tx.Exec(upsertState, stateName, start, start, rebuiltAt).Error
	})
	res.Took = time.Since(start)
	if err != nil {
		return res, fmt.Errorf("refresh rollup: %w", err)
	}
	return res, nil
}

const upsertState = `INSERT INTO report_state (name, refreshed_at, covered_until, rebuilt_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET refreshed_at = excluded.refreshed_at,
			covered_until = excluded.covered_until, rebuilt_at = excluded.rebuilt_at`

// insertDaily aggregates the events that match where (a condition on created_at) into
// report_daily_events.
func insertDaily(d store.Dialect, where string) string {
	return `INSERT INTO report_daily_events (day, segment_key, policy, gen_style_id, feedback_status, discipline, events, ok_events,
			propensity_events, inv_propensity, inv_propensity_var)
		SELECT ` + d.Day("created_at") + `, COALESCE(segment_key, ''), COALESCE(policy, ''), COALESCE(gen_style_id, ''),
			COALESCE(feedback_status, ''), COALESCE(discipline, ''), COUNT(*), SUM(CASE WHEN status = 'ok' THEN 1 ELSE 0 END),
			SUM(CASE WHEN ` + learning.UsablePropensity + ` THEN 1 ELSE 0 END),
			SUM(CASE WHEN ` + learning.UsablePropensity + ` THEN 1.0 / propensity ELSE 0 END),
			SUM(CASE WHEN ` + learning.UsablePropensity + ` THEN (1.0 - propensity) / (propensity * propensity) ELSE 0 END)
		FROM autofill_events WHERE ` + where + `
		GROUP BY 1, 2, 3, 4, 5, 6`
}

// upsertLast moves the last-activity marks forward from the events that match where.
func upsertLast(d store.Dialect, table, keys, where string) string {
	return `INSERT INTO ` + table + ` (` + keys + `, last_event_at)
		SELECT ` + keys + `, MAX(created_at) FROM autofill_events WHERE ` + where + ` GROUP BY ` + keys + `
		ON CONFLICT (` + keys + `) DO UPDATE SET last_event_at = CASE
			WHEN excluded.last_event_at > ` + table + `.last_event_at THEN excluded.last_event_at
			ELSE ` + table + `.last_event_at END`
}

// rebuildAll recomputes the rollup from the events from horizon on (the retention horizon;
// zero, before every time and day, when every event is kept): the days before it keep their counts, and the last-activity
// marks before it stay (a mark from horizon on is recomputed, so a removed user's goes).
func rebuildAll(tx *gorm.DB, d store.Dialect, horizon time.Time) error {
	stmts := []struct {
		sql  string
		args []any
	}{
		{"DELETE FROM report_daily_events WHERE day >= ?", []any{horizonDay(horizon)}},
		{"DELETE FROM report_users WHERE last_event_at >= ?", []any{horizon}},
		{"DELETE FROM report_forms WHERE last_event_at >= ?", []any{horizon}},
		{insertDaily(d, "created_at >= ?"), []any{horizon}},
		{upsertLast(d, "report_users", "user_id", "1 = 1"), nil},
		{upsertLast(d, "report_forms", "host, schema_hash", "1 = 1"), nil},
	}
	for _, s := range stmts {
		if err := tx.Exec(s.sql, s.args...).Error; err != nil {
			return fmt.Errorf("rebuild rollup: %w", err)
		}
	}
	return rebuildWeeks(tx)
}

// weekStart is the Monday (UTC) that starts t's week: report_weekly_events names each week by
// that day (YYYY-MM-DD) and sums its days from Monday through Sunday.
func weekStart(t time.Time) time.Time {
	d := dayStart(t)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// firstWeek is the first week (its Monday) that starts in w: the overview reads w's days before
// it from report_daily_events and every week from it on from report_weekly_events. The week
// that holds today is read as a week too: the refresh that writes a day rewrites its week.
func (w Window) firstWeek() string {
	m := weekStart(w.Since)
	if m.Before(w.Since) {
		m = m.AddDate(0, 0, 7)
	}
	return dayKey(m)
}

// rollupArgs are the arguments of a statement that reads w from both rollups: the weeks
// (week >= ?) and the days before them (day >= ? AND day < ?).
func (w Window) rollupArgs() []any {
	return []any{w.weekFrom, w.FromDay, w.weekFrom}
}

// insertWeekly sums the daily rows of one week (days from ? to before ?) into
// report_weekly_events under its name (?, first).
const insertWeekly = `INSERT INTO report_weekly_events (week, segment_key, policy, gen_style_id, feedback_status, discipline,
		events, ok_events, propensity_events, inv_propensity, inv_propensity_var)
	SELECT ?, segment_key, policy, gen_style_id, feedback_status, discipline, SUM(events), SUM(ok_events),
		SUM(propensity_events), SUM(inv_propensity), SUM(inv_propensity_var)
	FROM report_daily_events WHERE day >= ? AND day < ?
	GROUP BY segment_key, policy, gen_style_id, feedback_status, discipline`

// insertDayTotals sums the daily rows of the days from ? to before ? into report_day_totals.
const insertDayTotals = `INSERT INTO report_day_totals (day, events)
	SELECT day, SUM(events) FROM report_daily_events WHERE day >= ? AND day < ? GROUP BY day`

// refreshWeeks recomputes, from the daily rows, the weeks that start on the given Mondays and
// the totals of their days.
func refreshWeeks(tx *gorm.DB, mondays []time.Time) error {
	for _, m := range mondays {
		week, next := dayKey(m), dayKey(m.AddDate(0, 0, 7))
		for _, s := range []struct {
			sql  string
			args []any
		}{
			{"DELETE FROM report_weekly_events WHERE week = ?", []any{week}},
			{insertWeekly, []any{week, week, next}},
			{"DELETE FROM report_day_totals WHERE day >= ? AND day < ?", []any{week, next}},
			{insertDayTotals, []any{week, next}},
		} {
			if err := tx.Exec(s.sql, s.args...).Error; err != nil {
				return fmt.Errorf("recompute week %s: %w", week, err)
			}
		}
	}
	return nil
}

// rebuildWeeks recomputes every week and day total from the daily rows, the days before the
// retention horizon included (their events are gone, their daily counts are kept).
func rebuildWeeks(tx *gorm.DB) error {
	var span struct{ First, Last sql.NullString }
	if err := tx.Raw("SELECT MIN(day) AS first, MAX(day) AS last FROM report_daily_events").Scan(&span).Error; err != nil {
		return fmt.Errorf("rebuild weeks: %w", err)
	}
	for _, table := range []string{"report_weekly_events", "report_day_totals"} {
		if err := tx.Exec("DELETE FROM " + table).Error; err != nil {
			return fmt.Errorf("rebuild weeks: %w", err)
		}
	}
	if !span.First.Valid {
		return nil
	}
	first, err := time.Parse(time.DateOnly, span.First.String)
	if err != nil {
		return fmt.Errorf("rebuild weeks: first day %q: %w", span.First.String, err)
	}
	last, err := time.Parse(time.DateOnly, span.Last.String)
	if err != nil {
		return fmt.Errorf("rebuild weeks: last day %q: %w", span.Last.String, err)
	}
	// The tables are empty: every day's total in one statement, then each week's rows.
	if err := tx.Exec(insertDayTotals, span.First.String, dayKey(last.AddDate(0, 0, 1))).Error; err != nil {
		return fmt.Errorf("rebuild day totals: %w", err)
	}
	for m := weekStart(first); !m.After(last); m = m.AddDate(0, 0, 7) {
		week := dayKey(m)
		if err := tx.Exec(insertWeekly, week, week, dayKey(m.AddDate(0, 0, 7))).Error; err != nil {
			return fmt.Errorf("rebuild week %s: %w", week, err)
		}
	}
	return nil
}

// The retention horizon: events received before it were deleted (Retain), and the rollup keeps
// what it counted of them. Stored as report_state row "retention" (covered_until).
const horizonName = "retention"

// readHorizon returns the retention horizon, zero when no event was ever deleted for age.
func readHorizon(tx *gorm.DB) (time.Time, error) {
	var h store.NullTime
	err := tx.Raw("SELECT covered_until FROM report_state WHERE name = ?", horizonName).Row().Scan(&h)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, fmt.Errorf("read the retention horizon: %w", err)
	}
	return h.Time, nil
}

// horizonDay is the horizon's UTC day, "" (before every day) for none.
func horizonDay(h time.Time) string {
	if h.IsZero() {
		return ""
	}
	return h.UTC().Format(time.DateOnly)
}

// RetainResult says what Retain did.
type RetainResult struct {
	Horizon time.Time // events received before it are gone
	Dropped []string  // the month partitions dropped whole (Postgres)
	Deleted int64     // the events deleted by range
}

// Retain applies RETENTION_DAYS: it brings the rollup up to date (so that it counts the days
// about to go), moves the horizon to the start of the UTC day days ago, drops the month
// partitions wholly before it (learning.DropPartitions, Postgres) and deletes the other events
// received before it (learning.PurgeEvents, in batches). The dashboard keeps its counts of
// the deleted days; the learning rollups drop them (a run's window never reaches them).
func Retain(ctx context.Context, db *gorm.DB, days int, now time.Time) (RetainResult, error) {
	if days <= 0 {
		return RetainResult{}, fmt.Errorf("retain: days must be positive (got %d)", days)
	}
	if _, err := Refresh(ctx, db); err != nil {
		return RetainResult{}, err
	}
	return retainRefreshed(ctx, db, days, now)
}

// retainRefreshed is Retain for a caller that has just refreshed the rollup (the refresher).
func retainRefreshed(ctx context.Context, db *gorm.DB, days int, now time.Time) (RetainResult, error) {
	res := RetainResult{Horizon: now.UTC().AddDate(0, 0, -days).Truncate(24 * time.Hour)}
	if days <= 0 {
		return res, fmt.Errorf("retain: days must be positive (got %d)", days)
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := store.AdvisoryXactLock(tx, store.LockRollup); err != nil {
			return err
		}
		old, err := readHorizon(tx)
		if err != nil || !res.Horizon.After(old) {
			return err
		}
		return tx.Exec(upsertState, horizonName, now.UTC(), res.Horizon, now.UTC()).Error
	})
	if err != nil {
		return res, fmt.Errorf("retain: %w", err)
	}
	if res.Dropped, err = learning.DropPartitions(ctx, db, res.Horizon); err != nil {
		return res, fmt.Errorf("retain: %w", err)
	}
	res.Deleted, err = learning.PurgeEvents(ctx, db, res.Horizon)
	return res, err
}

// refreshSince recomputes every day that has an event created or rated at or after since.
func refreshSince(tx *gorm.DB, d store.Dialect, since time.Time) ([]string, error) {
	var days []string
	q := `SELECT DISTINCT ` + d.Day("created_at") + ` FROM autofill_events WHERE created_at >= ?
		UNION SELECT DISTINCT ` + d.Day("created_at") + ` FROM autofill_events WHERE feedback_at >= ?`
	if err := tx.Raw(q, since, since).Scan(&days).Error; err != nil {
		return nil, fmt.Errorf("find changed days: %w", err)
	}
	sort.Strings(days)
	var mondays []time.Time
	for _, day := range days {
		from, err := time.Parse(time.DateOnly, day)
		if err != nil {
			return nil, fmt.Errorf("changed day %q: %w", day, err)
		}
		to := from.AddDate(0, 0, 1)
		if err := tx.Exec("DELETE FROM report_daily_events WHERE day = ?", day).Error; err != nil {
			return nil, err
		}
		if err := tx.Exec(insertDaily(d, "created_at >= ? AND created_at < ?"), from, to).Error; err != nil {
			return nil, fmt.Errorf("recompute %s: %w", day, err)
		}
		if m := weekStart(from); len(mondays) == 0 || !mondays[len(mondays)-1].Equal(m) {
			mondays = append(mondays, m) // days are sorted: a week's days are adjacent
		}
	}
	if err := refreshWeeks(tx, mondays); err != nil {
		return nil, err
	}
	for _, s := range []string{
		upsertLast(d, "report_users", "user_id", "created_at >= ?"),
		upsertLast(d, "report_forms", "host, schema_hash", "created_at >= ?"),
	} {
		if err := tx.Exec(s, since).Error; err != nil {
			return nil, fmt.Errorf("refresh last activity: %w", err)
		}
	}
	return days, nil
}

// Refresher keeps the rollup current in the background.
type Refresher struct {
	DB           *gorm.DB
	Log          *slog.Logger
	Mix          *MixCache     // the pages' profile mix, kept warm; nil: none
	Every        time.Duration // RefreshEvery when zero
	RebuildEvery time.Duration // RebuildEvery when zero
	// RetentionDays (RETENTION_DAYS): after each refresh, the events older than this many days
	// are deleted (Retain); 0 keeps every event.
	RetentionDays int

	warmOnce sync.Once
	warmNow  chan struct{}
}

// WarmSoon asks the refresher to warm the profile mix now (the run page, when a run has just
// ended); it never blocks, and asks made while one is pending count once.
func (r *Refresher) WarmSoon() {
	select {
	case r.signal() <- struct{}{}:
	default:
	}
}

func (r *Refresher) signal() chan struct{} {
	r.warmOnce.Do(func() { r.warmNow = make(chan struct{}, 1) })
	return r.warmNow
}

// Run refreshes at once and then every r.Every until ctx ends, rebuilding from scratch when
// the last rebuild is older than r.RebuildEvery; in between it keeps the profile mix warm.
func (r *Refresher) Run(ctx context.Context) {
	every, rebuild := r.Every, r.RebuildEvery
	if every <= 0 {
		every = RefreshEvery
	}
	if rebuild <= 0 {
		rebuild = RebuildEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	warm := time.NewTicker(WarmEvery)
	defer warm.Stop()
	r.once(ctx, rebuild)
	for {
		select {
		case <-ctx.Done():
			return
		case <-warm.C:
			r.warm(ctx)
		case <-r.signal():
			r.warm(ctx)
		case <-t.C:
			r.once(ctx, rebuild)
		}
	}
}

func (r *Refresher) warm(ctx context.Context) {
	if r.Mix == nil {
		return
	}
	if err := r.Mix.Warm(ctx, r.DB); err != nil && ctx.Err() == nil {
		r.Log.Error("dashboard profile mix failed", "error", err)
	}
}

func (r *Refresher) once(ctx context.Context, rebuildEvery time.Duration) {
	full := false
	if st, err := ReadState(ctx, r.DB); err == nil && st != nil && time.Since(st.RebuiltAt) > rebuildEvery {
		full = true
	}
	// The months ahead first, whatever the dashboard's refresh does: syncs need them.
	switch made, err := learning.EnsurePartitions(ctx, r.DB, time.Now()); {
	case err != nil && ctx.Err() == nil:
		r.Log.Error("creating the events' month partitions failed", "error", err, "created", made)
	case len(made) > 0:
		r.Log.Info("created the events' month partitions", "partitions", made)
	}
	res, err := refresh(ctx, r.DB, full)
	if err != nil {
		if ctx.Err() == nil {
			r.Log.Error("dashboard rollup refresh failed", "error", err)
		}
		return // retention purges only days the dashboard's rollup holds
	}
	r.Log.Debug("dashboard rollup refreshed", "rebuilt", res.Rebuilt, "days", res.Days, "took_ms", res.Took.Milliseconds())
	if r.RetentionDays > 0 {
		kept, err := retainRefreshed(ctx, r.DB, r.RetentionDays, time.Now()) // refreshed just above
		switch {
		case err != nil && ctx.Err() == nil:
			r.Log.Error("retention failed", "error", err, "deleted", kept.Deleted)
		case kept.Deleted > 0 || len(kept.Dropped) > 0:
			r.Log.Info("retention: deleted old events", "received_before", kept.Horizon, "events", kept.Deleted, "dropped", kept.Dropped)
		}
	}
	r.warm(ctx)
}
