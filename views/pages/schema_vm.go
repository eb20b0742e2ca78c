package pages

import (
	"github.com/applylens/learning/views/layouts"
)

// SchemaPageVM shows the migrations and the seed's schema checks.
type SchemaPageVM struct {
	Shell   layouts.ShellProps
	Current bool
	Summary string
	Steps   []StepVM
	Checks  []CheckVM
	// Backfill is the rows' backfill after the steps, shown while it runs or when it failed.
	Backfill *BackfillVM
	// Partitioning is the conversion of the events into month partitions that follows it
	// (Postgres), shown while it is pending.
	Partitioning *BackfillVM
}

// BackfillVM is the progress of the adoption backfill.
type BackfillVM struct {
	Summary   string // "412,000 of 1,000,004 events (41.2%), 3,100 rows/s, about 3m9s left"
	Started   bool   // a process has started it (the bar has a total)
	Max       string // the bar's total and value
	Value     string
	Percent   string
	LastError string
}

// StepVM is one migration step.
type StepVM struct {
	ID     string
	Status string // applied | pending | unknown
}

// CheckVM is one schema object the seed's operators verify.
type CheckVM struct {
	Name    string
	Present bool
	Detail  string
}

// stepKey colours a migration step's state.
func stepKey(status string) string {
	switch status {
	case "applied":
		return "ok"
	case "pending":
		return "running"
	}
	return "error"
}
