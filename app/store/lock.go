package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"

	"gorm.io/gorm"
)

// The advisory locks of the service, by name.
const (
	LockMigrate    = "migrate"    // migrators, for the whole chain
	LockAggregator = "aggregator" // an aggregator run, for its whole duration
	LockRollup     = "rollup"     // a refresh of the dashboard's rollup, for its transaction
	// LockLearningRollup: a fold of the aggregator's rollups (learning.FoldRollups), for its transaction
	LockLearningRollup = "learning-rollup"
	// LockBackfill: the adoption backfill (migrations.RunBackfill), for its whole run
	LockBackfill = "backfill"
	// LockPartitions: creating or dropping a partition of the events (every serve's refresher does).
	LockPartitions = "partitions"
)

// AdvisoryKeySQL is the SQL expression of the Postgres advisory lock called name. Advisory
// locks belong to the whole database, so the key is a hash of the name and the current
// schema: deployments (and tests) that share a database in separate schemas do not block each
// other.
func AdvisoryKeySQL(name string) string {
	return "hashtextextended('applylens." + name + ":' || current_schema(), 0)"
}

// WithAdvisoryLock runs fn on one connection of db that holds the lock called name, waiting
// for it, and releases it afterwards. On SQLite, whose single writer serialises by itself, it
// runs fn(db).
func WithAdvisoryLock(ctx context.Context, db *gorm.DB, name string, fn func(conn *gorm.DB) error) error {
	db = db.WithContext(ctx)
	if !IsPostgres(db) {
		return fn(db)
	}
	return db.Connection(func(conn *gorm.DB) error {
		if err := conn.Exec("SELECT pg_advisory_lock(" + AdvisoryKeySQL(name) + ")").Error; err != nil {
			return fmt.Errorf("take the %s lock: %w", name, err)
		}
		defer conn.Exec("SELECT pg_advisory_unlock(" + AdvisoryKeySQL(name) + ")")
		return fn(conn)
	})
}

// AdvisoryXactLock takes the lock called name until the transaction tx ends, waiting for it
// (Postgres; nothing on SQLite).
func AdvisoryXactLock(tx *gorm.DB, name string) error {
	if !IsPostgres(tx) {
		return nil
	}
	if err := tx.Exec("SELECT pg_advisory_xact_lock(" + AdvisoryKeySQL(name) + ")").Error; err != nil {
		return fmt.Errorf("take the %s lock: %w", name, err)
	}
	return nil
}

// TryAdvisoryXactLock takes the lock called name until the transaction tx ends if no other
// session holds it (in either mode), without waiting; held says whether it did (Postgres;
// always true on SQLite, whose single writer serialises by itself).
func TryAdvisoryXactLock(tx *gorm.DB, name string) (held bool, err error) {
	if !IsPostgres(tx) {
		return true, nil
	}
	if err := tx.Raw("SELECT pg_try_advisory_xact_lock(" + AdvisoryKeySQL(name) + ")").Scan(&held).Error; err != nil {
		return false, fmt.Errorf("try the %s lock: %w", name, err)
	}
	return held, nil
}

// AdvisoryXactLockShared takes the lock called name in shared mode until the transaction tx
// ends, waiting while another holds it exclusively: holders in shared mode run together, and
// AdvisoryXactLock waits for them all (Postgres; nothing on SQLite).
func AdvisoryXactLockShared(tx *gorm.DB, name string) error {
	if !IsPostgres(tx) {
		return nil
	}
	if err := tx.Exec("SELECT pg_advisory_xact_lock_shared(" + AdvisoryKeySQL(name) + ")").Error; err != nil {
		return fmt.Errorf("take the %s lock (shared): %w", name, err)
	}
	return nil
}

// HoldAdvisoryLock takes the lock called name on a connection of db's pool pinned for the
// holder, for a lock that outlives the call that takes it (an aggregator run). wait=false
// tries once: held is false, with no error, when another session has it. release unlocks and
// returns the connection to the pool, or drops it when unlocking fails, which ends its session
// and frees the lock; if the process dies, Postgres frees it the same way. Postgres only.
func HoldAdvisoryLock(ctx context.Context, db *gorm.DB, name string, wait bool) (conn *sql.Conn, release func() error, held bool, err error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, nil, false, err
	}
	conn, err = sqlDB.Conn(ctx)
	if err != nil {
		return nil, nil, false, err
	}
	fn := "pg_try_advisory_lock"
	if wait {
		fn = "pg_advisory_lock"
	}
	ok := true
	q := "SELECT " + fn + "(" + AdvisoryKeySQL(name) + ")"
	if wait {
		_, err = conn.ExecContext(ctx, q)
	} else {
		err = conn.QueryRowContext(ctx, q).Scan(&ok)
	}
	if err != nil || !ok {
		_ = conn.Close()
		if err != nil {
			return nil, nil, false, fmt.Errorf("take the %s lock: %w", name, err)
		}
		return nil, nil, false, nil
	}
	release = func() error {
		var unlocked bool
		err := conn.QueryRowContext(context.Background(), "SELECT pg_advisory_unlock("+AdvisoryKeySQL(name)+")").Scan(&unlocked)
		if err != nil || !unlocked {
			// Never hand a connection that may still hold the lock back to the pool.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		_ = conn.Close()
		if err == nil && !unlocked {
			err = fmt.Errorf("the %s lock was not held", name)
		}
		return err
	}
	return conn, release, true, nil
}
