package migrations

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/applylens/learning/app/store"
)

// The conversion of autofill_events into a table partitioned by month of created_at, on
// Postgres (step 202612062000_event_partitions). The existing table is not copied: it becomes
// the first partition, autofill_events_history, which takes every created_at before a bound
// (partitionBound). In order:
//
//  1. the keys of its rows go into autofill_event_keys, a batch per transaction (a sync stores
//     its own keys from the step on, so only older rows need it);
//  2. CHECK (created_at IS NOT NULL AND created_at < bound) is added NOT VALID and validated
//     while reads and writes go on: ATTACH then trusts it instead of scanning;
//  3. the partition's primary key (id, created_at) and its (user_id, event_id) index are built
//     concurrently;
//  4. in one transaction under a moment's exclusive lock (waited for at most lockWait, retried):
//     the keys of rows stored since 1 began, the table renamed and its old primary key, unique
//     replay index and user_id index dropped, the partitioned autofill_events created with the
//     same columns, foreign keys and indexes (which ATTACH matches to the partition's instead of
//     building them), the marks' triggers moved to it, the old table attached, and a DEFAULT
//     partition created.
//
// The CHECK refuses every row from the bound on, a sync's too, until the conversion ends: the
// bound is chosen a week ahead at least (boundLead), and a conversion resumed when its bound is
// less than boundMargin ahead (it stopped and was carried on late), or found so under the lock
// of step 4, drops the CHECK, chooses a new bound and does 2 again (the indexes of 3 do not
// depend on it).
//
// On an empty table the step runs the same statements in its own transaction
// (convertEmptyEvents).

// PartitionsBackfill names the pending conversion in schema_backfills (its last_id holds the
// chosen bound, so that a conversion that stopped carries on with the same one).
const PartitionsBackfill = "event_partitions"

// History is the name of the first partition: the table as it was, open below.
const historyPartition = "autofill_events_history"

// eventsPartitioned reports whether autofill_events is partitioned already.
func eventsPartitioned(tx *gorm.DB) (bool, error) {
	var kinds []string
	if err := tx.Raw("SELECT relkind::text FROM pg_class WHERE oid = to_regclass('autofill_events')").Scan(&kinds).Error; err != nil {
		return false, fmt.Errorf("inspect autofill_events: %w", err)
	}
	return len(kinds) == 1 && kinds[0] == "p", nil
}

// requirePartitioning records that RunBackfill must convert the table.
func requirePartitioning(tx *gorm.DB) error {
	if err := ensureBackfillTable(tx); err != nil {
		return err
	}
	return tx.Exec("INSERT INTO "+BackfillTable+" (name) VALUES (?) ON CONFLICT (name) DO NOTHING", PartitionsBackfill).Error
}

// forgetPartitioning drops the record of a pending conversion.
func forgetPartitioning(tx *gorm.DB) error {
	if !tx.Migrator().HasTable(BackfillTable) {
		return nil
	}
	return tx.Exec("DELETE FROM "+BackfillTable+" WHERE name = ?", PartitionsBackfill).Error
}

// PartitioningPending reports whether a conversion of the events table into month partitions
// is recorded and not finished (Postgres).
func PartitioningPending(ctx context.Context, db *gorm.DB) (bool, error) {
	if !isPostgres(db) || !db.WithContext(ctx).Migrator().HasTable(BackfillTable) {
		return false, nil
	}
	var n int64
	err := db.WithContext(ctx).Table(BackfillTable).Where("name = ? AND finished_at IS NULL", PartitionsBackfill).Count(&n).Error
	return n > 0, err
}

// RowWorkPending reports whether RunBackfill has anything to do: the events backfill, or the
// conversion of the events table into partitions.
func RowWorkPending(ctx context.Context, db *gorm.DB) (bool, error) {
	st, err := ReadBackfill(ctx, db)
	if err != nil || st.Pending {
		return st.Pending, err
	}
	return PartitioningPending(ctx, db)
}

