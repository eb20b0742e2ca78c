package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/web"
)

// syncRequest is the batch the extension posts. The shipped client puts gen_style_id and
// policy at the top level; they apply to every event that lacks its own.
type syncRequest struct {
	Host       *string           `json:"host"`
	SchemaHash *string           `json:"schema_hash"`
	GenStyleID *string           `json:"gen_style_id"`
	Policy     *string           `json:"policy"`
	Events     []json.RawMessage `json:"events"`
}

type syncEventReply struct {
	EventID    string `json:"event_id"`
	Status     string `json:"status"` // saved | duplicate
	SegmentKey string `json:"segment_key"`
	HostFamily string `json:"host_family"`
}

type syncReply struct {
	Status      string           `json:"status"`
	Persisted   bool             `json:"persisted"`
	EventsSaved int              `json:"events_saved"`
	Duplicates  int              `json:"duplicates"`
	Events      []syncEventReply `json:"events"`
}

// syncPost stores a batch of autofill events: all of it or, when anything is wrong, none of
// it (422 naming every wrong field). Replayed events are reported as duplicates.
func (h *Handlers) syncPost(c *gin.Context) {
	events, touch, err := h.readSync(c)
	if err != nil {
		web.Fail(c, err)
		return
	}
	user := web.CurrentUser(c)
	res, err := learning.SaveEvents(web.Context(c), h.DB, user.ID, events, touch)
	var unknownApp *learning.ErrUnknownApplication
	if errors.As(err, &unknownApp) {
		web.Fail(c, web.Invalid([]web.FieldError{{Field: fmt.Sprintf("events[%d].application_id", unknownApp.Index), Message: unknownApp.Error()}}))
		return
	}
	if err != nil {
		h.Metrics.AutofillRuns.WithLabelValues(batchError).Inc()
		web.Fail(c, web.Internal(err))
		return
	}
	h.Metrics.AutofillRuns.WithLabelValues(batchPersisted).Inc()
	h.countStored(res.Inserted)
	reply := syncReply{Status: "accepted", Persisted: true, EventsSaved: res.Saved, Duplicates: res.Duplicates,
		Events: make([]syncEventReply, len(res.Events))}
	for i, e := range res.Events {
		st := "saved"
		if e.Duplicate {
			st = "duplicate"
		}
		reply.Events[i] = syncEventReply{EventID: e.EventID, Status: st, SegmentKey: e.SegmentKey, HostFamily: e.HostFamily}
	}
	c.JSON(http.StatusAccepted, reply)
}

// fastSyncRequest decodes a whole batch in one pass. A batch that does not decode this way is
// decoded again event by event, to name the wrong field with its index.
type fastSyncRequest struct {
	syncRequest
	Events []learning.SentEvent `json:"events"`
}

// readSync decodes and validates the whole batch and builds its events.
func (h *Handlers) readSync(c *gin.Context) ([]models.AutofillEvent, *learning.Form, error) {
	body, err := readBody(c)
	if err != nil {
		return nil, nil, err
	}
	var fast fastSyncRequest
	if len(body) > 0 && json.Unmarshal(body, &fast) == nil && fast.Events != nil {
		return h.validateSync(body, &fast.syncRequest, fast.Events)
	}
	var req syncRequest
	if err := decodeBytes(body, &req, ""); err != nil {
		return nil, nil, err
	}
	events := make([]learning.SentEvent, len(req.Events))
	v := &checker{}
	for i, raw := range req.Events {
		if err := decodeBytes(raw, &events[i], fmt.Sprintf("events[%d].", i)); err != nil {
			var we *web.Error
			if errors.As(err, &we) {
				v.fields = append(v.fields, we.Fields...)
			}
		}
	}
	if req.Events != nil && len(req.Events) <= h.Config.MaxEventsPerBatch {
		if err := v.err(); err != nil {
			return nil, nil, err
		}
	}
	if req.Events == nil {
		events = nil
	}
	return h.validateSync(body, &req, events)
}

// validateSync checks the whole batch and builds its events.
func (h *Handlers) validateSync(body []byte, req *syncRequest, in []learning.SentEvent) ([]models.AutofillEvent, *learning.Form, error) {
	v := h.newChecker(body)
	top := learning.Form{Host: v.host("host", req.Host, true), SchemaHash: v.text("schema_hash", req.SchemaHash, true, config.MaxSchemaHashLen)}
	topStyle := v.ident("gen_style_id", req.GenStyleID, false)
	topPolicy := v.oneOf("policy", req.Policy, learning.PolicyExploit, learning.PolicyExplore, learning.PolicyFallback)
	switch {
	case in == nil:
		v.fail("events", "is required (an array of events)")
	case len(in) == 0:
		v.fail("events", "is empty; send at least one event")
	case len(in) > h.Config.MaxEventsPerBatch:
		v.fail("events", "has %d events; at most %d are allowed per batch", len(in), h.Config.MaxEventsPerBatch)
		return nil, nil, v.err()
	}
	now := time.Now().UTC()
	for i := range in {
		h.checkEvent(v, fmt.Sprintf("events[%d].", i), &in[i], now)
	}
	if err := v.err(); err != nil {
		return nil, nil, err
	}
	return learning.BuildBatch(in, learning.BatchDefaults{GenStyleID: topStyle, Policy: topPolicy}, now), &top, nil
}

