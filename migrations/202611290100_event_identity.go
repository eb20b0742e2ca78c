package migrations

import (
	"strings"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// eventIdentity adds the client's idempotency key and the run's provenance. Existing events get
// event_id = id and the host family of their host, computed with this step's own copy of the
// family table (so the step means the same thing forever), from the events backfill
// (backfill.go), which also makes event_id NOT NULL on Postgres when it is done. The unique
// index is built here, on NULLs for existing rows, because the writers' idempotent insert
// needs it from the first sync.
var eventIdentity = &gormigrate.Migration{
	ID: "202611290100_event_identity",
	Migrate: func(tx *gorm.DB) error {
		cols := [][2]string{
			{"event_id", "{uuid}"},
			{"host_family", "varchar(32)"},
			{"propensity", "{double}"},
			{"occurred_at", "{ts}"},
			{"feedback_at", "{ts}"},
		}
		for _, c := range cols {
			if err := addColumn(tx, "autofill_events", c[0], c[1]); err != nil {
				return err
			}
		}
		if err := ddl(tx,
			"CREATE UNIQUE INDEX IF NOT EXISTS ux_autofill_events_user_event ON autofill_events (user_id, event_id)",
			"CREATE INDEX IF NOT EXISTS ix_autofill_events_host_family ON autofill_events (host_family)",
		); err != nil {
			return err
		}
		return requireBackfill(tx)
	},
	Rollback: func(tx *gorm.DB) error {
		if err := dropBackfill(tx); err != nil {
			return err
		}
		if err := ddl(tx,
			"DROP INDEX IF EXISTS ux_autofill_events_user_event",
			"DROP INDEX IF EXISTS ix_autofill_events_host_family",
		); err != nil {
			return err
		}
		for _, c := range []string{"feedback_at", "occurred_at", "propensity", "host_family", "event_id"} {
			if err := dropColumn(tx, "autofill_events", c); err != nil {
				return err
			}
		}
		return nil
	},
}

// familyAt202611 is the host-family rule as of this step: a suffix on a dot boundary; "" for
// a host in no family.
func familyAt202611(host string) string {
	host = strings.TrimPrefix(strings.TrimSuffix(strings.ToLower(host), "."), "www.")
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		host = host[:i]
	}
	for _, f := range [][2]string{
		{"greenhouse.io", "greenhouse"}, {"lever.co", "lever"},
		{"myworkdayjobs.com", "workday"}, {"myworkdaysite.com", "workday"},
		{"ashbyhq.com", "ashby"}, {"bamboohr.com", "bamboohr"},
		{"smartrecruiters.com", "smartrecruiters"}, {"icims.com", "icims"},
		{"jobvite.com", "jobvite"}, {"workable.com", "workable"},
	} {
		if host == f[0] || strings.HasSuffix(host, "."+f[0]) {
			return f[1]
		}
	}
	return ""
}
