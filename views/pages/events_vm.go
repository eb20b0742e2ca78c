package pages

import (
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/layouts"
)

// EventsPageVM is the events list.
type EventsPageVM struct {
	Shell      layouts.ShellProps
	Action     string
	Host       string
	Family     []components.Option
	Segment    []components.Option
	Discipline []components.Option
	Style      []components.Option
	Policy     []components.Option
	Rating     []components.Option
	Summary    string
	Rows       []EventRowVM
	Pager      components.Pager
	Empty      *components.Empty
	ClearURL   string
}

// EventRowVM is one event.
type EventRowVM struct {
	When       string
	WhenTitle  string
	Host       string
	SchemaHash string
	Family     string
	Segment    string
	Discipline string
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
