package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// reportWeeklyEvents adds to the dashboard's rollup what lets the overview of a long window
// read few rows:
//
//   - report_weekly_events: report_daily_events summed by week (Monday to Sunday, UTC, named by
//     its Monday), with the same keys and counts: a window reads its weeks from here and only
//     the days before its first Monday from the daily rows;
//   - report_day_totals: each day's events, for the overview's chart.
//
// It forgets the rollup's state, so that the next refresh rebuilds it with both filled.
var reportWeeklyEvents = &gormigrate.Migration{
	ID: "202612062100_report_weekly_events",
	Migrate: func(tx *gorm.DB) error {
		if err := createTableIfMissing(tx, "report_weekly_events", `
			week               varchar(10)  NOT NULL,
			segment_key        varchar(128) NOT NULL DEFAULT '',
			policy             varchar(16)  NOT NULL DEFAULT '',
			gen_style_id       text         NOT NULL DEFAULT '',
			feedback_status    varchar(16)  NOT NULL DEFAULT '',
			discipline         varchar(32)  NOT NULL DEFAULT '',
			events             bigint       NOT NULL,
			ok_events          bigint       NOT NULL,
			propensity_events  bigint       NOT NULL DEFAULT 0,
			inv_propensity     {double}     NOT NULL DEFAULT 0,
			inv_propensity_var {double}     NOT NULL DEFAULT 0`); err != nil {
			return err
		}
		if err := createTableIfMissing(tx, "report_day_totals", `
			day    varchar(10) PRIMARY KEY,
			events bigint      NOT NULL`); err != nil {
			return err
		}
		return ddl(tx,
			"CREATE INDEX IF NOT EXISTS ix_report_weekly_events_week ON report_weekly_events (week)",
			"DELETE FROM report_state WHERE name = 'events'")
	},
	Rollback: func(tx *gorm.DB) error {
		for _, name := range []string{"report_day_totals", "report_weekly_events"} {
			if err := dropOwnedTable(tx, name); err != nil {
				return err
			}
		}
		return ddl(tx, "DELETE FROM report_state WHERE name = 'events'")
	},
}
