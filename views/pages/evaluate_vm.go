package pages

import (
	"github.com/applylens/learning/views/layouts"
)

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
