package report

import (
	"embed"

	"github.com/applylens/learning/app/store"
)

// The statements report writes by hand, one file each in sql/ (name.sql, or a
// name.postgres.sql and name.sqlite.sql pair): see store.Statement. The lists with optional
// filters (ListProfiles, ListEvents) are built with GORM's conditions instead.
var (
	//go:embed sql/*.sql
	sqlFiles embed.FS

	sqlOverviewRollup   = store.MustStatement(sqlFiles, "sql/overview_rollup")
	sqlOverviewDaily    = store.MustStatement(sqlFiles, "sql/overview_daily")
	sqlOverviewActivity = store.MustStatement(sqlFiles, "sql/overview_activity")
	sqlMixSources       = store.MustStatement(sqlFiles, "sql/mix_sources")
	sqlMixSegmentHints  = store.MustStatement(sqlFiles, "sql/mix_segment_hints")
	sqlMixHintPolicies  = store.MustStatement(sqlFiles, "sql/mix_hint_policies")
	sqlMixFingerprint   = store.MustStatement(sqlFiles, "sql/mix_fingerprint")
	sqlRunChanges       = store.MustStatement(sqlFiles, "sql/run_changes")
	sqlStyleUsage       = store.MustStatement(sqlFiles, "sql/style_usage")
	sqlListTokens       = store.MustStatement(sqlFiles, "sql/list_tokens")
	sqlListUsers        = store.MustStatement(sqlFiles, "sql/list_users")
)
