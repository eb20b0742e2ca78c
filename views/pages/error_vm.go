package pages

import (
	"github.com/applylens/learning/views/layouts"
)

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
