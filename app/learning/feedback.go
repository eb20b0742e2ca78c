package learning

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/applylens/learning/app/models"
)

// Feedback ratings.
const (
	Helpful   = "helpful"
	Unhelpful = "unhelpful"
)

// ErrEventNotFound is returned when the caller has no such event.
var ErrEventNotFound = errors.New("event not found")

// RateEvent sets the rating (and edit size, when given) of one of the user's events; the
// latest rating wins.
func RateEvent(ctx context.Context, db *gorm.DB, userID, eventID, status string, editChars *int) error {
	updates := map[string]any{"feedback_status": status, "feedback_at": time.Now().UTC()}
	if editChars != nil {
		updates["edit_chars"] = *editChars
	}
	// An adopted event that the backfill has not reached yet has no event_id; the one it will
	// get is its id.
	r := db.WithContext(ctx).Model(&models.AutofillEvent{}).
		Where("user_id = ? AND (event_id = ? OR (event_id IS NULL AND id = ?))", userID, eventID, eventID).Updates(updates)
	if r.Error != nil {
		return fmt.Errorf("rate event: %w", r.Error)
	}
	if r.RowsAffected == 0 {
		return ErrEventNotFound
	}
	return nil
}

// LegacyFeedbackWindow is how far back the shipped client's rating (which names no event)
// looks for the event it rates.
const LegacyFeedbackWindow = 24 * time.Hour

// rateLatest rates the user's latest event on a form created in the LegacyFeedbackWindow
// before at (with that style, when given) and returns its event id.
func rateLatest(tx *gorm.DB, userID string, f Form, style, status string, at time.Time) (string, error) {
	q := tx.Select("id", "event_id").
		Where("user_id = ? AND host = ? AND schema_hash = ? AND created_at >= ? AND created_at <= ?",
			userID, f.Host, f.SchemaHash, at.Add(-LegacyFeedbackWindow), at)
	return rateFirst(tx, q, style, status, "created_at DESC, id DESC")
}

// rateFirst rates the first event of q in order (with that style, when given).
func rateFirst(tx *gorm.DB, q *gorm.DB, style, status, order string) (string, error) {
	var ev models.AutofillEvent
	if style != "" {
		q = q.Where("gen_style_id = ?", style)
	}
	if err := q.Order(order).Take(&ev).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return "", ErrEventNotFound
		}
		return "", err
	}
	err := tx.Model(&models.AutofillEvent{}).Where("id = ?", ev.ID).
		Updates(map[string]any{"feedback_status": status, "feedback_at": time.Now().UTC()}).Error
	if ev.EventID == "" {
		return ev.ID, err // adopted, not reached by the backfill yet: its id is the event_id it will get
	}
	return ev.EventID, err
}
