package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// phase54Policy records how the extension picked the style of a run (Phase 5.4).
var phase54Policy = &gormigrate.Migration{
	ID: "202511200000_phase54_policy",
	Migrate: func(tx *gorm.DB) error {
		if err := addColumn(tx, "autofill_events", "policy", "varchar(16)"); err != nil {
			return err
		}
		return ddl(tx, "CREATE INDEX IF NOT EXISTS ix_autofill_events_policy ON autofill_events (policy)")
	},
	Rollback: func(tx *gorm.DB) error {
		if err := ddl(tx, "DROP INDEX IF EXISTS ix_autofill_events_policy"); err != nil {
			return err
		}
		return dropColumn(tx, "autofill_events", "policy")
	},
}