// The bound's margins: a bound is the first of the month after now + boundLead (and after the
// newest row), and is kept, when a conversion carries on and again under its final lock, only
// while it is more than boundMargin ahead.
const (
	boundLead   = 7 * 24 * time.Hour
	boundMargin = 2 * 24 * time.Hour
)

// boundUsable reports whether bound is more than boundMargin after now and after newest (when
// not nil): the CHECK (created_at < bound) then refuses no sync for a while yet, nor any row
// the table holds.
func boundUsable(bound, now time.Time, newest *time.Time) bool {
	return bound.After(now.Add(boundMargin)) && (newest == nil || newest.Before(bound))
}

// partitionBound is the first partition's upper bound: the one recorded if still usable,
// otherwise a new one (boundAfter), recorded after the CHECK of the old one is dropped, so that
// a CHECK on the table always is the recorded bound's.
func partitionBound(ctx context.Context, db *gorm.DB) (time.Time, error) {
	db = db.WithContext(ctx)
	var recorded []string
	if err := db.Table(BackfillTable).Where("name = ?", PartitionsBackfill).Pluck("last_id", &recorded).Error; err != nil {
		return time.Time{}, err
	}
	var newestAt sql.NullTime
	if err := db.Raw("SELECT MAX(created_at) FROM autofill_events").Row().Scan(&newestAt); err != nil {
		return time.Time{}, fmt.Errorf("find the newest event: %w", err)
	}
	var newest *time.Time // nil on an empty table
	if newestAt.Valid {
		newest = &newestAt.Time
	}
	now := time.Now().UTC()
	if len(recorded) == 1 && recorded[0] != "" {
		bound, err := time.Parse(time.RFC3339, recorded[0])
		if err != nil {
			return time.Time{}, fmt.Errorf("the recorded bound %q: %w", recorded[0], err)
		}
		if boundUsable(bound, now, newest) {
			return bound, nil
		}
	}
	if err := dropHistoryRange(ctx, db); err != nil {
		return time.Time{}, err
	}
	bound := boundAfter(now, newest)
	err := db.Table(BackfillTable).Where("name = ?", PartitionsBackfill).
		Updates(map[string]any{"last_id": bound.Format(time.RFC3339), "updated_at": now}).Error
	return bound, err
}

// boundAfter is the first of the month after both now + boundLead and newest (when not nil),
// UTC.
func boundAfter(now time.Time, newest *time.Time) time.Time {
	t := now.UTC().Add(boundLead)
	if newest != nil && newest.After(t) {
		t = newest.UTC()
	}
	return time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
}

// hasHistoryRange reports whether autofill_events has the CHECK of a conversion.
func hasHistoryRange(db *gorm.DB) (bool, error) {
	var checks []string
	err := db.Raw("SELECT conname FROM pg_constraint WHERE conrelid = to_regclass('autofill_events') AND conname = ?", historyRange).Scan(&checks).Error
	return len(checks) > 0, err
}

// dropHistoryRange drops the CHECK of a bound that is no longer used, if there is one.
func dropHistoryRange(ctx context.Context, db *gorm.DB) error {
	found, err := hasHistoryRange(db)
	if err != nil || !found {
		return err
	}
	if err := withLockWait(ctx, db, "ALTER TABLE autofill_events DROP CONSTRAINT IF EXISTS "+historyRange); err != nil {
		return fmt.Errorf("drop the CHECK of a passed bound: %w", err)
	}
	return nil
}

// partitionEvents carries out a recorded conversion (see the top of this file). It runs after
// the events backfill, under the backfill's lock, and reports the keys' fill to progress (when
// not nil) after each batch.
func partitionEvents(ctx context.Context, db *gorm.DB, progress func(BackfillStatus)) error {
	db = db.Session(&gorm.Session{Logger: db.Logger.LogMode(logger.Error)}).WithContext(ctx)
	pending, err := PartitioningPending(ctx, db)
	if err != nil || !pending {
		return err
	}
	done, err := eventsPartitioned(db)
	if err != nil {
		return err
	}
	if !done {
		since := time.Now().UTC().Add(-keyFillSkew)
		if err := fillKeys(ctx, db, progress); err != nil {
			recordBackfillErrorOf(db, PartitionsBackfill, err)
			return fmt.Errorf("partition autofill_events: %w", err)
		}
		// A bound that came too close while the indexes were built is replaced, and 2 and 3
		// done again; a bound is chosen a week ahead, so once is enough unless they took days.
		err = errBoundTooClose
		for try := 0; try < 3 && errors.Is(err, errBoundTooClose); try++ {
			err = convertOnline(ctx, db, since)
		}
		if err != nil {
			recordBackfillErrorOf(db, PartitionsBackfill, err)
			return fmt.Errorf("partition autofill_events: %w", err)
		}
	}
	return db.Table(BackfillTable).Where("name = ?", PartitionsBackfill).
		Updates(map[string]any{"finished_at": time.Now().UTC(), "updated_at": time.Now().UTC(), "last_error": ""}).Error
}

