package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// eventPartitions partitions autofill_events by month of created_at on Postgres (issue 12),
// so that retention drops a month instead of deleting its rows one by one. The embedded
// SQLite keeps one table.
//
// A partitioned table's unique keys must include the partition key, so the replay key
// (user_id, event_id) moves out of it into autofill_event_keys, whose primary key it is: a
// writer stores a key first and only the events whose key was new (learning.SaveEvents), and
// the key goes with its event (a user's deletion, retention). The events keep a plain index on
// (user_id, event_id) for ratings, which replaces the one on user_id alone; their primary key
// becomes (id, created_at).
//
// The existing table becomes the first partition, without a copy (partition.go): on an empty
// table that it can lock within lockWait this step does it at once; otherwise it only creates
// the key table and records the conversion, without locking the table, which RunBackfill
// carries out after the events backfill (it needs event_id filled), outside any step: the keys are filled in batches, a CHECK constraint validated while
// writes go on lets ATTACH skip its scan, the new indexes are built concurrently, and a moment's
// lock renames the table and attaches it. The months ahead are made by the service's refresher
// (learning.EnsurePartitions); a DEFAULT partition holds whatever no month takes.
var eventPartitions = &gormigrate.Migration{
	ID: "202612062000_event_partitions",
	Migrate: func(tx *gorm.DB) error {
		if !isPostgres(tx) {
			return nil
		}
		if err := createTableIfMissing(tx, "autofill_event_keys", `user_id varchar(64) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
			event_id uuid NOT NULL,
			created_at timestamptz NOT NULL,
			PRIMARY KEY (user_id, event_id)`); err != nil {
			return err
		}
		// Keys arrive in created_at order: a BRIN index finds retention's in a few pages and
		// costs a sync next to nothing.
		if err := ddl(tx, "CREATE INDEX IF NOT EXISTS ix_autofill_event_keys_created_at ON autofill_event_keys USING brin (created_at)"); err != nil {
			return err
		}
		done, err := eventsPartitioned(tx)
		if err != nil || done {
			return err
		}
		// An empty table is converted at once, if it can be locked within lockWait; one with
		// rows, or in use, is left to the backfill, and the step locks nothing: gormigrate
		// holds a step's locks until the last pending step commits.
		converted, err := convertEmptyEvents(tx)
		if err != nil || converted {
			return err
		}
		return requirePartitioning(tx)
	},
	Rollback: func(tx *gorm.DB) error {
		if !isPostgres(tx) {
			return nil
		}
		if err := forgetPartitioning(tx); err != nil {
			return err
		}
		done, err := eventsPartitioned(tx)
		if err != nil {
			return err
		}
		if done {
			// Every partition locked before any is read: a lock taken after reading would be
			// an upgrade, which deadlocks with a serving process's statements.
			if err := ddl(tx, "LOCK TABLE autofill_events IN ACCESS EXCLUSIVE MODE"); err != nil {
				return err
			}
			if err := unpartitionEvents(tx); err != nil {
				return err
			}
		} else if err := dropConversionLeftovers(tx); err != nil {
			return err
		}
		return dropOwnedTable(tx, "autofill_event_keys")
	},
}
