// Package report is the read side of the admin dashboard: the overview's numbers, the lists of
// profiles, events, runs, styles and tokens, and the rollup that keeps the overview fast on
// big data. Rules that span several queries (windows, coverage, explore rate, the helpful ratio
// by source) live here, not in the handlers; the handlers only turn results into view models.
package report

import (
	"strings"
	"time"

	"github.com/applylens/learning/app/learning"
)

// None labels a missing segment, policy, style or rating in breakdowns and filters.
const None = "none"

// SegmentsWithNone lists the segments of events in display order, with None last.
func SegmentsWithNone() []string { return append(learning.Segments(), None) }

// Policies lists the style policies in display order.
func Policies() []string {
	return []string{learning.PolicyExploit, learning.PolicyExplore, learning.PolicyFallback}
}

// Ratings lists the rating filter values of events.
func Ratings() []string { return []string{learning.Helpful, learning.Unhelpful, "unrated"} }

// WindowDays are the overview's windows.
var WindowDays = []int{7, 30, 90}

// Window is a span of whole UTC days ending today.
type Window struct {
	Days    int
	FromDay string    // YYYY-MM-DD, first day included
	ToDay   string    // YYYY-MM-DD, today
	Since   time.Time // start of FromDay

	weekFrom string // the first week read from the weekly rollup (see firstWeek)
}

// NewWindow returns the window of the last days days (today included) at now.
func NewWindow(days int, now time.Time) Window {
	if days < 1 {
		days = 1
	}
	today := dayStart(now)
	since := today.AddDate(0, 0, -(days - 1))
	w := Window{Days: days, FromDay: dayKey(since), ToDay: dayKey(today), Since: since}
	w.weekFrom = w.firstWeek()
	return w
}

// ValidWindow reports whether days is one of WindowDays.
func ValidWindow(days int) bool {
	for _, d := range WindowDays {
		if d == days {
			return true
		}
	}
	return false
}

func dayStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func dayKey(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// likePattern escapes s for a LIKE … ESCAPE '\' that matches s anywhere.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}
