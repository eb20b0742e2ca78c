package components

// StatCard is one number on the overview.
type StatCard struct {
	TestID string
	Label  string
	Value  string
	Sub    string // a line under the value
	Href   string // optional link on the label
	Tone   string // "", "good", "warn", "bad": colours the value
}

// Pager links to the neighbouring pages of a list.
type Pager struct {
	Summary   string // "Page 2 of 7 · 163 profiles"
	PrevURL   string // "" when there is none
	NextURL   string
	PrevLabel string // "← Previous" when empty
	NextLabel string // "Next →" when empty
}

func orLabel(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Empty is an empty state: what is missing and what to do about it.
type Empty struct {
	TestID   string
	Title    string
	Body     string
	Commands []string // shell commands to show, one a line
	LinkText string
	LinkURL  string
}

// Option is one choice of a select.
type Option struct {
	Value    string
	Label    string
	Selected bool
}

// Field is one input of a form: its value and the error next to it.
type Field struct {
	Name  string
	Label string
	Value string
	Error string
	Hint  string
}

func toneClass(tone string) string {
	if tone == "" {
		return "stat-value"
	}
	return "stat-value tone-" + tone
}
