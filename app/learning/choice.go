package learning

import (
	"context"
	"errors"
	"fmt"
	"math"

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

// ChoiceFor returns the choice to serve for a segment and discipline: the form's hint for the
// combined segment ("senior/data") when it has one, else for the segment (pooled over every
// discipline: a hint keeps a pair's entry only where its pick differs from the segment's, see
// models.StyleHint.BySegment), else its overall hint. ok is false when the profile has no
// hint at all.
func ChoiceFor(h *models.StyleHint, segment, discipline string) (c models.Choice, ok bool) {
	if h == nil {
		return models.Choice{Source: models.SourceNone}, false
	}
	if segment != "" && discipline != "" {
		if c, ok := h.BySegment[CombinedSegment(segment, discipline)]; ok {
			return c, true
		}
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
