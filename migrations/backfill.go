package migrations

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/applylens/learning/app/store"
)

// The row work of adopting a database runs after the steps, not inside them. A step only
// changes the schema (columns, indexes: seconds, even on millions of rows) and records that
// the rows need filling (requireBackfill); RunBackfill then fills them in batches by primary
// key, each batch its own short transaction that also moves the backfill's cursor, so the
// service serves meanwhile (reads and writes wait at most for one batch's rows), and a backfill
// that stops (a crash, Ctrl-C, a deploy) resumes where its last batch committed. `migrate up`
// runs it in the foreground with progress; every serve process runs it in the background
// (one at a time on Postgres, under an advisory lock) until it is done. The aggregator waits
// for it (learning says so), because a row it has not reached has no host family yet.
//
// One backfill, "events", fills every column that the steps added to autofill_events and that
// an event's content determines, in one UPDATE per row: event_id (= id, for the original
// service's rows), host_family (familyAt202611 of its host), and final_map_hash with
// edit_total (finalMapHashAt202611, editTotalAt202611). Each is filled only where it is NULL.
// When it has walked the table it sweeps for rows that an old writer added behind its cursor,
// then makes event_id NOT NULL on Postgres without a long lock (a CHECK constraint validated
// while writes go on, which SET NOT NULL then trusts instead of scanning).

// BackfillTable records each backfill's progress: its cursor (the last id it finished), the
// rows it walked, and when it started, moved and finished. Like TableName, it belongs to the
// migration machinery, not to a step.
const BackfillTable = "schema_backfills"

// EventsBackfill is the backfill of autofill_events.
const EventsBackfill = "events"

// backfillBatch is how many rows one batch walks and writes: a few thousand on Postgres; the
// SQLite driver binds parameters in quadratic time, so it gets fewer.
var backfillBatch = struct{ postgres, sqlite int }{postgres: 5000, sqlite: 500}

// BackfillStatus is a backfill's progress, as `migrate status`, /readyz, the Schema page and
// the aggregator report it.
type BackfillStatus struct {
	Name       string
	Pending    bool      // rows remain to fill (false for a database that never needed it)
	Total      int64     // rows in the table when the backfill started (0 until it starts)
	Done       int64     // rows walked so far
	StartedAt  time.Time // zero until the first batch
	UpdatedAt  time.Time // when the last batch committed
	FinishedAt time.Time // zero while pending
	LastError  string    // the last batch's error, cleared by the next batch that commits
}

// Percent is how far the backfill has walked, 0–100.
func (s BackfillStatus) Percent() float64 {
	switch {
	case !s.Pending:
		return 100
	case s.Total <= 0:
		return 0
	}
	return min(100, 100*float64(s.Done)/float64(s.Total))
}

// RowsPerSecond is the backfill's throughput so far (0 before it has started).
func (s BackfillStatus) RowsPerSecond() float64 {
	end := s.UpdatedAt
	if !s.FinishedAt.IsZero() {
		end = s.FinishedAt
	}
	secs := end.Sub(s.StartedAt).Seconds()
	if s.StartedAt.IsZero() || secs <= 0 {
		return 0
	}
	return float64(s.Done) / secs
}

// String is one line for logs and the command line.
func (s BackfillStatus) String() string {
	if !s.Pending {
		return fmt.Sprintf("backfill of %s: done", s.Name)
	}
	if s.StartedAt.IsZero() {
		return fmt.Sprintf("backfill of %s: waiting to start", s.Name)
	}
	return fmt.Sprintf("backfill of %s: %d of %d rows (%.1f%%), %.1f rows/s", s.Name, s.Done, s.Total, s.Percent(), s.RowsPerSecond())
}

// BackfillPendingError is what a caller that needs the filled rows (the aggregator) returns
// while the backfill runs.
type BackfillPendingError struct{ Status BackfillStatus }

func (e *BackfillPendingError) Error() string {
	return fmt.Sprintf("the database is still being adopted (%s); the aggregator runs once the backfill is done "+
		"(`migrate up` or a serve process is filling the rows)", e.Status)
}

