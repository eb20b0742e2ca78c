package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// mapDaysByForm indexes the canonical-map votes of the learning rollups by form: a run reads
// them a chunk of forms at a time (learning.runPlan.eachChunk), for the forms it is planning,
// instead of every form's at once. The table holds one row per day × form × map fingerprint
// (about 216 B per event-day of a form), so the index builds in seconds on a database of any
// size; only the fold waits for it.
var mapDaysByForm = &gormigrate.Migration{
	ID: "202612062110_map_days_by_form",
	Migrate: func(tx *gorm.DB) error {
		return ddl(tx, "CREATE INDEX IF NOT EXISTS ix_learning_map_days_form ON learning_map_days (host, schema_hash, day)")
	},
	Rollback: func(tx *gorm.DB) error {
		return ddl(tx, "DROP INDEX IF EXISTS ix_learning_map_days_form")
	},
}
