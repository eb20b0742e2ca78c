package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// queryIndexes fits the aggregator's window scans and the shipped client's feedback lookup
// (the caller's latest event on a form).
var queryIndexes = &gormigrate.Migration{
	ID: "202611290500_query_indexes",
	Migrate: func(tx *gorm.DB) error {
		return ddl(tx,
			"CREATE INDEX IF NOT EXISTS ix_autofill_events_host_schema_created ON autofill_events (host, schema_hash, created_at)",
			"CREATE INDEX IF NOT EXISTS ix_autofill_events_user_form_created ON autofill_events (user_id, host, schema_hash, created_at)",
		)
	},
	Rollback: func(tx *gorm.DB) error {
		return ddl(tx,
			"DROP INDEX IF EXISTS ix_autofill_events_host_schema_created",
			"DROP INDEX IF EXISTS ix_autofill_events_user_form_created",
		)
	},
}
