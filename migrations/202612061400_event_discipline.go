package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// eventDiscipline stores each event's job discipline (engineering, data, design, …; issue 14),
// derived at ingest from the job's title by learning's rules, with the version of those rules
// (discipline_rules), and indexes it for the aggregator's and the dashboard's grouping.
//
// No backfill: an event's job title has never been stored (only the segment derived from it),
// so existing events have no title to classify and keep a NULL discipline: the model counts
// them at the segment level and above, as it does every run with no discipline.
var eventDiscipline = &gormigrate.Migration{
	ID: "202612061400_event_discipline",
	Migrate: func(tx *gorm.DB) error {
		if err := addColumn(tx, "autofill_events", "discipline", "varchar(32)"); err != nil {
			return err
		}
		if err := addColumn(tx, "autofill_events", "discipline_rules", "smallint"); err != nil {
			return err
		}
		return ddl(tx, "CREATE INDEX IF NOT EXISTS ix_autofill_events_discipline ON autofill_events (discipline)")
	},
	Rollback: func(tx *gorm.DB) error {
		if err := ddl(tx, "DROP INDEX IF EXISTS ix_autofill_events_discipline"); err != nil {
			return err
		}
		if err := dropColumn(tx, "autofill_events", "discipline_rules"); err != nil {
			return err
		}
		return dropColumn(tx, "autofill_events", "discipline")
	},
}