// errBoundTooClose is what step 4 returns when the bound is no longer usable (boundUsable).
var errBoundTooClose = fmt.Errorf("the first partition's bound is less than %s ahead", boundMargin)

// convertOnline is steps 2 to 4 with a usable bound; since is when the keys' fill began.
func convertOnline(ctx context.Context, db *gorm.DB, since time.Time) error {
	bound, err := partitionBound(ctx, db)
	if err != nil {
		return err
	}
	for _, s := range prepareStatements(db, bound, true) {
		run := withLockWait
		if strings.Contains(s, "CONCURRENTLY") {
			run = concurrently
		}
		if err := run(ctx, db, s); err != nil {
			return fmt.Errorf("%s: %w", firstLine(s), err)
		}
	}
	tooClose := false
	err = retry(ctx, lockTries, 200*time.Millisecond, func() error {
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec("SET LOCAL lock_timeout = '" + lockWait + "'").Error; err != nil {
				return err
			}
			if err := tx.Exec("LOCK TABLE autofill_events IN ACCESS EXCLUSIVE MODE").Error; err != nil {
				return err
			}
			if !boundUsable(bound, time.Now(), nil) {
				return errBoundTooClose
			}
			// Rows stored since the fill began by a writer that stores no key (an older
			// replica of this service): under the lock, none can come.
			if err := tx.Exec(`INSERT INTO autofill_event_keys (user_id, event_id, created_at)
				SELECT user_id, event_id, created_at FROM autofill_events WHERE created_at >= ?
				ON CONFLICT DO NOTHING`, since).Error; err != nil {
				return err
			}
			return convertLocked(tx, bound)
		})
		if errors.Is(err, errBoundTooClose) {
			tooClose = true // not retried: the caller chooses another bound
			return nil
		}
		return err
	})
	if err == nil && tooClose {
		return errBoundTooClose
	}
	return err
}

// concurrently runs a statement that cannot run in a transaction (CREATE or DROP INDEX
// CONCURRENTLY), retried like withLockWait; its lock lets reads and writes go on.
func concurrently(ctx context.Context, db *gorm.DB, stmt string) error {
	return retry(ctx, lockTries, 200*time.Millisecond, func() error { return db.Exec(stmt).Error })
}

// keyFillSkew covers transactions that committed late and differing clocks, as the dashboard
// rollup's Skew does.
const keyFillSkew = 5 * time.Minute

