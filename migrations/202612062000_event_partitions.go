package migrations

import (
	"fmt"

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
// table this step does it at once; on one with rows it only creates the key table and records
// the conversion, which RunBackfill carries out after the events backfill (it needs event_id
// filled), outside any step: the keys are filled in batches, a CHECK constraint validated while
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
		// Locked before it is read: a lock taken after reading would be an upgrade, which
		// deadlocks with a serving process's statements (the table is converted or left
		// alone at once, either way a moment).
		if err := ddl(tx, "LOCK TABLE autofill_events IN ACCESS EXCLUSIVE MODE"); err != nil {
			return err
		}
		var found []int
		if err := tx.Raw("SELECT 1 FROM autofill_events LIMIT 1").Scan(&found).Error; err != nil {
			return fmt.Errorf("look for events: %w", err)
		}
		if len(found) == 0 {
			// Nothing to copy or wait for: convert inside the step.
			return convertEvents(tx, nil)
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
			// As above: every partition locked before any is read.
			if err := ddl(tx, "LOCK TABLE autofill_events IN ACCESS EXCLUSIVE MODE"); err != nil {
				return err
			}
			if err := unpartitionEvents(tx); err != nil {
				return err
			}
		}
		return dropOwnedTable(tx, "autofill_event_keys")
	},
}
