package pages

import (
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/layouts"
)

// ProfilesPageVM is the profiles list.
type ProfilesPageVM struct {
	Shell      layouts.ShellProps
	Action     string
	Family     []components.Option
	Source     []components.Option
	Segment    []components.Option
	Discipline []components.Option
	Sort       []components.Option
	Host       string
	Summary    string
	Rows       []ProfileRowVM
	Pager      components.Pager
	Empty      *components.Empty
	ClearURL   string
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
