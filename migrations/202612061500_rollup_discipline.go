package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// rollupDiscipline adds the job's discipline (empty for none) to report_daily_events, so that the
// overview shows the window's events by seniority × discipline without reading the events. It
// forgets the rollup's state, so that the next refresh rebuilds it with the column filled.
var rollupDiscipline = &gormigrate.Migration{
	ID: "202612061500_rollup_discipline",
	Migrate: func(tx *gorm.DB) error {
		if err := addColumn(tx, "report_daily_events", "discipline", "varchar(32) NOT NULL DEFAULT ''"); err != nil {
			return err
		}
		return ddl(tx, "DELETE FROM report_state WHERE name = 'events'")
	},
	Rollback: func(tx *gorm.DB) error {
		if err := dropColumn(tx, "report_daily_events", "discipline"); err != nil {
			return err
		}
		return ddl(tx, "DELETE FROM report_state WHERE name = 'events'")
	},
}
