package learning

import (
	"embed"

	"github.com/applylens/learning/app/store"
)

// The statements of this package outside the aggregator, one file each in sql/: see
// store.Statement. (The aggregator's statements, in aggregate_sql.go, are built from the
// dialect's words and move with its read path.)
var (
	//go:embed sql/*.sql
	sqlFiles embed.FS

	sqlLoggedRuns = store.MustStatement(sqlFiles, "sql/logged_runs")
)
