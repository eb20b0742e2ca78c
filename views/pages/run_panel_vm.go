package pages

import (
	"github.com/applylens/learning/views/components"
)

// RunPanelVM is the Run aggregator box: the button and the latest run.
type RunPanelVM struct {
	Enabled     bool // false when this server has no aggregator runner
	StartAction string
	CSRF        string
	DaysOptions []components.Option
	Notice      string
	Run         *RunVM // the latest run, nil when there was none
}

// RunVM is one aggregator run, ready to show.
type RunVM struct {
	ID              string
	URL             string
	PollURL         string // set while the run is running
	Running         bool
	Status          string
	StatusKey       string // running | ok | error: the badge colour
	Trigger         string
	Window          string
	DryRun          bool
	Started         string
	StartedAgo      string
	Finished        string
	Duration        string
	FormsDone       string
	FormsTotal      string
	ProgressValue   int
	ProgressMax     int
	ProgressPct     string
	EventsRead      string
	ProfilesUpdated string
	HintsChanged    string
	SourceMix       components.ChartProps
	Error           string
}
