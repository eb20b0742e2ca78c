package learning

import (
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/applylens/learning/app/models"
)

// SentEvent is one autofill run as the extension sends it in a sync batch, decoded but not yet
// built into a row. The API checks it field by field (naming each wrong one); BuildEvent turns
// a checked one into the row to store.
type SentEvent struct {
	EventID          *string           `json:"event_id"`
	Host             *string           `json:"host"`
	SchemaHash       *string           `json:"schema_hash"`
	SuggestedMap     map[string]string `json:"suggested_map"`
	FinalMap         map[string]string `json:"final_map"`
	GenStyleID       *string           `json:"gen_style_id"`
	EditStats        *SentEditStats    `json:"edit_stats"`
	DurationMS       *int              `json:"duration_ms"`
	ValidationErrors map[string]any    `json:"validation_errors"`
	Status           *string           `json:"status"`
	ApplicationID    *int              `json:"application_id"`
	Job              *SentJob          `json:"job"`
	Policy           *string           `json:"policy"`
	OccurredAt       *string           `json:"occurred_at"`
	FeedbackStatus   *string           `json:"feedback_status"`
	EditChars        *int              `json:"edit_chars"`
	Propensity       *float64          `json:"propensity"`
	// SegmentKey is a segment the client derived itself (the seed's Phase 5.3 plan): one of
	// Segments(). A job title, when sent, wins over it.
	SegmentKey *string `json:"segment_key"`
}

// SentEditStats are the edits the user made to the filled answers.
type SentEditStats struct {
	TotalCharsAdded   *int           `json:"total_chars_added"`
	TotalCharsDeleted *int           `json:"total_chars_deleted"`
	PerField          map[string]any `json:"per_field"`
}

// SentJob is the job the form applies to.
type SentJob struct {
	Title           *string `json:"title"`
	NormalizedTitle *string `json:"normalized_title"`
	// Discipline is one the client knows itself: one of Disciplines(). When sent it is stored
	// instead of the one derived from the title, with no rules version (discipline_rules null:
	// no rules of ours made it).
	Discipline *string `json:"discipline"`
}

// BatchDefaults are a batch's top-level gen_style_id and policy (the shipped client puts them
// there), already checked: BuildBatch gives them to the batch's first event when it lacks its
// own.
type BatchDefaults struct {
	GenStyleID string
	Policy     string
}

// BuildBatch turns a batch's checked events into the rows to store. A batch's top-level
// gen_style_id and policy are the first event's: the Phase 5.4 client takes them from the
// first queued event, and a batch it re-queued after a failure carries the next runs after it,
// which used other styles. So they apply to the first event only (when it has none of its
// own); a later event without its own style has none. The derived event ids still hash the
// batch's top level for every event (runIdentityV1 is frozen), so retried batches keep their
// ids.
func BuildBatch(in []SentEvent, batch BatchDefaults, now time.Time) []models.AutofillEvent {
	out := make([]models.AutofillEvent, len(in))
	for i := range in {
		inherit := BatchDefaults{}
		if i == 0 {
			inherit = batch
		}
		out[i] = buildEvent(&in[i], EventID(&in[i], batch), inherit, now)
	}
	return out
}

// buildEvent turns a checked event into the row to store: its id, host normalised, strings
// trimmed, defaults (status "ok", policy exploit, empty maps), the inherited style and policy
// when the event has none, its segment (from the job's title, else the client's) and discipline
// (the client's, else from the job's title).
// SaveEvents fills the rest.
func buildEvent(in *SentEvent, id string, batch BatchDefaults, now time.Time) models.AutofillEvent {
	e := models.AutofillEvent{
		EventID:          id,
		Host:             NormalizeHost(deref(in.Host)),
		SchemaHash:       strings.TrimSpace(deref(in.SchemaHash)),
		Status:           "ok",
		SuggestedMap:     models.NewJSON(orEmpty(in.SuggestedMap)),
		FinalMap:         models.NewJSON(orEmpty(in.FinalMap)),
		ValidationErrors: models.NewJSON(in.ValidationErrors),
		DurationMS:       in.DurationMS,
		ApplicationID:    in.ApplicationID,
		EditChars:        in.EditChars,
		Propensity:       in.Propensity,
	}
	if in.ValidationErrors == nil {
		e.ValidationErrors = models.NewJSON(map[string]any{})
	}
	if in.Status != nil {
		e.Status = strings.TrimSpace(*in.Status)
	}
	if s := in.EditStats; s != nil {
		e.EditStats = models.NewJSON(models.EditStats{TotalCharsAdded: s.TotalCharsAdded,
			TotalCharsDeleted: s.TotalCharsDeleted, PerField: s.PerField})
	}
	if in.GenStyleID != nil {
		if style := strings.TrimSpace(*in.GenStyleID); style != "" {
			e.GenStyleID = &style
		}
	} else if batch.GenStyleID != "" {
		style := batch.GenStyleID
		e.GenStyleID = &style
	}
	policy := PolicyExploit
	if in.Policy != nil {
		policy = *in.Policy
	} else if batch.Policy != "" {
		policy = batch.Policy
	}
	e.Policy = &policy
	if in.Job != nil {
		title := strings.TrimSpace(deref(in.Job.Title))
		norm := strings.TrimSpace(deref(in.Job.NormalizedTitle))
		if seg := SegmentFromJob(title, norm); seg != "" {
			e.SegmentKey = &seg
		}
		if d := strings.TrimSpace(deref(in.Job.Discipline)); d != "" {
			e.Discipline = &d
		} else if d := DisciplineFromJob(title, norm); d != "" {
			v := int16(DisciplineRulesVersion)
			e.Discipline, e.DisciplineRules = &d, &v
		}
	}
	if e.SegmentKey == nil && in.SegmentKey != nil && *in.SegmentKey != "" {
		seg := strings.TrimSpace(*in.SegmentKey)
		e.SegmentKey = &seg
	}
	if in.OccurredAt != nil {
		if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(*in.OccurredAt)); err == nil {
			t = t.UTC()
			e.OccurredAt = &t
		}
	}
	if in.FeedbackStatus != nil {
		fs := *in.FeedbackStatus
		e.FeedbackStatus = &fs
		e.FeedbackAt = &now
	}
	return e
}

// ParseEventID reads an event_id as sent: a UUID, in its canonical form.
func ParseEventID(s string) (string, error) {
	id, err := uuid.Parse(strings.TrimSpace(s))
	if err != nil {
		return "", err
	}
	return id.String(), nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func orEmpty(m map[string]string) models.StringMap {
	if m == nil {
		return models.StringMap{}
	}
	return m
}
