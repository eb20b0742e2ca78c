package learning

import (
	"fmt"
	"math"
	"strings"

	"github.com/applylens/learning/app/models"
)

// NoHintExplanation starts every explanation of a form with no style hint (the original's
// wording, which operators and tests look for).
const NoHintExplanation = "No style_hint is available yet"

// ExplainNoHint explains a form with no style hint yet, asked for a segment ("" for none);
// synced says whether any event of the form has reached the service (it has a profile). Under
// bayes, which gives every form it has seen a hint, that means no event yet, or the aggregator
// has not run since the first; under threshold, no level has enough runs (Explain).
func ExplainNoHint(policy, family, segment string, th models.Thresholds, synced bool) string {
	c := models.Choice{SegmentKey: segment}
	if policy != models.PolicyBayes {
		return Explain(c, family, th)
	}
	why := "no event of this form has been synced yet"
	if synced {
		why = "the aggregator has not run since the form's first events"
	}
	return fmt.Sprintf("%s for this form (%s): %s. Under the bayes policy every form with events gets a hint, "+
		"pooled from its segment and host family.", NoHintExplanation, scopeOf(c, family), why)
}

// Explain says in one paragraph why a choice was made, from the statistics it was made with,
// so that the text always matches the chosen style.
func Explain(c models.Choice, family string, th models.Thresholds) string {
	w, ok := Winner(c)
	if ok && w.Posterior != nil {
		return explainBayes(c, w, family)
	}
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

// explainBayes is the bayes policy's sentence: how likely the pick is the best, how good it
// is, and where the evidence comes from, level by level, e.g. "concise_bullets_v2: 71% likely
// best; 30% of the evidence from this form, 55% greenhouse senior, 15% greenhouse".
func explainBayes(c models.Choice, w models.StyleStats, family string) string {
	p := w.Posterior
	seg := c.SegmentKey
	if seg == "" {
		seg = "no-title"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %.0f%% likely best, helpful rate about %.0f%% (90%% interval %.0f–%.0f%%); ",
		w.StyleID, p.PBest*100, p.Mean*100, p.Low*100, p.High*100)
	// A pair's choice ("senior/data") draws on the family's data jobs of the level, then on the
	// level over every discipline.
	level, _, _ := strings.Cut(seg, "/")
	var parts []string
	for _, l := range []struct {
		share float64
		what  string
	}{
		{p.Shares.Form, "this form"},
		{p.Shares.Discipline, FamilyLabel(family) + " " + seg},
		{p.Shares.Segment, FamilyLabel(family) + " " + level},
		{p.Shares.Family, FamilyLabel(family)},
		{p.Shares.Global, "all forms"},
	} {
		if pct := math.Round(l.share * 100); pct >= 1 {
			parts = append(parts, fmt.Sprintf("%.0f%% %s", pct, l.what))
		}
	}
	if len(parts) > 0 {
		parts[0] = strings.Replace(parts[0], "%", "% of the evidence from", 1)
	}
	b.WriteString(strings.Join(parts, ", "))
	b.WriteString(".")
	switch c.Confidence {
	case models.ConfidenceConfident:
		b.WriteString(" Confident: choosing it costs less than one point of helpful rate on average.")
	case models.ConfidencePriorOnly:
		b.WriteString(" Prior only: no run of this form or its segment is rated yet, so the pick comes from the family and all forms.")
	default:
		if c.RunsNeeded != nil && *c.RunsNeeded > 0 {
			fmt.Fprintf(&b, " Tentative: about %d more rated runs here would make it confident.", *c.RunsNeeded)
		} else {
			b.WriteString(" Tentative.")
		}
	}
	if n := len(c.Candidates) - 1; n > 0 {
		fmt.Fprintf(&b, " %d other style(s) compete; every style's estimate pools its runs on this form with its segment's, its family's and all forms'.", n)
	}
	return b.String()
}