// ensureBackfillTable creates the progress table if it is missing.
func ensureBackfillTable(tx *gorm.DB) error {
	return ddl(tx, `CREATE TABLE IF NOT EXISTS `+BackfillTable+` (
		name        varchar(64) PRIMARY KEY,
		total_rows  bigint      NOT NULL DEFAULT 0,
		done_rows   bigint      NOT NULL DEFAULT 0,
		last_id     varchar(64) NOT NULL DEFAULT '',
		started_at  {ts},
		updated_at  {ts},
		finished_at {ts},
		last_error  text        NOT NULL DEFAULT ''
	)`)
}

// eventsExist reports whether autofill_events has a row.
func eventsExist(tx *gorm.DB) (bool, error) {
	var found []int
	if err := tx.Raw("SELECT 1 FROM autofill_events LIMIT 1").Scan(&found).Error; err != nil {
		return false, fmt.Errorf("look for events: %w", err)
	}
	return len(found) > 0, nil
}

// requireBackfill is called by a step that added columns the events backfill fills: the
// backfill starts over (it fills only what is NULL, so walking again is harmless). A table
// with no rows needs nothing.
func requireBackfill(tx *gorm.DB) error {
	if err := ensureBackfillTable(tx); err != nil {
		return err
	}
	found, err := eventsExist(tx)
	if err != nil {
		return err
	}
	if err := tx.Exec("DELETE FROM "+BackfillTable+" WHERE name = ?", EventsBackfill).Error; err != nil {
		return err
	}
	if !found {
		// Nothing to fill, and the step's transaction holds the table: NOT NULL at once.
		if isPostgres(tx) {
			return ddl(tx, "ALTER TABLE autofill_events ALTER COLUMN event_id SET NOT NULL")
		}
		return nil
	}
	return tx.Exec("INSERT INTO "+BackfillTable+" (name) VALUES (?)", EventsBackfill).Error
}

// dropBackfill forgets the events backfill: the step that added event_id is being rolled
// back, and with it every column the backfill fills (the step, applied again, asks for it
// again). A later step rolled back leaves it pending: RunBackfill waits for the steps.
func dropBackfill(tx *gorm.DB) error {
	if !tx.Migrator().HasTable(BackfillTable) {
		return nil
	}
	return tx.Exec("DELETE FROM "+BackfillTable+" WHERE name = ?", EventsBackfill).Error
}

// ReadBackfill returns the events backfill's progress. A database with no progress row has
// nothing to fill: it was created empty, or migrated before backfills ran apart from the steps
// (when the steps filled the rows themselves).
func ReadBackfill(ctx context.Context, db *gorm.DB) (BackfillStatus, error) {
	return readBackfillRow(ctx, db, EventsBackfill)
}

// ReadPartitioning returns the progress of the conversion of the events into month partitions
// (Postgres): Pending while it is recorded and not finished. Its Total and Done count the
// events whose replay keys it has stored, its first part; the rest (a CHECK validated, two
// indexes built, a moment's lock) has no row count.
func ReadPartitioning(ctx context.Context, db *gorm.DB) (BackfillStatus, error) {
	if !isPostgres(db) {
		return BackfillStatus{Name: PartitionsBackfill}, nil
	}
	return readBackfillRow(ctx, db, PartitionsBackfill)
}

// readBackfillRow reads one row of schema_backfills; with none there is nothing to do.
func readBackfillRow(ctx context.Context, db *gorm.DB, name string) (BackfillStatus, error) {
	db = db.WithContext(ctx)
	st := BackfillStatus{Name: name}
	if !db.Migrator().HasTable(BackfillTable) {
		return st, nil
	}
	var rows []struct {
		TotalRows, DoneRows              int64
		StartedAt, UpdatedAt, FinishedAt *time.Time
		LastError                        string
	}
	if err := db.Table(BackfillTable).Where("name = ?", name).
		Select("total_rows", "done_rows", "started_at", "updated_at", "finished_at", "last_error").
		Scan(&rows).Error; err != nil {
		return st, fmt.Errorf("read %s: %w", BackfillTable, err)
	}
	if len(rows) == 0 {
		return st, nil
	}
	r := rows[0]
	st.Total, st.Done, st.LastError = r.TotalRows, r.DoneRows, r.LastError
	for _, c := range []struct {
		from *time.Time
		to   *time.Time
	}{{r.StartedAt, &st.StartedAt}, {r.UpdatedAt, &st.UpdatedAt}, {r.FinishedAt, &st.FinishedAt}} {
		if c.from != nil {
			*c.to = c.from.UTC()
		}
	}
	st.Pending = st.FinishedAt.IsZero()
	return st, nil
}

