package pages

import (
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/layouts"
)

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
