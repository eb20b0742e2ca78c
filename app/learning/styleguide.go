package learning

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/applylens/learning/app/models"
)

// maxLengthByHint is the longest answer, in characters, that a style's length_hint stands for.
// The TypeScript profile client reads it as style_hint.max_length; the original service never
// wrote it, so these figures are ours (a short bulleted answer, a paragraph, a detailed one).
var maxLengthByHint = map[string]int{"short": 400, "medium": 900, "long": 1600}

// StyleGuide is what a client needs to generate in a style without knowing the style's id:
// its format (summary_style), tone and the longest answer (max_length, nil when the style's
// length_hint is not one of short, medium, long).
type StyleGuide struct {
	SummaryStyle string
	Tone         string
	MaxLength    *int
}

// GuideFor returns the guide of a style from its gen_styles row, or nil when there is no such
// style.
func GuideFor(ctx context.Context, db *gorm.DB, styleID string) (*StyleGuide, error) {
	var s models.GenStyle
	err := db.WithContext(ctx).Select("id", "tone", "format", "length_hint").Where("id = ?", styleID).Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read style %s: %w", styleID, err)
	}
	g := &StyleGuide{SummaryStyle: s.Format, Tone: s.Tone}
	if n, ok := maxLengthByHint[s.LengthHint]; ok {
		g.MaxLength = &n
	}
	return g, nil
}
