package report

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
)

// EventsPageSize is how many events a page lists.
const EventsPageSize = 50

// EventFilter selects events. Empty fields do not filter; None selects a missing value.
type EventFilter struct {
	Host       string // exact host (normalised)
	Family     string // a family, or learning.FamilyOther
	Segment    string
	Discipline string // the job's discipline (learning.Disciplines), or None
	Style      string
	Policy     string
	Rating     string // helpful | unhelpful | unrated
	Before     string // cursor: the page starts after this event (newest first)
	UserID     string // one user's events (My extension)
}

// EventPage is one page of events, newest first.
type EventPage struct {
	Events []models.AutofillEvent
	Next   string // cursor of the next (older) page, "" when this is the last
}

// ListEvents returns the newest events that match f, EventsPageSize at a time. Paging uses a
// cursor on (created_at, id), which stays fast however deep one pages.
func ListEvents(ctx context.Context, db *gorm.DB, f EventFilter) (*EventPage, error) {
	q := db.WithContext(ctx).Model(&models.AutofillEvent{}).
		Select("id", "event_id", "user_id", "host", "schema_hash", "host_family", "gen_style_id", "duration_ms",
			"status", "feedback_status", "edit_chars", "segment_key", "discipline", "policy", "created_at", "feedback_at")
	if h := learning.NormalizeHost(f.Host); h != "" {
		q = q.Where("host = ?", h)
	}
	if f.Family != "" {
		if f.Family == learning.FamilyOther {
			q = q.Where("(host_family = '' OR host_family IS NULL)")
		} else {
			q = q.Where("host_family = ?", f.Family)
		}
	}
	if f.UserID != "" {
		q = q.Where("user_id = ?", f.UserID)
	}
	q = optional(q, "segment_key", f.Segment)
	q = optional(q, "discipline", f.Discipline)
	q = optional(q, "gen_style_id", f.Style)
	q = optional(q, "policy", f.Policy)
	switch f.Rating {
	case "":
	case learning.Helpful, learning.Unhelpful:
		q = q.Where("feedback_status = ?", f.Rating)
	case "unrated":
		q = q.Where("feedback_status IS NULL")
	default:
		return nil, fmt.Errorf("rating %q: %w", f.Rating, ErrBadFilter)
	}
	if f.Before != "" {
		at, id, err := parseCursor(f.Before)
		if err != nil {
			return nil, err
		}
		q = q.Where("(created_at < ? OR (created_at = ? AND id < ?))", at, at, id)
	}
	var evs []models.AutofillEvent
	if err := q.Order("created_at DESC, id DESC").Limit(EventsPageSize + 1).Find(&evs).Error; err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	p := &EventPage{Events: evs}
	if len(evs) > EventsPageSize {
		p.Events = evs[:EventsPageSize]
		last := p.Events[EventsPageSize-1]
		p.Next = last.CreatedAt.UTC().Format(time.RFC3339Nano) + "_" + last.ID
	}
	return p, nil
}

// optional filters col by v: None means NULL (or empty).
func optional(q *gorm.DB, col, v string) *gorm.DB {
	switch v {
	case "":
		return q
	case None:
		return q.Where("(" + col + " IS NULL OR " + col + " = '')")
	default:
		return q.Where(col+" = ?", v)
	}
}

func parseCursor(c string) (time.Time, string, error) {
	ts, id, ok := strings.Cut(c, "_")
	if !ok || id == "" {
		return time.Time{}, "", fmt.Errorf("cursor %q: %w", c, ErrBadFilter)
	}
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("cursor %q: %w", c, ErrBadFilter)
	}
	u, err := uuid.Parse(id) // an event's id is a UUID (Postgres refuses anything else)
	if err != nil {
		return time.Time{}, "", fmt.Errorf("cursor %q: %w", c, ErrBadFilter)
	}
	return at.UTC(), u.String(), nil // as stored (SQLite compares the text): uuid.Parse takes other spellings too
}
