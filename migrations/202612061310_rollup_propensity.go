package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// rollupPropensity adds to report_daily_events what the overview's sample-ratio check of the
// explore rate needs from the events' logged propensities p, per (day, segment, policy, style,
// rating): how many events have a usable p (0 < p ≤ 1), Σ 1/p and Σ (1−p)/p². It forgets the
// rollup's state, so that the next refresh rebuilds it with the new columns filled.
var rollupPropensity = &gormigrate.Migration{
	ID: "202612061310_rollup_propensity",
	Migrate: func(tx *gorm.DB) error {
		for _, c := range []struct{ name, typ string }{
			{"propensity_events", "bigint NOT NULL DEFAULT 0"},
			{"inv_propensity", "{double} NOT NULL DEFAULT 0"},
			{"inv_propensity_var", "{double} NOT NULL DEFAULT 0"},
		} {
			if err := addColumn(tx, "report_daily_events", c.name, c.typ); err != nil {
				return err
			}
		}
		return ddl(tx, "DELETE FROM report_state WHERE name = 'events'")
	},
	Rollback: func(tx *gorm.DB) error {
		for _, c := range []string{"inv_propensity_var", "inv_propensity", "propensity_events"} {
			if err := dropColumn(tx, "report_daily_events", c); err != nil {
				return err
			}
		}
		return nil
	},
}
