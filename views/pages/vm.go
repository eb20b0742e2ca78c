// Package pages holds the admin dashboard's pages. Each page exports XPage(vm XPageVM); view
// models carry display-ready text (formatted numbers, URLs, error messages) and never a
// database type.
package pages

import (
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/layouts"
)

// LoginPageVM is the sign-in form.
type LoginPageVM struct {
	Action string
	CSRF   string
	Next   string
	Email  string
	Error  string
	Notice string // e.g. "You are signed out."
}

// ErrorPageVM is an error shown as a page.
type ErrorPageVM struct {
	Shell     *layouts.ShellProps // nil when nobody is signed in
	Status    string
	Title     string
	Message   string
	BackURL   string
	BackLabel string
	RequestID string
}

// Link is a labelled URL that may be the current one.
type Link struct {
	Label  string
	Href   string
	Active bool
}

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

// ProfilesPageVM is the profiles list.
type ProfilesPageVM struct {
	Shell    layouts.ShellProps
	Action   string
	Family   []components.Option
	Source   []components.Option
	Segment  []components.Option
	Sort     []components.Option
	Host     string
	Summary  string
	Rows     []ProfileRowVM
	Pager    components.Pager
	Empty    *components.Empty
	ClearURL string
}

// ProfileRowVM is one line of the profiles list.
type ProfileRowVM struct {
	URL        string
	Host       string
	SchemaHash string
	Family     string
	Source     string
	SourceKey  string
	Preferred  string
	Segments   string
	Events     string
	Success    string
	LastSeen   string
	Withheld   bool
}

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

// EventsPageVM is the events list.
type EventsPageVM struct {
	Shell    layouts.ShellProps
	Action   string
	Host     string
	Family   []components.Option
	Segment  []components.Option
	Style    []components.Option
	Policy   []components.Option
	Rating   []components.Option
	Summary  string
	Rows     []EventRowVM
	Pager    components.Pager
	Empty    *components.Empty
	ClearURL string
}

// EventRowVM is one event.
type EventRowVM struct {
	When       string
	WhenTitle  string
	Host       string
	SchemaHash string
	Family     string
	Segment    string
	Style      string
	Policy     string
	PolicyKey  string
	Status     string
	StatusKey  string
	Rating     string
	RatingKey  string
	Edits      string
	Duration   string
}

// StylesPageVM is the list of generation styles.
type StylesPageVM struct {
	Shell           layouts.ShellProps
	NewURL          string
	Flash           string
	Window          string
	PriorWeightNote string // the aggregator sets the prior weight: say so under the table
	Rows            []StyleRowVM
}

// StyleRowVM is one style.
type StyleRowVM struct {
	ID          string
	Name        string
	Temperature string
	Tone        string
	Format      string
	Length      string
	Keywords    string
	PriorWeight string
	Runs        string
	Ratio       string
	EditURL     string
}

// StyleFormPageVM creates or edits a style.
type StyleFormPageVM struct {
	Shell       layouts.ShellProps
	Title       string
	Action      string
	CSRF        string
	IsNew       bool
	ID          components.Field
	Name        components.Field
	Temperature components.Field
	Tone        components.Field
	Format      components.Field
	LengthHint  components.Field
	Lengths     []components.Option
	Keywords    components.Field
	PriorWeight components.Field // shown read-only: the aggregator sets it
	FormError   string
	CancelURL   string
}

// TokensPageVM issues and revokes extension tokens.
type TokensPageVM struct {
	Shell      layouts.ShellProps
	Action     string
	CSRF       string
	Email      components.Field
	Name       components.Field
	CreateUser bool
	Emails     []string
	Issued     *IssuedTokenVM
	Flash      string
	Rows       []TokenRowVM
	Empty      *components.Empty
	SyncURL    string
}

// IssuedTokenVM is a token just issued: shown once.
type IssuedTokenVM struct {
	Plain  string
	Email  string
	Prefix string
}

// TokenRowVM is one token.
type TokenRowVM struct {
	ID        string
	Prefix    string
	Name      string
	Email     string
	Created   string
	LastUsed  string
	Revoked   string
	Live      bool
	RevokeURL string
}

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

// EvaluatePageVM is the off-policy replay of a window.
type EvaluatePageVM struct {
	Shell    layouts.ShellProps
	Windows  []Link
	Summary  string
	Rows     []EstimateRowVM
	Warnings []string
	Note     string
}

// EstimateRowVM is one policy's estimated helpful rate.
type EstimateRowVM struct {
	Key    string
	Policy string
	Runs   string
	IPS    string
	StdErr string
	SNIPS  string
	ESS    string
	Low    bool // ESS under the trusted minimum
}
