package learning

import (
	"context"
	"fmt"
	"regexp"
	"time"

	"gorm.io/gorm"

	"github.com/applylens/learning/app/store"
)

// On Postgres autofill_events is partitioned by month of created_at (migration
// 202612062000_event_partitions): autofill_events_history holds every row before the month the
// table was converted in (its lower bound open), one partition a month follows, named
// autofill_events_yYYYYmMM, and autofill_events_default takes what no partition does (an
// event loaded with a created_at far ahead). The refresher keeps partitions ahead
// (EnsurePartitions) and, with RETENTION_DAYS, drops the months wholly before the horizon
// (DropPartitions) before deleting the rest by range (PurgeEvents). SQLite keeps one table.

// MonthsAhead is how many months after the current one have a partition.
const MonthsAhead = 2

// eventsPartition is one partition of autofill_events and its range; From is zero for an open
// lower bound, To zero for the default partition.
type eventsPartition struct {
	Name     string
	From, To time.Time
	Default  bool
}

// partitionBound matches a range partition's bounds as pg_get_expr prints them.
var partitionBound = regexp.MustCompile(`FROM \((MINVALUE|'[^']+')\) TO \((MAXVALUE|'[^']+')\)`)

// eventsPartitions lists the partitions of autofill_events; nil when the table is not
// partitioned (SQLite, or a conversion still pending).
func eventsPartitions(tx *gorm.DB) ([]eventsPartition, error) {
	if !store.IsPostgres(tx) {
		return nil, nil
	}
	var rows []struct{ Name, Bound string }
	// Bounds print in the session's time zone: UTC inside this transaction.
	err := tx.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL TimeZone = 'UTC'").Error; err != nil {
			return err
		}
		return tx.Raw(`SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
			FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
			WHERE i.inhparent = to_regclass('autofill_events') ORDER BY c.relname`).Scan(&rows).Error
	})
	if err != nil {
		return nil, fmt.Errorf("list the partitions of autofill_events: %w", err)
	}
	parts := make([]eventsPartition, 0, len(rows))
	for _, r := range rows {
		p := eventsPartition{Name: r.Name}
		if r.Bound == "DEFAULT" {
			p.Default = true
			parts = append(parts, p)
			continue
		}
		m := partitionBound.FindStringSubmatch(r.Bound)
		if m == nil {
			return nil, fmt.Errorf("partition %s: unexpected bound %q", r.Name, r.Bound)
		}
		for i, dst := range []*time.Time{&p.From, &p.To} {
			v := m[i+1]
			if v == "MINVALUE" || v == "MAXVALUE" {
				continue
			}
			t, err := time.Parse("2006-01-02 15:04:05-07", v[1:len(v)-1])
			if err != nil {
				return nil, fmt.Errorf("partition %s: bound %s: %w", r.Name, v, err)
			}
			*dst = t.UTC()
		}
		parts = append(parts, p)
	}
	return parts, nil
}

// covers reports whether p takes some of [from, to).
func (p eventsPartition) overlaps(from, to time.Time) bool {
	if p.Default {
		return false
	}
	return (p.From.IsZero() || p.From.Before(to)) && (p.To.IsZero() || from.Before(p.To))
}

// monthStart is the first instant of t's UTC month.
func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// EnsurePartitions creates the partitions of the month of now and of the MonthsAhead after it
// that no partition covers yet (one may: the first partition runs to the month after the
// conversion), moving into each the rows the default partition held for its month. Each is
// created in its own short transaction that waits at most a second for its locks; one that
// cannot get them is left to the next pass. It returns the partitions it created.
func EnsurePartitions(ctx context.Context, db *gorm.DB, now time.Time) ([]string, error) {
	db = db.WithContext(ctx)
	parts, err := eventsPartitions(db)
	if err != nil || len(parts) == 0 {
		return nil, err
	}
	var created []string
	for i := 0; i <= MonthsAhead; i++ {
		from := monthStart(now).AddDate(0, i, 0)
		to := from.AddDate(0, 1, 0)
		taken := false
		for _, p := range parts {
			taken = taken || p.overlaps(from, to)
		}
		if taken {
			continue
		}
		name := fmt.Sprintf("autofill_events_y%04dm%02d", from.Year(), from.Month())
		made, err := createPartition(db, parts, name, from, to)
		if store.LockNotAvailable(err) {
			continue // busy now (a reader of the default partition): the next pass makes it
		}
		if err != nil {
			return created, fmt.Errorf("create partition %s: %w", name, err)
		}
		if made {
			created = append(created, name)
		}
	}
	return created, nil
}