// CheckBackfill returns a *BackfillPendingError while the events backfill is pending. Once it
// has seen the backfill done on a pool it answers from memory: only a step applied again makes
// it pending again, and UpSchema, which applies them, forgets what it saw.
func CheckBackfill(ctx context.Context, db *gorm.DB) error {
	pool, poolErr := db.DB()
	if poolErr == nil {
		if _, ok := seenDone.Load(pool); ok {
			return nil
		}
	}
	st, err := ReadBackfill(ctx, db)
	if err != nil {
		return err
	}
	if st.Pending {
		return &BackfillPendingError{Status: st}
	}
	if poolErr == nil {
		seenDone.Store(pool, true)
	}
	return nil
}

// seenDone holds the pools (*sql.DB) on which CheckBackfill found the backfill done.
var seenDone sync.Map

// forgetDone makes CheckBackfill read the backfill's state again on db's pool.
func forgetDone(db *gorm.DB) {
	if pool, err := db.DB(); err == nil {
		seenDone.Delete(pool)
	}
}

// ErrBackfillBusy is returned by RunBackfill without wait when another process is running it.
var ErrBackfillBusy = errors.New("another process is running the backfill")

// RunBackfill runs the events backfill until it is done, calling progress after each batch.
// On Postgres one process runs it at a time: wait says whether to wait for the one that does
// (and then find it done) or to return ErrBackfillBusy at once. A backfill that is done, or
// was never needed, returns at once.
//
// On Postgres it then carries out a pending conversion of autofill_events into monthly
// partitions (partition.go), which needs every event_id filled.
func RunBackfill(ctx context.Context, db *gorm.DB, wait bool, progress func(BackfillStatus)) (BackfillStatus, error) {
	st, err := ReadBackfill(ctx, db)
	if err != nil {
		return st, err
	}
	partitions, err := PartitioningPending(ctx, db)
	if err != nil || (!st.Pending && !partitions) {
		return st, err
	}
	if schema, err := ReadStatus(ctx, db); err != nil {
		return st, err
	} else if !schema.Current() {
		return st, fmt.Errorf("the backfill fills the columns of every step: apply the %d pending step(s) first (`migrate up`)",
			len(schema.Pending))
	}
	run := func(conn *gorm.DB) error {
		if st, err = runEventsBackfill(ctx, conn, progress); err != nil {
			return err
		}
		return partitionEvents(ctx, conn, progress)
	}
	if !store.IsPostgres(db) {
		return st, run(db.WithContext(ctx))
	}
	_, release, held, err := store.HoldAdvisoryLock(ctx, db, store.LockBackfill, wait)
	if err != nil {
		return st, err
	}
	if !held {
		return st, ErrBackfillBusy
	}
	defer func() { _ = release() }() // the lock is on its own connection; the batches use the pool
	return st, run(db.WithContext(ctx))
}