// fillKeys stores the key of every event, a batch per transaction in primary-key order (the
// keys already there are skipped, so a fill that stopped starts over cheaply). It records its
// progress in the conversion's row of schema_backfills (started_at, total_rows, done_rows,
// from zero at each start), which the Schema page shows, and reports it to progress.
func fillKeys(ctx context.Context, db *gorm.DB, progress func(BackfillStatus)) error {
	var total int64
	if err := db.Table("autofill_events").Count(&total).Error; err != nil {
		return fmt.Errorf("count the events to key: %w", err)
	}
	now := time.Now().UTC()
	if err := db.Table(BackfillTable).Where("name = ?", PartitionsBackfill).
		Updates(map[string]any{"total_rows": total, "done_rows": 0, "started_at": now, "updated_at": now}).Error; err != nil {
		return err
	}
	cursor := "00000000-0000-0000-0000-000000000000"
	for {
		var batch []struct {
			Last string
			N    int64
		}
		err := retryBatch(ctx, func() error {
			return db.Transaction(func(tx *gorm.DB) error {
				err := tx.Raw(fmt.Sprintf(`WITH b AS (SELECT id, user_id, event_id, created_at FROM autofill_events
						WHERE id > CAST(? AS uuid) ORDER BY id LIMIT %d),
					k AS (INSERT INTO autofill_event_keys (user_id, event_id, created_at)
						SELECT user_id, event_id, created_at FROM b ON CONFLICT DO NOTHING)
					SELECT (SELECT id::text FROM b ORDER BY id DESC LIMIT 1) AS last, (SELECT COUNT(*) FROM b) AS n
					WHERE EXISTS (SELECT 1 FROM b)`, backfillBatch.postgres), cursor).Scan(&batch).Error
				if err != nil || len(batch) == 0 {
					return err
				}
				// Rows stored since the count make the total grow, as the events backfill's does.
				return tx.Exec("UPDATE "+BackfillTable+" SET done_rows = done_rows + ?, total_rows = GREATEST(total_rows, done_rows + ?), "+
					"updated_at = ?, last_error = '' WHERE name = ?", batch[0].N, batch[0].N, time.Now().UTC(), PartitionsBackfill).Error
			})
		})
		if err != nil {
			return fmt.Errorf("fill autofill_event_keys: %w", err)
		}
		if len(batch) == 0 {
			// Events deleted meanwhile were counted in the total: every event is keyed now.
			return db.Table(BackfillTable).Where("name = ?", PartitionsBackfill).
				Update("total_rows", gorm.Expr("done_rows")).Error
		}
		cursor = batch[0].Last
		if progress != nil {
			st, err := ReadPartitioning(ctx, db)
			if err != nil {
				return err
			}
			progress(st)
		}
	}
}

// prepareStatements are steps 2 and 3: online (outside a transaction, concurrently) or inside
// the step's transaction on an empty table.
func prepareStatements(db *gorm.DB, bound time.Time, online bool) []string {
	concurrently := ""
	if online {
		concurrently = "CONCURRENTLY "
	}
	var stmts []string
	// An index that a stopped CREATE INDEX CONCURRENTLY left invalid is built again.
	var invalid []string
	db.Raw(`SELECT i.relname FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
		WHERE x.indrelid = to_regclass('autofill_events') AND NOT x.indisvalid`).Scan(&invalid)
	for _, name := range invalid {
		stmts = append(stmts, "DROP INDEX "+concurrently+"IF EXISTS "+name)
	}
	if found, _ := hasHistoryRange(db); !found {
		stmts = append(stmts, fmt.Sprintf("ALTER TABLE autofill_events ADD CONSTRAINT %s CHECK (created_at IS NOT NULL AND created_at < '%s') NOT VALID",
			historyRange, bound.Format(time.RFC3339)))
	}
	return append(stmts,
		"ALTER TABLE autofill_events VALIDATE CONSTRAINT "+historyRange,
		"CREATE UNIQUE INDEX "+concurrently+"IF NOT EXISTS "+historyPkey+" ON autofill_events (id, created_at)",
		"CREATE INDEX "+concurrently+"IF NOT EXISTS "+historyUserEvent+" ON autofill_events (user_id, event_id)",
	)
}

// The indexes that step 3 builds on the table for its first partition.
const (
	historyPkey      = historyPartition + "_pkey"
	historyUserEvent = historyPartition + "_user_event"
)

// historyRange is the CHECK constraint that lets ATTACH skip its scan.
const historyRange = "autofill_events_history_range"

// replaced are the indexes of the old table that the partitioned one does not keep: the replay
// key (now autofill_event_keys) and user_id alone (a prefix of (user_id, event_id)).
var replaced = map[string]bool{"ux_autofill_events_user_event": true, "ix_autofill_events_user_id": true}

