package ingest_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/ingest"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
)

// fixtureCalls are the Phase 5.4 client's calls of realclient_requests.json to this service,
// in the order it made them.
func fixtureCalls(t *testing.T) (profile string, syncs, thumbs []json.RawMessage) {
	t.Helper()
	for _, r := range realRequests(t) {
		if r.Client != "content.js @00ddf6e (Phase 5.4 bandit) + learning.profileClient.js + learning/client.js" {
			continue
		}
		switch r.Path {
		case ingest.PathSync:
			syncs = append(syncs, r.Body)
		case ingest.PathLegacyFeedback:
			thumbs = append(thumbs, r.Body)
		default:
			if r.Method == http.MethodGet {
				profile = r.Path
			}
		}
	}
	require.NotEmpty(t, profile)
	require.GreaterOrEqual(t, len(syncs), 5)
	require.Len(t, thumbs, 2)
	return profile, syncs, thumbs
}

// ratingOf is the rating of the event stored with this duration.
func ratingOf(t *testing.T, db *gorm.DB, durationMS int) *string {
	t.Helper()
	var e models.AutofillEvent
	require.NoError(t, db.Where("duration_ms = ?", durationMS).Take(&e).Error)
	return e.FeedbackStatus
}

// TestThumbsRateTheRunOnScreen replays the fixture's two sequences. A thumbs after the run's
// sync rates that run; a thumbs before "Fill all" (the client read /profile, the run's sync
// has not come) is held and rates the run's event when it arrives, not the previous run.
func TestThumbsRateTheRunOnScreen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, nil)
		profile, syncs, thumbs := fixtureCalls(t)

		// Sequence 1: profile read → Fill all (sync) → thumbs up.
		require.Equal(t, http.StatusOK, a.get(profile).Status)
		require.Equal(t, http.StatusAccepted, a.post(ingest.PathSync, []byte(syncs[0])).Status) // 166 ms
		r := a.post(ingest.PathLegacyFeedback, []byte(thumbs[0]))
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		require.Equal(t, learning.AttributedAfterRead, r.Body["attribution"])
		require.Equal(t, "helpful", *ratingOf(t, db, 166))

		// Sequence 2: the next run reads the profile, the user clicks thumbs down before Fill all.
		require.Equal(t, http.StatusOK, a.get(profile).Status)
		r = a.post(ingest.PathLegacyFeedback, []byte(thumbs[1]))
		require.Equal(t, http.StatusAccepted, r.Status, r.Raw)
		require.Equal(t, "held", r.Body["status"])
		require.Equal(t, learning.AttributedHeld, r.Body["attribution"])
		require.Nil(t, r.Body["event_id"])
		require.NotEmpty(t, r.Body["held_until"])
		require.Equal(t, "helpful", *ratingOf(t, db, 166), "the previous run keeps its own rating")
		require.Equal(t, http.StatusAccepted, a.post(ingest.PathSync, []byte(syncs[1])).Status) // 147 ms
		require.Equal(t, "unhelpful", *ratingOf(t, db, 147), "the held rating is the run's")
		require.Equal(t, "helpful", *ratingOf(t, db, 166))
		// It is attached once: the next run's sync gets nothing.
		require.Equal(t, http.StatusAccepted, a.post(ingest.PathSync, []byte(syncs[2])).Status) // 150 ms
		require.Nil(t, ratingOf(t, db, 150))

		// A held rating whose run never syncs within the window falls back to the latest event
		// before it (the runs so far happened 40 minutes ago).
		require.NoError(t, db.Model(&models.AutofillEvent{}).Where("user_id = ?", a.userID).
			Update("created_at", time.Now().UTC().Add(-40*time.Minute)).Error)
		require.Equal(t, http.StatusOK, a.get(profile).Status)
		require.Equal(t, http.StatusAccepted, a.post(ingest.PathLegacyFeedback, []byte(thumbs[0])).Status)
		require.NoError(t, db.Model(&models.ProfileRead{}).Where("user_id = ?", a.userID).
			Update("pending_at", time.Now().UTC().Add(-learning.FeedbackHoldWindow-time.Minute)).Error)
		require.Equal(t, http.StatusAccepted, a.post(ingest.PathSync, []byte(syncs[3])).Status) // 153 ms
		require.Nil(t, ratingOf(t, db, 153), "too late for the new event")
		require.Equal(t, "helpful", *ratingOf(t, db, 150), "today's rule: the latest event before the rating")

		// No read at all (a client that never reads the profile): the latest event, as before.
		_, other := a.newUser("lee@example.com")
		require.Equal(t, http.StatusAccepted, a.do(http.MethodPost, ingest.PathSync, []byte(syncs[4]), other).Status) // 162 ms
		r = a.do(http.MethodPost, ingest.PathLegacyFeedback, []byte(thumbs[1]), other)
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		require.Equal(t, learning.AttributedLatest, r.Body["attribution"])
		require.Equal(t, "unhelpful", *ratingOf(t, db, 162))
	})
}

