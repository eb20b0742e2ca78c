package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// profileCounters adds what the aggregator and the dashboard show of each form.
var profileCounters = &gormigrate.Migration{
	ID: "202611290300_profile_counters",
	Migrate: func(tx *gorm.DB) error {
		for _, c := range [][2]string{
			{"event_count", "integer NOT NULL DEFAULT 0"},
			{"last_event_at", "{ts}"},
			{"updated_at", "{ts}"},
		} {
			if err := addColumn(tx, "form_profiles", c[0], c[1]); err != nil {
				return err
			}
		}
		return ddl(tx, "UPDATE form_profiles SET updated_at = created_at WHERE updated_at IS NULL")
	},
	Rollback: func(tx *gorm.DB) error {
		for _, c := range []string{"updated_at", "last_event_at", "event_count"} {
			if err := dropColumn(tx, "form_profiles", c); err != nil {
				return err
			}
		}
		return nil
	},
}
