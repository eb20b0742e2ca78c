package pages

import (
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/layouts"
)

// ProfilePageVM is one form profile.
type ProfilePageVM struct {
	Shell      layouts.ShellProps
	Host       string
	SchemaHash string
	Family     string
	Source     string
	SourceKey  string
	Withheld   bool
	WithheldBy string
	HintMeta   string
	RunURL     string
	Cards      []components.StatCard
	Fields     []FieldPair
	Overall    ChoiceVM
	Segments   []ChoiceVM
	BackURL    string
	EventsURL  string
}

// FieldPair is one entry of the canonical map.
type FieldPair struct{ Selector, Field string }

// ChoiceVM is the hint of one segment (or the overall one) with its candidates.
type ChoiceVM struct {
	Key         string // "overall" or the segment
	Title       string
	Source      string
	SourceKey   string
	Preferred   string
	Explanation string
	Candidates  []CandidateVM
	// Bayes is set for a choice the bayes policy made: the candidates are a leaderboard of
	// posteriors, and the choice has shares, a confidence label and the runs it still needs.
	Bayes         bool
	Confidence    string
	ConfidenceKey string // badge class
	RunsNeeded    string
	Shares        components.ChartProps // the winner's evidence by level, one stacked bar
}

// CandidateVM is one style that competed.
type CandidateVM struct {
	StyleID   string
	Level     string
	Runs      string
	Helpful   string
	Unhelpful string
	Rated     string
	Ratio     string
	AvgEdits  string
	Winner    bool
	// Under bayes: the posterior and its figures.
	Interval     components.IntervalProps
	Mean         string
	CI           string // "48–75%"
	PBest        string
	ExpectedLoss string
}
