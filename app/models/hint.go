package models

import "time"

// Sources of a style hint, from the most specific level to none.
const (
	SourceForm    = "form"
	SourceSegment = "segment"
	SourceFamily  = "family"
	SourceNone    = "none"
)

// StyleStats are the statistics of one style at one level.
type StyleStats struct {
	StyleID      string   `json:"style_id"`
	Level        string   `json:"level"` // form | segment | family
	SegmentKey   string   `json:"segment_key,omitempty"`
	TotalRuns    int      `json:"total_runs"`
	HelpfulRuns  int      `json:"helpful_runs"`
	Unhelpful    int      `json:"unhelpful_runs"`
	RatedRuns    int      `json:"rated_runs"`
	HelpfulRatio *float64 `json:"helpful_ratio"`
	AvgEditChars *float64 `json:"avg_edit_chars"`
	IsWinner     bool     `json:"is_winner"`
}

// Choice is the style chosen for one segment of a form (or for the form overall).
type Choice struct {
	PreferredStyleID *string `json:"preferred_style_id"` // nil when Source is none
	Source           string  `json:"source"`
	// SegmentKey is the segment the choice was made for ("" for none); the overall hint is
	// made for the form's most common segment.
	SegmentKey string `json:"segment_key,omitempty"`
	// Candidates are the styles that competed at the level used (those with enough runs),
	// best first, the winner marked; empty for none.
	Candidates []StyleStats `json:"candidates"`
}

// Thresholds are the minimum runs a style needs to compete at each level.
type Thresholds struct {
	Form    int `json:"min_form_runs"`
	Segment int `json:"min_segment_runs"`
	Family  int `json:"min_family_runs"`
}

// StyleHint is the form profile's style_hint JSON, rebuilt from scratch on every run. Two
// runs over the same data give the same hint but for ComputedAt and RunID.
type StyleHint struct {
	Choice
	HostFamily string                `json:"host_family"`          // "" for a host in no family
	StyleStats map[string]StyleStats `json:"style_stats"`          // form level, for old readers
	BySegment  map[string]Choice     `json:"by_segment,omitempty"` // every segment seen on the form in the window
	Thresholds Thresholds            `json:"thresholds"`
	WindowDays int                   `json:"window_days"`
	ComputedAt time.Time             `json:"computed_at"`
	RunID      string                `json:"run_id"`
}
