package pages

import (
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/layouts"
)

// OverviewPageVM is /admin.
type OverviewPageVM struct {
	Shell         layouts.ShellProps
	Windows       []Link
	WindowLabel   string
	AsOf          string // "12:04 UTC (1 min ago)" or "never"
	AsOfNote      string
	RefreshAction string
	CSRF          string
	Stale         bool // the rollup was never built
	Empty         *components.Empty

	Cards        []components.StatCard
	Spark        []components.SparkPoint
	Sources      components.ChartProps
	SourcesNote  string
	Segments     components.ChartProps
	SegmentsNote string
	Policies     components.ChartProps
	ExploreRate  string
	ExploreNote  string
	HintPolicy   string // which policy made the hints
	SRM          SRMVM
	Heat         HeatVM
	SegmentHints []SegmentHintRow
	HintSources  []HintSource // the columns of SegmentHints
	Styles       []StyleUsageRow
	Run          RunPanelVM
}

// HeatVM is the window's events by seniority (rows) × discipline (columns), each cell shaded
// by its count (Level 0–5, 0 for none) and carrying the number itself.
type HeatVM struct {
	Columns []string
	Rows    []HeatRow
	Note    string
	Empty   bool // no event in the window
}

// HeatRow is one seniority of the heat table.
type HeatRow struct {
	Segment string
	Cells   []HeatCell
	Total   string
}

// HeatCell is one (seniority, discipline) count: the events list of that cell is at URL.
type HeatCell struct {
	TestID string
	Count  string
	Level  string // heat-0 … heat-5
	Title  string
	URL    string
}

// SegmentHintRow counts one segment's hints by source, in the order of the table's columns
// (OverviewVM.HintSources); the counts add up to Total.
type SegmentHintRow struct {
	Segment string
	Counts  []string
	Total   string
}

// HintSource is one source of a hint, as a column: its key (the swatch's class is c-<key>)
// and its label.
type HintSource struct{ Key, Label string }

// StyleUsageRow is one style's use in the window.
type StyleUsageRow struct {
	StyleID string
	Runs    string
	Rated   string
	Ratio   string
}

// SRMVM is the sample-ratio check of the explore rate against the logged allocation.
type SRMVM struct {
	Tested   bool
	Observed string // explore share
	Expected string // explore share the logged propensities imply
	Chi2     string
	P        string
	Mismatch bool
	Note     string
}
