package pages

import (
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/layouts"
)

// RunsPageVM is the run history.
type RunsPageVM struct {
	Shell layouts.ShellProps
	Panel RunPanelVM
	Rows  []RunVM
	Pager components.Pager
	Empty *components.Empty
}

// RunPageVM is one run's page.
type RunPageVM struct {
	Shell   layouts.ShellProps
	Run     RunVM
	Notice  string
	BackURL string
	// What the run changed: "37 picks changed", the changes it kept and a note when it kept
	// fewer than it counted. Empty PicksChanged: nothing to show (running, failed, dry).
	PicksChanged string
	Changes      []PickChangeVM
	ChangesNote  string
}

// PickChangeVM is one (form, segment) pick a run changed.
type PickChangeVM struct {
	Form       string
	FormURL    string // the profile page, "" when the profile is gone
	Segment    string
	From, To   string
	FromSource string
	ToSource   string
	Reason     string
}