// TestPropensityImputed: events of the ε-greedy client arrive without a propensity; each gets
// the one its policy implies from what /profile served the caller, marked imputed. A sent
// propensity is kept as sent.
func TestPropensityImputed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, nil)
		profile, syncs, _ := fixtureCalls(t)
		storeProfile(t, db, "boards.greenhouse.io", "bfeb90", 0.9, 25, 20, sampleHint()) // concise preferred, narrative competing
		require.Equal(t, http.StatusOK, a.get(profile).Status)
		for _, s := range syncs {
			require.Equal(t, http.StatusAccepted, a.post(ingest.PathSync, []byte(s)).Status)
		}
		var evs []models.AutofillEvent
		require.NoError(t, db.Where("schema_hash = ?", "bfeb90").Order("duration_ms").Find(&evs).Error)
		got := map[int]float64{}
		for _, e := range evs {
			if *e.DurationMS == 152 {
				continue // below
			}
			require.NotNil(t, e.Propensity, "%d ms", *e.DurationMS)
			require.True(t, e.PropensityImputed)
			got[*e.DurationMS] = *e.Propensity
		}
		require.Equal(t, map[int]float64{
			166: 1,    // fallback
			147: 0.85, // exploit of the preferred style, one competitor
			150: 0.85,
			153: 1,    // fallback
			162: 0.15, // explore of the one competitor
		}, got)
		// 152 ms explored concise_bullets_v1, the preferred style: not what ε-greedy explores,
		// so nothing is claimed.
		var odd models.AutofillEvent
		require.NoError(t, db.Where("duration_ms = ?", 152).Take(&odd).Error)
		require.Nil(t, odd.Propensity)
		require.False(t, odd.PropensityImputed)

		body := map[string]any{"host": "jobs.lever.co", "schema_hash": "p-1", "events": []any{
			map[string]any{"host": "jobs.lever.co", "schema_hash": "p-1", "gen_style_id": "x", "policy": "explore", "propensity": 0.3}}}
		require.Equal(t, http.StatusAccepted, a.post(ingest.PathSync, body).Status)
		var sent models.AutofillEvent
		require.NoError(t, db.Where("schema_hash = ?", "p-1").Take(&sent).Error)
		require.InDelta(t, 0.3, *sent.Propensity, 1e-12)
		require.False(t, sent.PropensityImputed)
	})
}

// TestHeldRatingGoesToTheNewestRunOfARequeuedBatch: a batch the client re-queued sends the
// older run first; the rating held since the last profile read is the newest run's.
func TestHeldRatingGoesToTheNewestRunOfARequeuedBatch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, nil)
		profile, syncs, thumbs := fixtureCalls(t)
		var first, second map[string]any
		require.NoError(t, json.Unmarshal(syncs[0], &first))  // 166 ms: its sync failed, re-queued
		require.NoError(t, json.Unmarshal(syncs[1], &second)) // 147 ms: the run on screen
		batch := first
		batch["events"] = append(first["events"].([]any), second["events"].([]any)...)

		require.Equal(t, http.StatusOK, a.get(profile).Status)
		require.Equal(t, http.StatusAccepted, a.post(ingest.PathLegacyFeedback, []byte(thumbs[1])).Status)
		require.Equal(t, http.StatusAccepted, a.post(ingest.PathSync, batch).Status)
		require.Equal(t, "unhelpful", *ratingOf(t, db, 147))
		require.Nil(t, ratingOf(t, db, 166))
	})
}