// convertLocked is step 4, in a transaction that holds autofill_events (see the top).
func convertLocked(tx *gorm.DB, bound time.Time) error {
	var indexes []struct{ Name, Def string }
	if err := tx.Raw(`SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
		WHERE x.indrelid = 'autofill_events'::regclass
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)
		  AND i.relname NOT LIKE ?
		ORDER BY i.relname`, historyPartition+"%").Scan(&indexes).Error; err != nil {
		return fmt.Errorf("list the indexes of autofill_events: %w", err)
	}
	var keys []struct{ Name, Def, Kind string }
	if err := tx.Raw(`SELECT conname AS name, pg_get_constraintdef(oid) AS def, contype::text AS kind FROM pg_constraint
		WHERE conrelid = 'autofill_events'::regclass AND contype IN ('p', 'f') ORDER BY conname`).Scan(&keys).Error; err != nil {
		return fmt.Errorf("list the keys of autofill_events: %w", err)
	}
	stmts := []string{
		"DROP TRIGGER IF EXISTS learning_dirty_insert ON autofill_events",
		"DROP TRIGGER IF EXISTS learning_dirty_update ON autofill_events",
		"DROP TRIGGER IF EXISTS learning_dirty_delete ON autofill_events",
		"ALTER TABLE autofill_events RENAME TO " + historyPartition,
	}
	var parent []string
	for _, k := range keys {
		if k.Kind == "p" {
			stmts = append(stmts, "ALTER TABLE "+historyPartition+" DROP CONSTRAINT "+quoteIdent(k.Name))
			continue
		}
		parent = append(parent, "ALTER TABLE autofill_events ADD CONSTRAINT "+quoteIdent(k.Name)+" "+k.Def)
	}
	stmts = append(stmts, "ALTER TABLE "+historyPartition+" ADD CONSTRAINT "+historyPkey+" PRIMARY KEY USING INDEX "+historyPkey)
	for _, ix := range indexes {
		if replaced[ix.Name] {
			stmts = append(stmts, "DROP INDEX "+quoteIdent(ix.Name))
			continue
		}
		// The partition's index keeps its definition under another name; the parent's takes
		// the name, and ATTACH pairs them.
		stmts = append(stmts, "ALTER INDEX "+quoteIdent(ix.Name)+" RENAME TO "+quoteIdent(historyIndexName(ix.Name)))
		parent = append(parent, ix.Def)
	}
	stmts = append(stmts,
		"CREATE TABLE autofill_events (LIKE "+historyPartition+" INCLUDING DEFAULTS INCLUDING COMPRESSION INCLUDING STORAGE) PARTITION BY RANGE (created_at)",
		"ALTER TABLE autofill_events ADD CONSTRAINT autofill_events_pkey PRIMARY KEY (id, created_at)",
		"CREATE INDEX ix_autofill_events_user_event ON autofill_events (user_id, event_id)",
	)
	stmts = append(stmts, parent...)
	stmts = append(stmts, dirtyTriggersPostgres...)
	stmts = append(stmts,
		fmt.Sprintf("ALTER TABLE autofill_events ATTACH PARTITION %s FOR VALUES FROM (MINVALUE) TO ('%s')", historyPartition, bound.Format(time.RFC3339)),
		"ALTER TABLE "+historyPartition+" DROP CONSTRAINT IF EXISTS "+historyRange,
		"CREATE TABLE autofill_events_default PARTITION OF autofill_events DEFAULT",
	)
	return ddl(tx, stmts...)
}

