// Package report is the read side of the admin dashboard: the overview's numbers, the lists of
// profiles, events, runs, styles and tokens, and the rollup that keeps the overview fast on
// big data. Rules that span several queries (windows, coverage, explore rate, the helpful ratio
// by source) live here, not in the handlers; the handlers only turn results into view models.
package report

import (
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/store"
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
}

// NewWindow returns the window of the last days days (today included) at now.
func NewWindow(days int, now time.Time) Window {
	if days < 1 {
		days = 1
	}
	today := dayStart(now)
	since := today.AddDate(0, 0, -(days - 1))
	return Window{Days: days, FromDay: dayKey(since), ToDay: dayKey(today), Since: since}
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

// dialect holds the few SQL words that differ between Postgres and SQLite.
type dialect struct{ pg bool }

func dialectOf(db *gorm.DB) dialect { return dialect{pg: store.IsPostgres(db)} }

// day is the UTC day of created_at as YYYY-MM-DD. SQLite stores UTC times as text that starts
// with the date.
func (d dialect) day(col string) string {
	if d.pg {
		return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	return "substr(" + col + ", 1, 10)"
}

// jsonText extracts a top-level text field of a JSON column ("" path parts joined by dots).
func (d dialect) jsonText(col string, path ...string) string {
	if d.pg {
		expr := col
		for i, p := range path {
			op := "->"
			if i == len(path)-1 {
				op = "->>"
			}
			expr += op + "'" + p + "'"
		}
		return "(" + expr + ")"
	}
	return "json_extract(" + col + ", '$." + strings.Join(path, ".") + "')"
}

// likePattern escapes s for a LIKE … ESCAPE '\' that matches s anywhere.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}
