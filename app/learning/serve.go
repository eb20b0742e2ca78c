package learning

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"gorm.io/gorm"

	"github.com/applylens/learning/app/models"
)

// Quality guard: a profile whose runs mostly fail or need heavy edits is not served.
const (
	GuardMinSuccessRate = 0.6
	GuardMaxAvgEdits    = 500
)

// FindProfile returns the profile of a form, or nil when there is none.
func FindProfile(ctx context.Context, db *gorm.DB, f Form) (*models.FormProfile, error) {
	var p models.FormProfile
	err := db.WithContext(ctx).Where("host = ? AND schema_hash = ?", f.Host, f.SchemaHash).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("find profile: %w", err)
	}
	return &p, nil
}

// Withheld reports whether the quality guard hides a profile. Only a profile that has
// statistics can fail it: a form that was only touched by a sync has none yet.
func Withheld(p *models.FormProfile) bool {
	if p == nil || p.SuccessRate == nil {
		return false
	}
	if *p.SuccessRate < GuardMinSuccessRate {
		return true
	}
	return p.AvgEditChars != nil && *p.AvgEditChars > GuardMaxAvgEdits
}

// ChoiceFor returns the choice to serve for a segment: the form's hint for that segment when
// it has one, else its overall hint. ok is false when the profile has no hint at all.
func ChoiceFor(h *models.StyleHint, segment string) (c models.Choice, ok bool) {
	if h == nil {
		return models.Choice{Source: models.SourceNone}, false
	}
	if segment != "" {
		if c, ok := h.BySegment[segment]; ok {
			return c, true
		}
		// A hint written before every segment got its own: its overall choice may come from
		// another segment's data, which must not be served for this one.
		if h.Source == models.SourceSegment && h.SegmentKey != segment {
			return models.Choice{Source: models.SourceNone, SegmentKey: segment}, true
		}
	}
	return h.Choice, true
}

// Confidence is the original's: min(ok_events / 10, 1).
func Confidence(p *models.FormProfile) float64 {
	if p == nil || p.SuccessRate == nil {
		return 0
	}
	ok := math.Round(float64(p.EventCount) * *p.SuccessRate)
	return math.Min(ok/10, 1)
}

// Winner returns the winning candidate of a choice.
func Winner(c models.Choice) (models.StyleStats, bool) {
	for _, s := range c.Candidates {
		if s.IsWinner {
			return s, true
		}
	}
	return models.StyleStats{}, false
}

// Competitors are the eligible styles other than the winner, for exploration.
func Competitors(c models.Choice) []models.StyleStats {
	out := []models.StyleStats{}
	for _, s := range c.Candidates {
		if !s.IsWinner {
			out = append(out, s)
		}
	}
	return out
}

// NoHintExplanation starts every explanation of a form with no style hint (the original's
// wording, which operators and tests look for).
const NoHintExplanation = "No style_hint is available yet"

// Explain says in one paragraph why a choice was made, from the statistics it was made with,
// so that the text always matches the chosen style.
func Explain(c models.Choice, family string, th models.Thresholds) string {
	w, ok := Winner(c)
	if c.PreferredStyleID == nil || !ok {
		return fmt.Sprintf("%s for this form: no style has enough runs on the form (needs %d), in its segment (needs %d) or in its host family (needs %d).",
			NoHintExplanation, th.Form, th.Segment, th.Family)
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
	fmt.Fprintf(&b, "%s is preferred from %s-level data %s: ", w.StyleID, c.Source, where)
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
