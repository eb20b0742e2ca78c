package admin

import (
	"context"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/applylens/learning/app/models"
)

// styleForm is the style form as submitted: strings, validated into a models.GenStyle.
// PriorWeight is shown, never read from a request: the aggregator sets it on every run.
type styleForm struct {
	ID, Name, Temperature, Tone, Format, LengthHint, Keywords, PriorWeight string
}

// newStylePriorWeight is a new style's prior weight: neutral until the aggregator has data.
const newStylePriorWeight = 1.0

// priorWeightNote says where the prior weight comes from, on the form and the list.
const priorWeightNote = "Set by the aggregator on every run from the style's ratings: 2·(helpful+1)/(rated+2). A new style starts at 1."

var (
	styleIDPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_]{1,63}$`)
	lengthHints    = []string{"short", "medium", "long"}
)

func styleFormOf(s models.GenStyle) styleForm {
	return styleForm{ID: s.ID, Name: s.Name, Temperature: strconv.FormatFloat(s.Temperature, 'f', -1, 64), Tone: s.Tone,
		Format: s.Format, LengthHint: s.LengthHint, Keywords: strings.Join(s.KeywordsJSON.V, ", "),
		PriorWeight: fmtWeight(s.PriorWeight)}
}

// fmtWeight shows a prior weight as stored (numeric(10,4) on Postgres).
func fmtWeight(w float64) string { return strconv.FormatFloat(math.Round(w*1e4)/1e4, 'f', -1, 64) }

// validate checks every field and returns the style and the error of each wrong field.
func (f styleForm) validate(isNew bool) (models.GenStyle, map[string]string) {
	errs := map[string]string{}
	s := models.GenStyle{ID: strings.TrimSpace(f.ID), Name: strings.TrimSpace(f.Name), Tone: strings.TrimSpace(f.Tone),
		Format: strings.TrimSpace(f.Format), LengthHint: strings.TrimSpace(f.LengthHint)}
	if isNew && !styleIDPattern.MatchString(s.ID) {
		errs["id"] = "2 to 64 characters: lower-case letters, digits and _ (e.g. concise_bullets_v2)."
	}
	if s.Name == "" || utf8.RuneCountInString(s.Name) > 80 {
		errs["name"] = "A name of 1 to 80 characters."
	}
	if t, ok := parseNumber(f.Temperature, 0, 2); ok {
		s.Temperature = t
	} else {
		errs["temperature"] = "A number from 0 to 2."
	}
	if s.Tone == "" || utf8.RuneCountInString(s.Tone) > 40 {
		errs["tone"] = "A tone of 1 to 40 characters (e.g. concise, narrative)."
	}
	if s.Format == "" || utf8.RuneCountInString(s.Format) > 40 {
		errs["format"] = "A format of 1 to 40 characters (e.g. bullets, paragraph)."
	}
	if oneOf(s.LengthHint, lengthHints) == "" {
		errs["length_hint"] = "One of short, medium or long."
	}
	s.KeywordsJSON = models.NewJSON([]string{})
	for _, k := range strings.Split(f.Keywords, ",") {
		if k = strings.TrimSpace(k); k != "" {
			s.KeywordsJSON.V = append(s.KeywordsJSON.V, k)
			if utf8.RuneCountInString(k) > 40 {
				errs["keywords"] = "Each keyword at most 40 characters."
			}
		}
	}
	if len(s.KeywordsJSON.V) > 20 {
		errs["keywords"] = "At most 20 keywords, separated by commas."
	}
	return s, errs
}

// parseNumber reads a finite number from lo to hi (ParseFloat also takes NaN and Inf, which
// compare false with any bound).
func parseNumber(text string, lo, hi float64) (float64, bool) {
	v, err := strconv.ParseFloat(strings.TrimSpace(text), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v < lo || v > hi {
		return 0, false
	}
	return v, true
}

// errStyleExists is returned when a new style's id is taken.
var errStyleExists = errors.New("a style with this id exists already")

// createStyle stores a new style with the neutral prior weight.
func createStyle(ctx context.Context, db *gorm.DB, s models.GenStyle, now time.Time) error {
	s.PriorWeight = newStylePriorWeight
	s.CreatedAt, s.UpdatedAt = now.UTC(), now.UTC()
	err := db.WithContext(ctx).Create(&s).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return errStyleExists
	}
	return err
}

// updateStyle rewrites an existing style's fields (not its prior weight, which is the
// aggregator's); gorm.ErrRecordNotFound when it is gone.
func updateStyle(ctx context.Context, db *gorm.DB, id string, s models.GenStyle, now time.Time) error {
	kw, err := s.KeywordsJSON.Value()
	if err != nil {
		return err
	}
	r := db.WithContext(ctx).Model(&models.GenStyle{}).Where("id = ?", id).Updates(map[string]any{
		"name": s.Name, "temperature": s.Temperature, "tone": s.Tone, "format": s.Format, "length_hint": s.LengthHint,
		"keywords_json": kw, "updated_at": now.UTC(),
	})
	if r.Error != nil {
		return fmt.Errorf("update style: %w", r.Error)
	}
	if r.RowsAffected == 0 {
		return gorm.ErrRecordNotFound
	}
	return nil
}