// runEventsBackfill walks autofill_events from the cursor, a batch per transaction, then
// sweeps and finishes. It holds the lock (Postgres), so it alone moves the cursor.
func runEventsBackfill(ctx context.Context, db *gorm.DB, progress func(BackfillStatus)) (BackfillStatus, error) {
	// A batch's statements are slow by design (thousands of rows) and tens of kilobytes long:
	// the slow-statement log would print each one; the callers log the progress instead.
	db = db.Session(&gorm.Session{Logger: db.Logger.LogMode(logger.Error)})
	st, err := ReadBackfill(ctx, db)
	if err != nil || !st.Pending {
		return st, err // finished by the process that held the lock before us
	}
	if st.StartedAt.IsZero() {
		var total int64
		if err := db.Table("autofill_events").Count(&total).Error; err != nil {
			return st, fmt.Errorf("count the events to backfill: %w", err)
		}
		now := time.Now().UTC()
		if err := db.Table(BackfillTable).Where("name = ?", EventsBackfill).
			Updates(map[string]any{"total_rows": total, "started_at": now, "updated_at": now}).Error; err != nil {
			return st, err
		}
	}
	pg := store.IsPostgres(db)
	b := newEventsBatch(pg)
	b.keys = pg && db.Migrator().HasTable("autofill_event_keys")
	for {
		var walked int
		err := retryBatch(ctx, func() error {
			return db.Transaction(func(tx *gorm.DB) error {
				// The row lock serialises batches even if the advisory lock's session was lost.
				var cursor []string
				if err := tx.Raw("SELECT last_id FROM "+BackfillTable+" WHERE name = ?"+b.forUpdate(), EventsBackfill).
					Scan(&cursor).Error; err != nil {
					return err
				}
				if len(cursor) == 0 {
					return errors.New("the backfill's progress row is gone (a step was rolled back meanwhile)")
				}
				last, n, err := b.walk(tx, cursor[0])
				if err != nil || n == 0 {
					return err
				}
				walked = n
				return tx.Exec("UPDATE "+BackfillTable+" SET last_id = ?, done_rows = done_rows + ?, "+
					"total_rows = CASE WHEN total_rows < done_rows + ? THEN done_rows + ? ELSE total_rows END, "+
					"updated_at = ?, last_error = '' WHERE name = ?",
					last, n, n, n, time.Now().UTC(), EventsBackfill).Error
			})
		})
		if err != nil {
			recordBackfillError(db, err)
			return st, fmt.Errorf("backfill autofill_events: %w", err)
		}
		if walked == 0 {
			break
		}
		if st, err = ReadBackfill(ctx, db); err != nil {
			return st, err
		}
		if progress != nil {
			progress(st)
		}
	}
	if err := b.finish(ctx, db); err != nil {
		recordBackfillError(db, err)
		return st, err
	}
	if err := db.Table(BackfillTable).Where("name = ?", EventsBackfill).
		Updates(map[string]any{"finished_at": time.Now().UTC(), "last_error": ""}).Error; err != nil {
		return st, err
	}
	st, err = ReadBackfill(ctx, db)
	if err == nil && progress != nil {
		progress(st)
	}
	return st, err
}

// retryBatch runs a batch up to three times: it can lose a deadlock to a writer that updates
// the same rows in another order, or time out waiting for a lock; the next attempt usually
// goes through.
func retryBatch(ctx context.Context, fn func() error) error {
	return retry(ctx, 3, 500*time.Millisecond, fn)
}

// retry runs fn up to tries times, waiting step, 2·step, … between attempts. A cancelled
// context stops at once.
func retry(ctx context.Context, tries int, step time.Duration, fn func() error) error {
	var err error
	for attempt := range tries {
		if err = fn(); err == nil || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * step):
		}
	}
	return err
}

// recordBackfillError keeps what went wrong on the progress row, for the Schema page: the
// database's own message and code, never the statement (the caller logs or prints the whole
// error).
func recordBackfillError(db *gorm.DB, err error) {
	recordBackfillErrorOf(db, EventsBackfill, err)
}

// recordBackfillErrorOf is recordBackfillError for the progress row named name.
func recordBackfillErrorOf(db *gorm.DB, name string, err error) {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return
	}
	msg := "a batch failed; the log of the process running the backfill says why"
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		msg = fmt.Sprintf("%s (SQLSTATE %s)", pgErr.Message, pgErr.Code)
	}
	db.WithContext(context.Background()).Table(BackfillTable).Where("name = ?", name).
		Update("last_error", msg)
}

// eventsBatch reads and writes one batch of the events backfill.
type eventsBatch struct {
	pg    bool
	size  int
	words *strings.Replacer
	keys  bool // the replay keys live in autofill_event_keys (a partitioned table's, Postgres)
}

func newEventsBatch(pg bool) eventsBatch {
	if pg {
		return eventsBatch{pg: true, size: backfillBatch.postgres, words: postgresWords}
	}
	return eventsBatch{size: backfillBatch.sqlite, words: sqliteWords}
}

// backfillRow is one row that needs filling: what it needs, and the values computed for it.
type backfillRow struct {
	id     string
	family any // the host's family, or nil when the row has one
	derive bool
	hash   any // the map's fingerprint, nil when it has none (not JSON)
}

