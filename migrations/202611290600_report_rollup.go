package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// reportRollup adds the dashboard's rollup of autofill events, so that the overview never
// scans the events table on a request:
//
//   - report_daily_events: event counts by UTC day, segment, policy, style and rating;
//   - report_users / report_forms: when each user and each form was last active, which
//     answers "active in the last N days" exactly;
//   - report_state: when the rollup was last refreshed and how far it covers.
//
// app/report refreshes them set-based in the background (recent days) and can rebuild them
// from scratch. feedback_at gets an index so that the refresher finds the days whose events
// were rated since its last pass.
var reportRollup = &gormigrate.Migration{
	ID: "202611290600_report_rollup",
	Migrate: func(tx *gorm.DB) error {
		tables := []struct{ name, body string }{
			{"report_daily_events", `
				day             varchar(10)  NOT NULL,
				segment_key     varchar(128) NOT NULL DEFAULT '',
				policy          varchar(16)  NOT NULL DEFAULT '',
				gen_style_id    text         NOT NULL DEFAULT '',
				feedback_status varchar(16)  NOT NULL DEFAULT '',
				events          bigint       NOT NULL,
				ok_events       bigint       NOT NULL`},
			{"report_users", `
				user_id       varchar(64) PRIMARY KEY,
				last_event_at {ts}        NOT NULL`},
			{"report_forms", `
				host          text NOT NULL,
				schema_hash   text NOT NULL,
				last_event_at {ts} NOT NULL,
				PRIMARY KEY (host, schema_hash)`},
			{"report_state", `
				name          varchar(32) PRIMARY KEY,
				refreshed_at  {ts}        NOT NULL,
				covered_until {ts}        NOT NULL,
				rebuilt_at    {ts}        NOT NULL`},
		}
		for _, t := range tables {
			if err := createTableIfMissing(tx, t.name, t.body); err != nil {
				return err
			}
		}
		return ddl(tx,
			"CREATE INDEX IF NOT EXISTS ix_report_daily_events_day ON report_daily_events (day)",
			"CREATE INDEX IF NOT EXISTS ix_report_users_last_event_at ON report_users (last_event_at)",
			"CREATE INDEX IF NOT EXISTS ix_report_forms_last_event_at ON report_forms (last_event_at)",
			"CREATE INDEX IF NOT EXISTS ix_autofill_events_feedback_at ON autofill_events (feedback_at)",
		)
	},
	Rollback: func(tx *gorm.DB) error {
		if err := ddl(tx, "DROP INDEX IF EXISTS ix_autofill_events_feedback_at"); err != nil {
			return err
		}
		for _, name := range []string{"report_state", "report_forms", "report_users", "report_daily_events"} {
			if err := dropOwnedTable(tx, name); err != nil {
				return err
			}
		}
		return nil
	},
}
