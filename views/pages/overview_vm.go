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
	SegmentHints []SegmentHintRow
	Styles       []StyleUsageRow
	Run          RunPanelVM
}

// SegmentHintRow counts one segment's hints by source.
type SegmentHintRow struct {
	Segment                        string
	Form, Seg, Family, None, Total string
}

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
