package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// phase52SegmentKey adds the job's seniority segment to each event (Phase 5.2 of the seed).
// Its rollback removes exactly the column and its index, as the seed's rollback plan does.
var phase52SegmentKey = &gormigrate.Migration{
	ID: "202511140000_phase52_segment_key",
	Migrate: func(tx *gorm.DB) error {
		if err := addColumn(tx, "autofill_events", "segment_key", "varchar(128)"); err != nil {
			return err
		}
		return ddl(tx, "CREATE INDEX IF NOT EXISTS ix_autofill_events_segment_key ON autofill_events (segment_key)")
	},
	Rollback: func(tx *gorm.DB) error {
		if err := ddl(tx, "DROP INDEX IF EXISTS ix_autofill_events_segment_key"); err != nil {
			return err
		}
		return dropColumn(tx, "autofill_events", "segment_key")
	},
}