// walk fills the batch of rows after cursor ("" = the start) and returns the last id walked
// and how many rows it walked (0 at the end of the table). Every row of the batch is read, in
// primary-key order; only those missing a value are written. A filter on the NULL columns in
// the read would make Postgres, which has no statistics on new columns, sort the table for
// every batch.
func (b eventsBatch) walk(tx *gorm.DB, cursor string) (last string, n int, err error) {
	q := b.selectRows()
	var args []any
	if cursor != "" {
		q += b.words.Replace(" WHERE id > CAST(? AS {uuid})")
		args = append(args, cursor)
	}
	q += fmt.Sprintf(" ORDER BY autofill_events.id LIMIT %d", b.size) // the uuid, not the text selected as id
	rows, err := b.read(tx, q, args, func(id string) { last = id; n++ })
	if err != nil {
		return "", 0, fmt.Errorf("read autofill_events: %w", err)
	}
	return last, n, b.write(tx, rows)
}

// sweep fills the rows that an old writer added behind the cursor while the walk went on
// (event_id or host_family still NULL), a batch at a time, until there are none. It reads with
// a filter, as a sweep finds few rows if any.
func (b eventsBatch) sweep(ctx context.Context, db *gorm.DB) error {
	q := b.selectRows() + fmt.Sprintf(" WHERE event_id IS NULL OR host_family IS NULL LIMIT %d", b.size)
	for {
		var found int
		err := retryBatch(ctx, func() error {
			return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				rows, err := b.read(tx, q, nil, func(string) {})
				found = len(rows)
				if err != nil {
					return err
				}
				return b.write(tx, rows)
			})
		})
		if err != nil {
			return fmt.Errorf("sweep autofill_events: %w", err)
		}
		if found == 0 {
			return nil
		}
	}
}

// forUpdate locks the rows a statement reads, on Postgres (SQLite's writer is alone).
func (b eventsBatch) forUpdate() string {
	if b.pg {
		return " FOR UPDATE"
	}
	return ""
}

// selectRows reads what read needs of each row: its id, host and map, and which columns are
// missing.
func (b eventsBatch) selectRows() string {
	return "SELECT " + b.text("id") + ", host, " + b.text("final_map") +
		", event_id IS NULL, host_family IS NULL, final_map_hash IS NULL FROM autofill_events"
}

func (b eventsBatch) text(col string) string {
	if b.pg {
		return col + "::text"
	}
	return col
}

