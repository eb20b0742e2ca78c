package learning

import (
	"fmt"
	"strings"

	"github.com/applylens/learning/app/models"
)

// NoHintExplanation starts every explanation of a form with no style hint (the original's
// wording, which operators and tests look for).
const NoHintExplanation = "No style_hint is available yet"

// Explain says in one paragraph why a choice was made, from the statistics it was made with,
// so that the text always matches the chosen style.
func Explain(c models.Choice, family string, th models.Thresholds) string {
	w, ok := Winner(c)
	if c.PreferredStyleID == nil || !ok {
		return fmt.Sprintf("%s for this form (%s): no style has enough runs on the form (needs %d), in its segment (needs %d) or in its host family (needs %d).",
			NoHintExplanation, scopeOf(c, family), th.Form, th.Segment, th.Family)
	}
	var where string
	switch c.Source {
	case models.SourceForm:
		where = "on this form"
	case models.SourceSegment:
		where = fmt.Sprintf("on %s forms for %s jobs (this form has too few runs of its own)", FamilyLabel(family), c.SegmentKey)
	case models.SourceFamily:
		where = fmt.Sprintf("across %s forms (this form and its segment have too few runs)", FamilyLabel(family))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s is preferred from %s-level data %s (%s): ", w.StyleID, c.Source, where, scopeOf(c, family))
	if w.HelpfulRatio != nil {
		fmt.Fprintf(&b, "%d of %d rated runs were helpful (%.0f%%)", w.HelpfulRuns, w.RatedRuns, *w.HelpfulRatio*100)
	} else {
		b.WriteString("none of its runs is rated yet")
	}
	fmt.Fprintf(&b, " over %d runs", w.TotalRuns)
	if w.AvgEditChars != nil {
		fmt.Fprintf(&b, ", with %.0f edited characters on average", *w.AvgEditChars)
	}
	b.WriteString(".")
	if n := len(c.Candidates) - 1; n > 0 {
		fmt.Fprintf(&b, " %d other style(s) had enough runs to compete; ties go to fewer edits, then more runs.", n)
	} else {
		b.WriteString(" No other style had enough runs to compete.")
	}
	return b.String()
}

// scopeOf names the form's host family and the segment the choice was made for, so that a
// reader of the sentence knows which jobs it speaks of.
func scopeOf(c models.Choice, family string) string {
	seg := "no segment: the job's level is unknown"
	if c.SegmentKey != "" {
		seg = c.SegmentKey + " segment"
	}
	return fmt.Sprintf("host family %s, %s", FamilyLabel(family), seg)
}