// historyIndexName is the first partition's name for an index of the old table.
func historyIndexName(name string) string {
	if strings.Contains(name, "autofill_events") {
		name = strings.Replace(name, "autofill_events", historyPartition, 1)
	} else {
		name += "_history"
	}
	return name[:min(len(name), 63)]
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// convertEmptyEvents converts autofill_events inside the step's transaction if it is empty:
// in a savepoint that waits at most lockWait for each lock and finds the table still empty
// under its own. It reports false, having changed nothing and let go of the locks, when the
// table has rows or is in use: the backfill then converts it online.
func convertEmptyEvents(tx *gorm.DB) (bool, error) {
	// The rows are looked for in a savepoint rolled back at once, which lets go of the read's
	// lock: holding it, the LOCK TABLE below would be an upgrade, which deadlocks with a
	// serving process's statements.
	var found bool
	errLooked := errors.New("looked")
	err := tx.Transaction(func(sp *gorm.DB) error {
		var err error
		if found, err = eventsExist(sp); err != nil {
			return err
		}
		return errLooked
	})
	if !errors.Is(err, errLooked) {
		return false, err
	}
	if found {
		return false, nil
	}
	var wait string
	if err := tx.Raw("SELECT current_setting('lock_timeout')").Scan(&wait).Error; err != nil {
		return false, err
	}
	errBusy := errors.New("rows came")
	err = tx.Transaction(func(sp *gorm.DB) error {
		if err := ddl(sp, "SET LOCAL lock_timeout = '"+lockWait+"'", "LOCK TABLE autofill_events IN ACCESS EXCLUSIVE MODE"); err != nil {
			return err
		}
		if found, err := eventsExist(sp); err != nil || found {
			return cmp.Or(err, errBusy)
		}
		bound := boundAfter(time.Now(), nil)
		if err := ddl(sp, prepareStatements(sp, bound, false)...); err != nil {
			return err
		}
		return convertLocked(sp, bound)
	})
	if errors.Is(err, errBusy) || store.LockNotAvailable(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	// The steps after this one wait for their locks as before.
	return true, tx.Exec("SELECT set_config('lock_timeout', ?, true)", wait).Error
}

// dropConversionLeftovers drops what a conversion that stopped before its end added to the
// plain table (the step's rollback): the CHECK, which would go on refusing rows from the bound
// on, and the first partition's indexes.
func dropConversionLeftovers(tx *gorm.DB) error {
	stmts := []string{"DROP INDEX IF EXISTS " + historyPkey, "DROP INDEX IF EXISTS " + historyUserEvent}
	if found, err := hasHistoryRange(tx); err != nil {
		return err
	} else if found {
		stmts = append(stmts, "ALTER TABLE autofill_events DROP CONSTRAINT "+historyRange)
	}
	return ddl(tx, stmts...)
}

// unpartitionEvents turns autofill_events back into one table (the step's rollback). Unlike
// the conversion it copies the rows: rolling back is rare, and months cannot be merged into one
// table otherwise.
func unpartitionEvents(tx *gorm.DB) error {
	var indexes []struct{ Name, Def string }
	if err := tx.Raw(`SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
		WHERE x.indrelid = 'autofill_events'::regclass
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)
		ORDER BY i.relname`).Scan(&indexes).Error; err != nil {
		return fmt.Errorf("list the indexes of autofill_events: %w", err)
	}
	var fks []struct{ Name, Def string }
	if err := tx.Raw(`SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
		WHERE conrelid = 'autofill_events'::regclass AND contype = 'f' ORDER BY conname`).Scan(&fks).Error; err != nil {
		return fmt.Errorf("list the foreign keys of autofill_events: %w", err)
	}
	stmts := []string{
		"CREATE TABLE autofill_events_plain (LIKE autofill_events INCLUDING DEFAULTS INCLUDING COMPRESSION INCLUDING STORAGE)",
		"INSERT INTO autofill_events_plain SELECT * FROM autofill_events",
		"DROP TABLE autofill_events",
		"ALTER TABLE autofill_events_plain RENAME TO autofill_events",
		"ALTER TABLE autofill_events ADD CONSTRAINT autofill_events_pkey PRIMARY KEY (id)",
		"CREATE UNIQUE INDEX ux_autofill_events_user_event ON autofill_events (user_id, event_id)",
		"CREATE INDEX ix_autofill_events_user_id ON autofill_events (user_id)",
	}
	for _, k := range fks {
		stmts = append(stmts, "ALTER TABLE autofill_events ADD CONSTRAINT "+quoteIdent(k.Name)+" "+k.Def)
	}
	for _, ix := range indexes {
		if ix.Name == "ix_autofill_events_user_event" {
			continue
		}
		stmts = append(stmts, strings.Replace(ix.Def, " ON ONLY ", " ON ", 1))
	}
	return ddl(tx, append(stmts, dirtyTriggersPostgres...)...)
}