// read runs a batch's query and computes what each row that needs it must get.
func (b eventsBatch) read(tx *gorm.DB, q string, args []any, seen func(id string)) ([]backfillRow, error) {
	rows, err := tx.Raw(q, args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []backfillRow
	for rows.Next() {
		var (
			id, host                   string
			text                       sql.NullString
			noEventID, noFamily, noMap bool
		)
		if err := rows.Scan(&id, &host, &text, &noEventID, &noFamily, &noMap); err != nil {
			return nil, err
		}
		seen(id)
		if !noEventID && !noFamily && !noMap {
			continue
		}
		r := backfillRow{id: id, derive: noMap}
		if noFamily {
			r.family = familyAt202611(host)
		}
		if noMap && text.Valid {
			if h, ok := finalMapHashAt202611([]byte(text.String)); ok {
				r.hash = h
			}
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// write fills the rows of a batch with one UPDATE: each column only where it is NULL.
func (b eventsBatch) write(tx *gorm.DB, rows []backfillRow) error {
	if len(rows) == 0 {
		return nil
	}
	var sb strings.Builder
	sb.WriteString("UPDATE autofill_events SET event_id = COALESCE(event_id, id), " +
		"host_family = COALESCE(host_family, v.column2), " +
		"final_map_hash = CASE WHEN v.column3 = 1 AND final_map_hash IS NULL THEN v.column4 ELSE final_map_hash END, " +
		"edit_total = CASE WHEN v.column3 = 1 AND final_map_hash IS NULL THEN " + editTotalAt202611(b.pg) + " ELSE edit_total END FROM (VALUES ")
	args := make([]any, 0, 4*len(rows))
	for i, r := range rows {
		if i > 0 {
			sb.WriteString(", ")
		}
		sb.WriteString(b.words.Replace("(CAST(? AS {uuid}), CAST(? AS varchar(32)), CAST(? AS integer), CAST(? AS bigint))"))
		derive := 0
		if r.derive {
			derive = 1
		}
		args = append(args, r.id, r.family, derive, r.hash)
	}
	sb.WriteString(") AS v WHERE autofill_events.id = v.column1")
	if err := tx.Exec(sb.String(), args...).Error; err != nil || !b.keys {
		return err
	}
	// A row that got its event_id here gets its replay key too.
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.id
	}
	return tx.Exec(`INSERT INTO autofill_event_keys (user_id, event_id, created_at)
		SELECT user_id, event_id, created_at FROM autofill_events WHERE id IN ? ON CONFLICT DO NOTHING`, ids).Error
}

// finish fills the rows that an old writer added behind the cursor (sweep) and, on Postgres,
// makes event_id NOT NULL as the original step did, without scanning the table under an
// exclusive lock, in this order:
//
//  1. a CHECK (event_id IS NOT NULL) added NOT VALID (a moment's lock, no scan): from then on
//     no row comes without a key (a writer that sends none gets the column's default);
//  2. the sweep fills the rows that came before it;
//  3. VALIDATE checks every row while reads and writes go on;
//  4. SET NOT NULL trusts the valid constraint instead of scanning, and the constraint goes.
//
// Each statement that needs a table lock waits at most lockWait for it, so that it never
// queues the service's queries behind it for long, and is retried. A finish that stopped
// part-way carries on from where the catalog says it is.
func (b eventsBatch) finish(ctx context.Context, db *gorm.DB) error {
	if !b.pg {
		return b.sweep(ctx, db)
	}
	var state []struct{ Nullable, Check, Validated bool }
	if err := db.WithContext(ctx).Raw(`SELECT c.is_nullable = 'YES' AS nullable,
			k.conname IS NOT NULL AS "check", COALESCE(k.convalidated, false) AS validated
		FROM information_schema.columns c
		LEFT JOIN pg_constraint k ON k.conrelid = 'autofill_events'::regclass AND k.conname = ?
		WHERE c.table_schema = current_schema() AND c.table_name = 'autofill_events' AND c.column_name = 'event_id'`,
		eventIDCheck).Scan(&state).Error; err != nil {
		return fmt.Errorf("read event_id's constraints: %w", err)
	}
	if len(state) == 0 {
		return errors.New("autofill_events has no event_id column")
	}
	st := state[0]
	steps := []struct {
		needed bool
		sql    string
	}{
		{st.Nullable && !st.Check, "ALTER TABLE autofill_events ADD CONSTRAINT " + eventIDCheck + " CHECK (event_id IS NOT NULL) NOT VALID"},
		{true, ""}, // the sweep
		{st.Nullable && !st.Validated, "ALTER TABLE autofill_events VALIDATE CONSTRAINT " + eventIDCheck},
		{st.Nullable, "ALTER TABLE autofill_events ALTER COLUMN event_id SET NOT NULL"},
		{st.Nullable || st.Check, "ALTER TABLE autofill_events DROP CONSTRAINT IF EXISTS " + eventIDCheck},
	}
	for _, step := range steps {
		if !step.needed {
			continue
		}
		if step.sql == "" {
			if err := b.sweep(ctx, db); err != nil {
				return err
			}
			continue
		}
		if err := withLockWait(ctx, db, step.sql); err != nil {
			return fmt.Errorf("make event_id NOT NULL: %w", err)
		}
	}
	return nil
}

// eventIDCheck is the constraint that lets SET NOT NULL skip its scan.
const eventIDCheck = "autofill_events_event_id_not_null"

// withLockWait runs one DDL statement in its own transaction, waiting at most lockWait for its
// lock, up to lockTries times.
func withLockWait(ctx context.Context, db *gorm.DB, stmt string) error {
	return retry(ctx, lockTries, 200*time.Millisecond, func() error {
		return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec("SET LOCAL lock_timeout = '" + lockWait + "'").Error; err != nil {
				return err
			}
			return tx.Exec(stmt).Error
		})
	})
}

// lockWait is how long a finishing statement waits for its table lock; lockTries how often.
const (
	lockWait  = "1s"
	lockTries = 10
)