// checkEvent checks one event of a batch, naming each wrong field under the prefix p.
func (h *Handlers) checkEvent(v *checker, p string, in *learning.SentEvent, now time.Time) {
	v.host(p+"host", in.Host, true)
	v.text(p+"schema_hash", in.SchemaHash, true, config.MaxSchemaHashLen)
	if in.EventID != nil {
		if _, err := learning.ParseEventID(*in.EventID); err != nil {
			v.fail(p+"event_id", "must be a UUID (got %q)", truncate(*in.EventID, 40))
		}
	}
	if in.Status != nil {
		st := v.text(p+"status", in.Status, true, config.MaxStatusLen)
		if st != "" && !statusFormat.MatchString(st) {
			v.fail(p+"status", "must be lower-case letters, digits and '_' (got %q)", st)
		}
	}
	v.stringMap(p+"suggested_map", in.SuggestedMap)
	v.stringMap(p+"final_map", in.FinalMap)
	v.object(p+"validation_errors", in.ValidationErrors)
	if in.EditStats != nil {
		v.intRange(p+"edit_stats.total_chars_added", in.EditStats.TotalCharsAdded, 0, config.MaxEditChars)
		v.intRange(p+"edit_stats.total_chars_deleted", in.EditStats.TotalCharsDeleted, 0, config.MaxEditChars)
		v.object(p+"edit_stats.per_field", in.EditStats.PerField)
	}
	v.intRange(p+"duration_ms", in.DurationMS, 0, config.MaxDurationMS)
	v.intRange(p+"application_id", in.ApplicationID, 1, config.MaxApplicationID)
	v.ident(p+"gen_style_id", in.GenStyleID, false)
	v.oneOf(p+"policy", in.Policy, learning.PolicyExploit, learning.PolicyExplore, learning.PolicyFallback)
	if in.Job != nil {
		v.text(p+"job.title", in.Job.Title, false, config.MaxJobTitleLen)
		v.text(p+"job.normalized_title", in.Job.NormalizedTitle, false, config.MaxJobTitleLen)
		if in.Job.Discipline != nil && *in.Job.Discipline != "" {
			v.oneOf(p+"job.discipline", in.Job.Discipline, learning.Disciplines()...)
		}
	}
	if in.SegmentKey != nil && *in.SegmentKey != "" {
		v.oneOf(p+"segment_key", in.SegmentKey, learning.Segments()...)
	}
	if in.OccurredAt != nil {
		t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(*in.OccurredAt))
		switch {
		case err != nil:
			v.fail(p+"occurred_at", "must be an RFC 3339 time such as 2026-11-29T06:41:00Z (got %q)", truncate(*in.OccurredAt, 40))
		case t.After(now.Add(config.MaxClockAhead)):
			v.fail(p+"occurred_at", "is more than a day in the future")
		}
	}
	v.oneOf(p+"feedback_status", in.FeedbackStatus, learning.Helpful, learning.Unhelpful)
	v.intRange(p+"edit_chars", in.EditChars, 0, config.MaxEditChars)
	if in.Propensity != nil && (*in.Propensity <= 0 || *in.Propensity > 1) {
		v.fail(p+"propensity", "must be in (0, 1] (got %g)", *in.Propensity)
	}
}

// Outcomes of a batch in applylens_autofill_runs_total, as the original counted them (its
// third, sqlite_skip, never happens here: every backend persists).
const (
	batchPersisted = "persisted"
	batchError     = "error"
)

// knownStatuses bound the status label of applylens_autofill_events_total.
var knownStatuses = map[string]bool{"ok": true, "validation_failed": true, "error": true, "partial": true, "aborted": true, "failed": true}

// countStored counts the rows just committed, by status and by policy.
func (h *Handlers) countStored(rows []models.AutofillEvent) {
	for _, e := range rows {
		st := e.Status
		if !knownStatuses[st] {
			st = "other"
		}
		h.Metrics.AutofillEvents.WithLabelValues(st).Inc()
		seg := ""
		if e.SegmentKey != nil {
			seg = *e.SegmentKey
		}
		h.Metrics.AutofillPolicy.WithLabelValues(*e.Policy, learning.FamilyLabel(e.HostFamily), seg).Inc()
	}
}