// partitionTx runs fn in a transaction that waits at most a second for each lock and holds
// the partitions' advisory lock (every serve's refresher makes and drops them). fn learns
// whether the table called name exists, as seen under the lock.
func partitionTx(db *gorm.DB, name string, fn func(tx *gorm.DB, exists bool) error) error {
	return db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL lock_timeout = '1s'").Error; err != nil {
			return err
		}
		if err := store.AdvisoryXactLock(tx, store.LockPartitions); err != nil {
			return err
		}
		var found int64
		if err := tx.Raw("SELECT COUNT(*) FROM pg_class WHERE oid = to_regclass(?)", name).Scan(&found).Error; err != nil {
			return err
		}
		return fn(tx, found == 1)
	})
}

// createPartition creates name for [from, to) and attaches it, unless another process just
// did: ATTACH takes a lighter lock on the parent than CREATE … PARTITION OF, so syncs go on
// meanwhile.
func createPartition(db *gorm.DB, parts []eventsPartition, name string, from, to time.Time) (made bool, err error) {
	lit := func(t time.Time) string { return "'" + t.Format(time.RFC3339) + "'" }
	err = partitionTx(db, name, func(tx *gorm.DB, exists bool) error {
		if exists {
			return nil
		}
		stmts := []string{
			"CREATE TABLE " + name + " (LIKE autofill_events INCLUDING DEFAULTS INCLUDING COMPRESSION INCLUDING STORAGE)",
		}
		for _, p := range parts {
			if p.Default {
				// Rows that arrived before their month had a partition move to it (they keep
				// their values: nothing to mark, no key changes).
				stmts = append(stmts, fmt.Sprintf(`WITH moved AS (DELETE FROM %s WHERE created_at >= %s AND created_at < %s RETURNING *)
					INSERT INTO %s SELECT * FROM moved`, p.Name, lit(from), lit(to), name))
			}
		}
		stmts = append(stmts, fmt.Sprintf("ALTER TABLE autofill_events ATTACH PARTITION %s FOR VALUES FROM (%s) TO (%s)", name, lit(from), lit(to)))
		for _, s := range stmts {
			if err := tx.Exec(s).Error; err != nil {
				return err
			}
		}
		made = true
		return nil
	})
	return made, err
}

// DropPartitions drops the partitions of autofill_events whose every row was received before
// before (the retention horizon), each in its own transaction that waits at most a second for
// its locks: dropping locks autofill_events itself, so a partition it cannot lock now (a
// reader of the events, a fold, an export) is skipped, its rows deleted by range by
// PurgeEvents, and itself dropped by a later pass. Dropping fires no trigger, so it marks the
// learning rollups' cells of those days itself, once it holds the partition's lock and in the
// same transaction: the next fold finds them empty and drops them, as it does after
// PurgeEvents. The caller makes sure the dashboard's rollup holds those days first
// (report.Retain). It returns the partitions it dropped.
func DropPartitions(ctx context.Context, db *gorm.DB, before time.Time) ([]string, error) {
	db = db.WithContext(ctx)
	parts, err := eventsPartitions(db)
	if err != nil {
		return nil, err
	}
	var dropped []string
	for _, p := range parts {
		if p.Default || p.To.IsZero() || p.To.After(before) {
			continue
		}
		from := ""
		if !p.From.IsZero() {
			from = p.From.Format(time.DateOnly)
		}
		to := p.To.Format(time.DateOnly)
		gone := false
		err := partitionTx(db, p.Name, func(tx *gorm.DB, exists bool) error {
			if gone = !exists; gone {
				return nil // another process dropped it
			}
			// Lock the partition first: that waits for its readers (a fold under way), so the
			// marks, a statement later, see the cells such a fold committed meanwhile. Locking
			// the partition leaves the parent alone; DROP locks the parent too (every sync waits
			// then), so it comes last.
			if err := tx.Exec("LOCK TABLE " + p.Name + " IN ACCESS EXCLUSIVE MODE").Error; err != nil {
				return err
			}
			if err := tx.Exec(`INSERT INTO learning_dirty (day, host, schema_hash)
				SELECT day, host, schema_hash FROM learning_cells WHERE day >= ? AND day < ?
				UNION SELECT day, host, schema_hash FROM learning_map_days WHERE day >= ? AND day < ?`, from, to, from, to).Error; err != nil {
				return fmt.Errorf("mark the cells of %s: %w", p.Name, err)
			}
			return tx.Exec("DROP TABLE " + p.Name).Error
		})
		if store.LockNotAvailable(err) {
			continue // in use (DROP locks the parent too): PurgeEvents deletes its rows by range
		}
		if err != nil {
			return dropped, fmt.Errorf("drop partition %s: %w", p.Name, err)
		}
		if !gone {
			dropped = append(dropped, p.Name)
		}
	}
	return dropped, nil
}
