package learning

import (
	"encoding/json"

	"github.com/google/uuid"
)

// EventID is the idempotency key of an event (unique per user): the event_id it was sent with
// or, for an event sent without one (the shipped client sends none), a UUIDv5 of what defines
// the run (runIdentityV1), so that a batch the client re-sends is stored once. Two real runs
// with the same maps, edits, timing to the millisecond, status, style and job would also be
// stored once; for such clients that is the price of not doubling every retried batch. Ids are
// per user (the unique index is on user_id, event_id), so users never collide. The event must
// have been checked (a sent event_id is a UUID).
func EventID(in *SentEvent, batch BatchDefaults) string {
	if in.EventID != nil {
		id, err := ParseEventID(*in.EventID)
		if err != nil {
			panic("learning: EventID of an unchecked event: " + err.Error())
		}
		return id
	}
	b, err := json.Marshal(identityV1(in, batch))
	if err != nil {
		panic("learning: a run's identity does not marshal: " + err.Error())
	}
	return uuid.NewSHA1(contentEventNamespace, b).String()
}

// contentEventNamespace names the event ids derived from an event's content.
var contentEventNamespace = uuid.MustParse("5f0c8f52-3b0e-4d43-9b9e-2f6a1c0d7e41")

// runIdentityV1 is version 1 of what defines a run, FROZEN: its JSON is what the derived id
// hashes, and it is byte for byte the JSON the first server hashed (the sync request's event
// as it stood then, with the batch's style and policy), so ids derived before and after any
// later change stay equal and a batch retried across an upgrade is stored once
// (TestEventIDGolden). A field added to SentEvent is not part of it; never edit these types:
// a new definition is a new version with its own namespace, and doubles retried batches once.
type runIdentityV1 struct {
	Event  eventIdentityV1 `json:"e"`
	Style  string          `json:"s"`
	Policy string          `json:"p"`
}

type eventIdentityV1 struct {
	EventID          *string              `json:"event_id"` // always null: only events sent without one get a derived id
	Host             *string              `json:"host"`
	SchemaHash       *string              `json:"schema_hash"`
	SuggestedMap     map[string]string    `json:"suggested_map"`
	FinalMap         map[string]string    `json:"final_map"`
	GenStyleID       *string              `json:"gen_style_id"`
	EditStats        *editStatsIdentityV1 `json:"edit_stats"`
	DurationMS       *int                 `json:"duration_ms"`
	ValidationErrors map[string]any       `json:"validation_errors"`
	Status           *string              `json:"status"`
	ApplicationID    *int                 `json:"application_id"`
	Job              *jobIdentityV1       `json:"job"`
	Policy           *string              `json:"policy"`
	OccurredAt       *string              `json:"occurred_at"`
	FeedbackStatus   *string              `json:"feedback_status"`
	EditChars        *int                 `json:"edit_chars"`
	Propensity       *float64             `json:"propensity"`
}

type editStatsIdentityV1 struct {
	TotalCharsAdded   *int           `json:"total_chars_added"`
	TotalCharsDeleted *int           `json:"total_chars_deleted"`
	PerField          map[string]any `json:"per_field"`
}

type jobIdentityV1 struct {
	Title           *string `json:"title"`
	NormalizedTitle *string `json:"normalized_title"`
}

// identityV1 copies, field by field, what defines a run as version 1 knows it.
func identityV1(in *SentEvent, batch BatchDefaults) runIdentityV1 {
	ev := eventIdentityV1{
		EventID: in.EventID, Host: in.Host, SchemaHash: in.SchemaHash,
		SuggestedMap: in.SuggestedMap, FinalMap: in.FinalMap, GenStyleID: in.GenStyleID,
		DurationMS: in.DurationMS, ValidationErrors: in.ValidationErrors, Status: in.Status,
		ApplicationID: in.ApplicationID, Policy: in.Policy, OccurredAt: in.OccurredAt,
		FeedbackStatus: in.FeedbackStatus, EditChars: in.EditChars, Propensity: in.Propensity,
	}
	if s := in.EditStats; s != nil {
		ev.EditStats = &editStatsIdentityV1{TotalCharsAdded: s.TotalCharsAdded, TotalCharsDeleted: s.TotalCharsDeleted, PerField: s.PerField}
	}
	if j := in.Job; j != nil {
		ev.Job = &jobIdentityV1{Title: j.Title, NormalizedTitle: j.NormalizedTitle}
	}
	return runIdentityV1{Event: ev, Style: batch.GenStyleID, Policy: batch.Policy}
}
