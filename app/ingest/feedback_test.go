package ingest_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/ingest"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
)

func TestFeedbackByEvent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, nil)
		require.Equal(t, http.StatusAccepted, a.post(ingest.PathSync, storetest.Testdata(t, "sync_per_event.json")).Status)

		// The fixture rates the first event unhelpful with 155 edited characters.
		r := a.post(ingest.PathFeedback, storetest.Testdata(t, "feedback_by_event.json"))
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		require.Equal(t, "0193a5c2-7a4e-7c11-9d2e-5b6f1a2b3c4d", r.Body["event_id"])
		var ev models.AutofillEvent
		require.NoError(t, db.Where("event_id = ?", "0193a5c2-7a4e-7c11-9d2e-5b6f1a2b3c4d").Take(&ev).Error)
		require.Equal(t, "unhelpful", *ev.FeedbackStatus)
		require.Equal(t, 155, *ev.EditChars)
		require.NotNil(t, ev.FeedbackAt)

		// The latest rating wins; edit_chars stays when not sent.
		r = a.post(ingest.PathFeedback, map[string]any{"event_id": "0193a5c2-7a4e-7c11-9d2e-5b6f1a2b3c4d", "feedback_status": "helpful"})
		require.Equal(t, http.StatusOK, r.Status)
		require.NoError(t, db.Where("event_id = ?", "0193a5c2-7a4e-7c11-9d2e-5b6f1a2b3c4d").Take(&ev).Error)
		require.Equal(t, "helpful", *ev.FeedbackStatus)
		require.Equal(t, 155, *ev.EditChars)

		_, other := a.newUser("lee@example.com")
		cases := []struct {
			name   string
			token  string
			body   any
			status int
			fields []string
		}{
			{"someone else's event", other, storetest.Testdata(t, "feedback_by_event.json"), 404, nil},
			{"unknown event", a.token, map[string]any{"event_id": "0193a5c2-0000-7c11-9d2e-5b6f1a2b3c4d", "feedback_status": "helpful"}, 404, nil},
			{"bad status", a.token, map[string]any{"event_id": "0193a5c2-7a4e-7c11-9d2e-5b6f1a2b3c4d", "feedback_status": "meh"}, 422, []string{"feedback_status"}},
			{"missing fields", a.token, map[string]any{}, 422, []string{"event_id", "feedback_status"}},
			{"bad id and edits", a.token, map[string]any{"event_id": "x", "feedback_status": "helpful", "edit_chars": -3}, 422, []string{"event_id", "edit_chars"}},
		}
		for _, c := range cases {
			r := a.do(http.MethodPost, ingest.PathFeedback, c.body, c.token)
			require.Equal(t, c.status, r.Status, "%s: %s", c.name, r.Raw)
			require.Equal(t, c.fields, fieldsOf(r), c.name)
		}
		require.NoError(t, db.Where("event_id = ?", "0193a5c2-7a4e-7c11-9d2e-5b6f1a2b3c4d").Take(&ev).Error)
		require.Equal(t, "helpful", *ev.FeedbackStatus, "refused ratings change nothing")
	})
}

func TestLegacyFeedback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, nil)
		// No event yet on that form: 404.
		r := a.post(ingest.PathLegacyFeedback, storetest.Testdata(t, "feedback_legacy.json"))
		require.Equal(t, http.StatusNotFound, r.Status, r.Raw)

		require.Equal(t, http.StatusAccepted, a.post(ingest.PathSync, storetest.Testdata(t, "sync_shipped_client.json")).Status)
		// A second, later run on the same form with another style.
		second := fixture(t, "sync_shipped_client.json")
		second["gen_style_id"] = "narrative_para_v1"
		require.Equal(t, http.StatusAccepted, a.post(ingest.PathSync, second).Status)

		r = a.post(ingest.PathLegacyFeedback, storetest.Testdata(t, "feedback_legacy.json"))
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		var rated models.AutofillEvent
		require.NoError(t, db.Where("event_id = ?", r.Body["event_id"]).Take(&rated).Error)
		require.Equal(t, "narrative_para_v1", *rated.GenStyleID, "the latest event is rated")
		require.Equal(t, "helpful", *rated.FeedbackStatus)

		// Naming the style picks the latest event with that style.
		r = a.post(ingest.PathLegacyFeedback, map[string]any{"host": "BOARDS.greenhouse.io", "schema_hash": "gh-7d1e9a",
			"status": "unhelpful", "gen_style_id": "concise_bullets_v1"})
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		var byStyle models.AutofillEvent
		require.NoError(t, db.Where("event_id = ?", r.Body["event_id"]).Take(&byStyle).Error)
		require.Equal(t, "concise_bullets_v1", *byStyle.GenStyleID)
		require.Equal(t, "unhelpful", *byStyle.FeedbackStatus)

		// Events older than a day are out of reach; other users' events too.
		require.NoError(t, db.Model(&models.AutofillEvent{}).Where("1 = 1").Update("created_at", time.Now().UTC().Add(-25*time.Hour)).Error)
		require.Equal(t, http.StatusNotFound, a.post(ingest.PathLegacyFeedback, storetest.Testdata(t, "feedback_legacy.json")).Status)
		third := fixture(t, "sync_shipped_client.json")
		third["events"].([]any)[0].(map[string]any)["duration_ms"] = 999
		require.EqualValues(t, 1, a.post(ingest.PathSync, third).Body["events_saved"])
		_, other := a.newUser("lee@example.com")
		require.Equal(t, http.StatusNotFound, a.do(http.MethodPost, ingest.PathLegacyFeedback, storetest.Testdata(t, "feedback_legacy.json"), other).Status)

		r = a.post(ingest.PathLegacyFeedback, map[string]any{"host": "boards.greenhouse.io", "status": "great"})
		require.Equal(t, http.StatusUnprocessableEntity, r.Status)
		require.Equal(t, []string{"schema_hash", "status"}, fieldsOf(r))
	})
}
