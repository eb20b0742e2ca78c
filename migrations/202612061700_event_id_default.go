package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// eventIDDefault lets a writer that does not know event_id still store an event on Postgres,
// where the events backfill makes the column NOT NULL: the original service during a rolling
// switch, or a bulk import. Such a row gets a random key of its own (no client replays it by
// that key); its host family and derived columns are filled by the aggregator's next fold.
// SQLite's column takes NULL and needs nothing.
var eventIDDefault = &gormigrate.Migration{
	ID: "202612061700_event_id_default",
	Migrate: func(tx *gorm.DB) error {
		if !isPostgres(tx) {
			return nil
		}
		return ddl(tx, "ALTER TABLE autofill_events ALTER COLUMN event_id SET DEFAULT gen_random_uuid()")
	},
	Rollback: func(tx *gorm.DB) error {
		if !isPostgres(tx) {
			return nil
		}
		return ddl(tx, "ALTER TABLE autofill_events ALTER COLUMN event_id DROP DEFAULT")
	},
}
