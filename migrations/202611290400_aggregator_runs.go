package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// aggregatorRuns records every run of the aggregator: who started it, its progress and result.
var aggregatorRuns = &gormigrate.Migration{
	ID: "202611290400_aggregator_runs",
	Migrate: func(tx *gorm.DB) error {
		if err := createTableIfMissing(tx, "aggregator_runs", `
			id               varchar(64) PRIMARY KEY,
			triggered_by     varchar(16) NOT NULL,
			days             integer     NOT NULL,
			dry_run          boolean     NOT NULL DEFAULT false,
			status           varchar(16) NOT NULL,
			forms_total      integer     NOT NULL DEFAULT 0,
			forms_done       integer     NOT NULL DEFAULT 0,
			events_read      bigint      NOT NULL DEFAULT 0,
			profiles_updated integer     NOT NULL DEFAULT 0,
			hints_changed    integer     NOT NULL DEFAULT 0,
			source_mix       {json}      NOT NULL DEFAULT '{}',
			error            text,
			started_at       {ts}        NOT NULL,
			heartbeat_at     {ts}        NOT NULL,
			finished_at      {ts},
			duration_ms      bigint`); err != nil {
			return err
		}
		return ddl(tx,
			"CREATE INDEX IF NOT EXISTS ix_aggregator_runs_started_at ON aggregator_runs (started_at)",
			"CREATE INDEX IF NOT EXISTS ix_aggregator_runs_status ON aggregator_runs (status)",
		)
	},
	Rollback: func(tx *gorm.DB) error { return dropOwnedTable(tx, "aggregator_runs") },
}
