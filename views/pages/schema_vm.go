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
