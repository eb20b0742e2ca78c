package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// runChanges records what each aggregator run changed: aggregator_runs.picks_changed counts
// the (form, segment) picks whose style changed, and aggregator_run_changes keeps the first
// ones (learning.MaxPickChanges) with from, to and why. A run's changes go with it.
var runChanges = &gormigrate.Migration{
	ID: "202612061320_run_changes",
	Migrate: func(tx *gorm.DB) error {
		if err := addColumn(tx, "aggregator_runs", "picks_changed", "integer NOT NULL DEFAULT 0"); err != nil {
			return err
		}
		return createTableIfMissing(tx, "aggregator_run_changes", `
			run_id      varchar(64)  NOT NULL REFERENCES aggregator_runs (id) ON DELETE CASCADE,
			seq         integer      NOT NULL,
			host        text         NOT NULL,
			schema_hash text         NOT NULL,
			segment_key varchar(128) NOT NULL,
			from_style  text,
			to_style    text,
			from_source varchar(16)  NOT NULL,
			to_source   varchar(16)  NOT NULL,
			reason      text         NOT NULL,
			PRIMARY KEY (run_id, seq)`)
	},
	Rollback: func(tx *gorm.DB) error {
		if err := dropOwnedTable(tx, "aggregator_run_changes"); err != nil {
			return err
		}
		return dropColumn(tx, "aggregator_runs", "picks_changed")
	},
}
