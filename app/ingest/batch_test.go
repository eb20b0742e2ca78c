package ingest_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/ingest"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
)

// realRequest is one captured request of testdata/realclient_requests.json.
type realRequest struct {
	Client        string            `json:"client"`
	Caller        string            `json:"caller"`
	Method        string            `json:"method"`
	Path          string            `json:"path"`
	ClientHeaders map[string]string `json:"client_headers"`
	Credentials   *string           `json:"credentials"`
	Body          json.RawMessage   `json:"request_body"`
}

func realRequests(t *testing.T) []realRequest {
	t.Helper()
	var out []realRequest
	require.NoError(t, json.Unmarshal(storetest.Testdata(t, "realclient_requests.json"), &out))
	require.NotEmpty(t, out)
	return out
}

// TestRequeuedBatchStyles: the Phase 5.4 client re-queues a failed batch and sends it with the
// next run's event, under the first event's top-level gen_style_id and policy. Those belong to
// the first event only: the next run is stored without a style rather than with another run's.
func TestRequeuedBatchStyles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, nil)
		var requeued map[string]any
		for _, r := range realRequests(t) {
			if r.Path == ingest.PathSync && r.Caller == "Phase 5.4 learning/client.js: a failed sync is re-queued and re-sent with the next run's event" {
				require.NoError(t, json.Unmarshal(r.Body, &requeued))
			}
		}
		require.NotNil(t, requeued, "the fixture has the re-queued batch")
		events := requeued["events"].([]any)
		next := map[string]any{}
		for k, v := range events[0].(map[string]any) {
			next[k] = v
		}
		next["duration_ms"] = 2222 // the next run
		requeued["events"] = append(events, next)

		r := a.post(ingest.PathSync, requeued)
		require.Equal(t, http.StatusAccepted, r.Status, r.Raw)
		require.EqualValues(t, 2, r.Body["events_saved"])
		var stored []models.AutofillEvent
		require.NoError(t, db.Order("duration_ms").Find(&stored).Error)
		require.Len(t, stored, 2)
		require.Equal(t, "concise_bullets_v1", *stored[0].GenStyleID, "the first event's own top level")
		require.Equal(t, "exploit", *stored[0].Policy)
		require.Nil(t, stored[1].GenStyleID, "not the first event's style")

		// The first event alone, as first sent (its reply lost), is the same event.
		alone := map[string]any{}
		for k, v := range requeued {
			alone[k] = v
		}
		alone["events"] = events[:1]
		r = a.post(ingest.PathSync, alone)
		require.EqualValues(t, 1, r.Body["duplicates"])
	})
}

// TestClientSegment: a client-derived segment_key (Phase 5.3) is stored; an unknown one is a
// 422 naming it; a job title, when sent, wins.
func TestClientSegment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, nil)
		ev := func(seg string, title any) map[string]any {
			e := map[string]any{"host": "jobs.lever.co", "schema_hash": "seg-1", "segment_key": seg, "duration_ms": len(seg)}
			if title != nil {
				e["job"] = map[string]any{"title": title}
			}
			return e
		}
		r := a.post(ingest.PathSync, map[string]any{"host": "jobs.lever.co", "schema_hash": "seg-1",
			"events": []any{ev("junior", nil), ev("boss", nil)}})
		require.Equal(t, http.StatusUnprocessableEntity, r.Status)
		require.Equal(t, []string{"events[1].segment_key"}, fieldsOf(r))
		require.Zero(t, storetest.Count(t, db, "autofill_events"))

		r = a.post(ingest.PathSync, map[string]any{"host": "jobs.lever.co", "schema_hash": "seg-1",
			"events": []any{ev("junior", nil), ev("intern", "Senior Platform Engineer"), ev("", nil)}})
		require.Equal(t, http.StatusAccepted, r.Status, r.Raw)
		segs := []any{}
		for _, e := range r.Body["events"].([]any) {
			segs = append(segs, e.(map[string]any)["segment_key"])
		}
		require.Equal(t, []any{"junior", "senior", ""}, segs)
	})
}

// TestClientDiscipline: a discipline the client sends in job.discipline is stored instead of
// the one derived from the title (with no rules version); an unknown one is a 422 naming it;
// a job with only a title gets the derived one.
func TestClientDiscipline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, nil)
		ev := func(n int, job map[string]any) map[string]any {
			return map[string]any{"host": "jobs.lever.co", "schema_hash": "disc-1", "duration_ms": n, "job": job}
		}
		r := a.post(ingest.PathSync, map[string]any{"host": "jobs.lever.co", "schema_hash": "disc-1", "events": []any{
			ev(1, map[string]any{"discipline": "data"}), ev(2, map[string]any{"title": "Data Scientist", "discipline": "wizardry"}),
		}})
		require.Equal(t, http.StatusUnprocessableEntity, r.Status)
		require.Equal(t, []string{"events[1].job.discipline"}, fieldsOf(r))
		require.Contains(t, r.Raw, "engineering, data, design")
		require.Zero(t, storetest.Count(t, db, "autofill_events"))

		r = a.post(ingest.PathSync, map[string]any{"host": "jobs.lever.co", "schema_hash": "disc-1", "events": []any{
			ev(1, map[string]any{"title": "Senior Account Executive", "discipline": "data"}),
			ev(2, map[string]any{"title": "Senior Account Executive"}),
			ev(3, map[string]any{"discipline": "design"}),
			ev(4, map[string]any{"title": "Senior Account Executive", "discipline": ""}),
		}})
		require.Equal(t, http.StatusAccepted, r.Status, r.Raw)
		var stored []models.AutofillEvent
		require.NoError(t, db.Where("schema_hash = ?", "disc-1").Order("duration_ms").Find(&stored).Error)
		require.Len(t, stored, 4)
		got := func(e models.AutofillEvent) (string, any) {
			var rules any
			if e.DisciplineRules != nil {
				rules = int(*e.DisciplineRules)
			}
			return *e.Discipline, rules
		}
		d, rules := got(stored[0])
		require.Equal(t, "data", d, "the client's wins over the title")
		require.Nil(t, rules, "no rules of ours made it")
		d, rules = got(stored[1])
		require.Equal(t, "sales", d)
		require.Equal(t, learning.DisciplineRulesVersion, rules)
		d, rules = got(stored[2])
		require.Equal(t, "design", d, "a discipline with no title")
		require.Nil(t, rules)
		d, _ = got(stored[3])
		require.Equal(t, "sales", d, "an empty one is not sent")
		require.Equal(t, "senior", *stored[0].SegmentKey, "the segment still comes from the title")
	})
}
