package ingest_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/ingest"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
)

func TestSyncFixturePayloads(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, nil)

		// The client that sends everything per event, with jobs.
		r := a.post(ingest.PathSync, storetest.Testdata(t, "sync_per_event.json"))
		require.Equal(t, http.StatusAccepted, r.Status, r.Raw)
		require.Equal(t, "accepted", r.Body["status"])
		require.Equal(t, true, r.Body["persisted"])
		require.EqualValues(t, 2, r.Body["events_saved"])
		require.EqualValues(t, 0, r.Body["duplicates"])
		evs := r.Body["events"].([]any)
		require.Equal(t, "0193a5c2-7a4e-7c11-9d2e-5b6f1a2b3c4d", evs[0].(map[string]any)["event_id"])
		require.Equal(t, "senior", evs[0].(map[string]any)["segment_key"])
		require.Equal(t, "intern", evs[1].(map[string]any)["segment_key"], "normalized_title wins")
		require.Equal(t, "lever", evs[1].(map[string]any)["host_family"])

		var stored []models.AutofillEvent
		require.NoError(t, db.Order("event_id").Find(&stored).Error)
		require.Len(t, stored, 2)
		require.Equal(t, a.userID, stored[0].UserID)
		require.Equal(t, "narrative_para_v1", *stored[0].GenStyleID)
		require.Equal(t, "exploit", *stored[0].Policy)
		require.Equal(t, "lever", stored[0].HostFamily)
		require.Equal(t, 120, *stored[0].EditStats.V.TotalCharsAdded)
		require.Equal(t, "cover_letter", stored[0].FinalMap.V["textarea[name='comments']"])
		require.Equal(t, "validation_failed", stored[1].Status)
		require.Equal(t, "explore", *stored[1].Policy)
		require.Equal(t, "required", stored[1].ValidationErrors.V["email"])

		// The shipped client: style and policy at the top level, no job.
		r = a.post(ingest.PathSync, storetest.Testdata(t, "sync_shipped_client.json"))
		require.Equal(t, http.StatusAccepted, r.Status, r.Raw)
		require.EqualValues(t, 1, r.Body["events_saved"])
		ev := r.Body["events"].([]any)[0].(map[string]any)
		require.Equal(t, "", ev["segment_key"])
		require.Equal(t, "greenhouse", ev["host_family"])
		_, err := uuid.Parse(ev["event_id"].(string))
		require.NoError(t, err, "an event_id is generated when absent")
		var shipped models.AutofillEvent
		require.NoError(t, db.Where("host = ?", "boards.greenhouse.io").Take(&shipped).Error)
		require.Equal(t, "concise_bullets_v1", *shipped.GenStyleID)
		require.Equal(t, "explore", *shipped.Policy)
		require.Nil(t, shipped.SegmentKey)

		// Each form of the batches has a profile, touched.
		require.EqualValues(t, 2, storetest.Count(t, db, "form_profiles"))

		// Counters, incremented after commit, with the original's names and labels: a batch
		// counts once as persisted; its events count by status in their own counter.
		require.Equal(t, 2.0, testutil.ToFloat64(a.metrics.AutofillRuns.WithLabelValues("persisted")))
		require.Equal(t, 0.0, testutil.ToFloat64(a.metrics.AutofillRuns.WithLabelValues("ok")), "per-event statuses are not batch outcomes")
		require.Equal(t, 2.0, testutil.ToFloat64(a.metrics.AutofillEvents.WithLabelValues("ok")))
		require.Equal(t, 1.0, testutil.ToFloat64(a.metrics.AutofillEvents.WithLabelValues("validation_failed")))
		require.Equal(t, 1.0, testutil.ToFloat64(a.metrics.AutofillPolicy.WithLabelValues("explore", "greenhouse", "")))
		require.Equal(t, 1.0, testutil.ToFloat64(a.metrics.AutofillPolicy.WithLabelValues("exploit", "lever", "senior")))
		m := a.do(http.MethodGet, "/metrics", nil, "")
		require.Equal(t, http.StatusOK, m.Status)
		require.Contains(t, m.Raw, `applylens_autofill_policy_total{host_family="lever",policy="explore",segment_key="intern"} 1`)
		require.Contains(t, m.Raw, `applylens_autofill_runs_total{status="persisted"} 2`)
	})
}

func TestSyncReplayIsIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, nil)
		body := storetest.Testdata(t, "sync_per_event.json")
		require.Equal(t, http.StatusAccepted, a.post(ingest.PathSync, body).Status)
		r := a.post(ingest.PathSync, body)
		require.Equal(t, http.StatusAccepted, r.Status)
		require.EqualValues(t, 0, r.Body["events_saved"])
		require.EqualValues(t, 2, r.Body["duplicates"])
		for _, e := range r.Body["events"].([]any) {
			require.Equal(t, "duplicate", e.(map[string]any)["status"])
		}
		require.EqualValues(t, 2, storetest.Count(t, db, "autofill_events"))
		require.Equal(t, 1.0, testutil.ToFloat64(a.metrics.AutofillEvents.WithLabelValues("ok")), "a replayed event counts nothing")
		require.Equal(t, 2.0, testutil.ToFloat64(a.metrics.AutofillRuns.WithLabelValues("persisted")), "a replayed batch is persisted, as the original said")

		// Another user may use the same event ids: idempotency is per user.
		_, other := a.newUser("lee@example.com")
		r = a.do(http.MethodPost, ingest.PathSync, body, other)
		require.EqualValues(t, 2, r.Body["events_saved"])

		// The shipped client sends no event ids: a batch it re-sends is stored once all the
		// same (its ids derive from the events' content), and a different run is not.
		shipped := storetest.Testdata(t, "sync_shipped_client.json")
		first := a.post(ingest.PathSync, shipped)
		require.EqualValues(t, 1, first.Body["events_saved"])
		again := a.post(ingest.PathSync, shipped)
		require.EqualValues(t, 0, again.Body["events_saved"])
		require.EqualValues(t, 1, again.Body["duplicates"])
		require.Equal(t, first.Body["events"].([]any)[0].(map[string]any)["event_id"], again.Body["events"].([]any)[0].(map[string]any)["event_id"])
		require.Equal(t, "e6843792-893f-5528-bc65-3ee58036b8c8", first.Body["events"].([]any)[0].(map[string]any)["event_id"],
			"the id the first server derived for this payload (learning.TestEventIDGolden)")
		newer := fixture(t, "sync_shipped_client.json")
		newer["client_version"] = "6.1.0"
		newer["events"].([]any)[0].(map[string]any)["session_id"] = "abc"
		require.EqualValues(t, 1, a.post(ingest.PathSync, newer).Body["duplicates"], "fields the identity does not know leave the id as it was")
		slower := fixture(t, "sync_shipped_client.json")
		slower["events"].([]any)[0].(map[string]any)["duration_ms"] = 2351
		require.EqualValues(t, 1, a.post(ingest.PathSync, slower).Body["events_saved"])
		restyled := fixture(t, "sync_shipped_client.json")
		restyled["gen_style_id"] = "narrative_para_v1"
		require.EqualValues(t, 1, a.post(ingest.PathSync, restyled).Body["events_saved"], "the top-level style is part of the run")

		// A batch that repeats an id stores it once.
		p := fixture(t, "sync_per_event.json")
		evs := p["events"].([]any)
		id := uuid.NewString()
		evs[0].(map[string]any)["event_id"] = id
		evs[1].(map[string]any)["event_id"] = id
		r = a.post(ingest.PathSync, p)
		require.EqualValues(t, 1, r.Body["events_saved"])
		require.EqualValues(t, 1, r.Body["duplicates"])
	})
}

func TestSyncRejectsInvalidBatchWhole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, map[string]string{"API_MAX_EVENTS_PER_BATCH": "5", "API_MAX_MAP_KEYS": "3", "API_MAX_STRING_LEN": "64"})
		require.Equal(t, http.StatusAccepted, a.post(ingest.PathSync, storetest.Testdata(t, "sync_per_event.json")).Status)
		before := storetest.Count(t, db, "autofill_events")
		profilesBefore := storetest.Count(t, db, "form_profiles")

		event := func(mut func(e map[string]any)) map[string]any {
			e := map[string]any{"host": "jobs.lever.co", "schema_hash": "lv-new", "status": "ok"}
			if mut != nil {
				mut(e)
			}
			return e
		}
		batch := func(events ...map[string]any) map[string]any {
			return map[string]any{"host": "jobs.lever.co", "schema_hash": "lv-new", "events": events}
		}
		cases := []struct {
			name   string
			body   any
			status int
			fields []string
		}{
			{"bad policy and missing host", batch(event(nil), event(func(e map[string]any) { delete(e, "host") }), event(nil),
				event(func(e map[string]any) { e["policy"] = "greedy" })), 422, []string{"events[1].host", "events[3].policy"}},
			{"wrong type", batch(event(func(e map[string]any) { e["duration_ms"] = "fast" })), 422, []string{"events[0].duration_ms"}},
			{"map value not a string", batch(event(func(e map[string]any) { e["final_map"] = map[string]any{"a": 1} })), 422, []string{"events[0].final_map"}},
			{"too many keys", batch(event(func(e map[string]any) { e["final_map"] = map[string]string{"a": "1", "b": "2", "c": "3", "d": "4"} })), 422, []string{"events[0].final_map"}},
			{"string too long", batch(event(func(e map[string]any) { e["final_map"] = map[string]string{"a": strings.Repeat("x", 65)} })), 422, []string{"events[0].final_map[a]"}},
			{"too many events", batch(event(nil), event(nil), event(nil), event(nil), event(nil), event(nil)), 422, []string{"events"}},
			{"no events", map[string]any{"host": "jobs.lever.co", "schema_hash": "x"}, 422, []string{"events"}},
			{"no top-level form", map[string]any{"events": []any{event(nil)}}, 422, []string{"host", "schema_hash"}},
			{"bad event id", batch(event(func(e map[string]any) { e["event_id"] = "nope" })), 422, []string{"events[0].event_id"}},
			{"bad feedback and propensity", batch(event(func(e map[string]any) { e["feedback_status"] = "meh"; e["propensity"] = 1.5 })), 422,
				[]string{"events[0].feedback_status", "events[0].propensity"}},
			{"negative edits", batch(event(func(e map[string]any) { e["edit_stats"] = map[string]any{"total_chars_added": -1} })), 422,
				[]string{"events[0].edit_stats.total_chars_added"}},
			{"bad host", batch(event(func(e map[string]any) { e["host"] = "not a host!" })), 422, []string{"events[0].host"}},
			{"bad time", batch(event(func(e map[string]any) { e["occurred_at"] = "yesterday" })), 422, []string{"events[0].occurred_at"}},
			{"future time", batch(event(func(e map[string]any) { e["occurred_at"] = "2099-01-01T00:00:00Z" })), 422, []string{"events[0].occurred_at"}},
			{"long nested string", batch(event(func(e map[string]any) {
				e["edit_stats"] = map[string]any{"per_field": map[string]any{"cover": map[string]any{"text": strings.Repeat("x", 65)}}}
			})), 422, []string{"events[0].edit_stats.per_field.cover.text"}},
			{"too many nested items", batch(event(func(e map[string]any) {
				e["validation_errors"] = map[string]any{"a": []any{1, 2}, "b": []any{3}}
			})), 422, []string{"events[0].validation_errors"}},
			{"bad top-level policy", map[string]any{"host": "a.io", "schema_hash": "x", "policy": "x", "events": []any{event(nil)}}, 422, []string{"policy"}},
			{"not JSON", `{"host": "a.io", "events": [`, 422, []string{"body"}},
			{"an event not an object", `{"host": "a.io", "schema_hash": "x", "events": [1]}`, 422, []string{"events[0]"}},
			{"body not an object", `[1]`, 422, []string{"body"}},
			{"empty body", ``, 422, []string{"body"}},
		}
		for _, c := range cases {
			r := a.post(ingest.PathSync, c.body)
			require.Equal(t, c.status, r.Status, "%s: %s", c.name, r.Raw)
			require.Equal(t, c.fields, fieldsOf(r), c.name)
		}
		require.Equal(t, before, storetest.Count(t, db, "autofill_events"), "nothing of a bad batch is stored")
		require.Equal(t, profilesBefore, storetest.Count(t, db, "form_profiles"))
	})
}

func TestSyncAuthLimitsAndCORS(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, map[string]string{"API_RATE_LIMIT_PER_MIN": "60", "API_RATE_LIMIT_BURST": "2",
			"API_MAX_BODY_BYTES": "2048", "API_CORS_ORIGINS": "chrome-extension://abc"})
		body := storetest.Testdata(t, "sync_shipped_client.json")

		r := a.do(http.MethodPost, ingest.PathSync, body, "")
		require.Equal(t, http.StatusUnauthorized, r.Status)
		require.Contains(t, r.Body["error"], "bearer token")
		require.Equal(t, http.StatusUnauthorized, a.do(http.MethodPost, ingest.PathSync, body, "alk_wrong").Status)

		require.Equal(t, http.StatusAccepted, a.post(ingest.PathSync, body).Status)
		require.Equal(t, http.StatusOK, a.get(ingest.PathProfile+"?host=boards.greenhouse.io&schema_hash=gh-7d1e9a").Status)
		r = a.post(ingest.PathSync, body)
		require.Equal(t, http.StatusTooManyRequests, r.Status)
		require.NotEmpty(t, r.Header.Get("Retry-After"))

		// Another token has its own bucket; a huge body is refused before it is read whole.
		_, other := a.newUser("lee@example.com")
		big := `{"host":"a.io","schema_hash":"x","events":[{"host":"a.io","schema_hash":"x","final_map":{"k":"` + strings.Repeat("x", 4096) + `"}}]}`
		r = a.do(http.MethodPost, ingest.PathSync, big, other)
		require.Equal(t, http.StatusRequestEntityTooLarge, r.Status, r.Raw)

		// Revoking a token stops it at once.
		var tok models.APIToken
		require.NoError(t, db.Where("user_id <> ?", a.userID).Take(&tok).Error)
		require.NoError(t, db.Model(&tok).Update("revoked_at", gorm.Expr("CURRENT_TIMESTAMP")).Error)
		require.Equal(t, http.StatusUnauthorized, a.do(http.MethodPost, ingest.PathSync, body, other).Status)

		// CORS: preflight answered for the allowed origin, with no credentials.
		pre := a.doWithHeaders(http.MethodOptions, ingest.PathSync, map[string]string{"Origin": "chrome-extension://abc", "Access-Control-Request-Method": "POST"})
		require.Equal(t, http.StatusNoContent, pre.Code)
		require.Equal(t, "chrome-extension://abc", pre.Header().Get("Access-Control-Allow-Origin"))
		require.Empty(t, pre.Header().Get("Access-Control-Allow-Credentials"))
		evil := a.doWithHeaders(http.MethodOptions, ingest.PathSync, map[string]string{"Origin": "https://evil.example"})
		require.Empty(t, evil.Header().Get("Access-Control-Allow-Origin"))
	})
}

func TestSyncHostsAndFamilies(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, nil)
		cases := []struct{ in, host, family string }{
			{"fakegreenhouse.io", "fakegreenhouse.io", "other"},
			{"careers.smartrecruiters.com", "careers.smartrecruiters.com", "smartrecruiters"},
			{"BOARDS.GREENHOUSE.IO:443", "boards.greenhouse.io", "greenhouse"},
			{"www.jobs.lever.co.", "jobs.lever.co", "lever"},
		}
		for i, c := range cases {
			hash := fmt.Sprintf("h%d", i)
			r := a.post(ingest.PathSync, map[string]any{"host": c.in, "schema_hash": hash,
				"events": []any{map[string]any{"host": c.in, "schema_hash": hash, "job": map[string]any{"title": "Internal Tools Engineer"}}}})
			require.Equal(t, http.StatusAccepted, r.Status, r.Raw)
			ev := r.Body["events"].([]any)[0].(map[string]any)
			require.Equal(t, c.family, ev["host_family"], c.in)
			require.Equal(t, "default", ev["segment_key"])
			var stored models.AutofillEvent
			require.NoError(t, db.Where("schema_hash = ?", hash).Take(&stored).Error)
			require.Equal(t, c.host, stored.Host)
			var p models.FormProfile
			require.NoError(t, db.Where("schema_hash = ?", hash).Take(&p).Error)
			require.Equal(t, c.host, p.Host)
		}
	})
}

func TestConcurrentFirstSyncsMakeOneProfile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, map[string]string{"API_RATE_LIMIT_PER_MIN": "0"})
		const n = 8
		var wg sync.WaitGroup
		statuses := make([]int, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = a.post(ingest.PathSync, map[string]any{"host": "jobs.ashbyhq.com", "schema_hash": "new-form",
					"events": []any{map[string]any{"host": "jobs.ashbyhq.com", "schema_hash": "new-form", "duration_ms": 1000 + i}}}).Status
			}()
		}
		wg.Wait()
		for _, s := range statuses {
			require.Equal(t, http.StatusAccepted, s)
		}
		require.EqualValues(t, 1, storetest.Count(t, db, "form_profiles"))
		require.EqualValues(t, n, storetest.Count(t, db, "autofill_events"))
	})
}

func TestSyncRejectsDeepNesting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, nil)
		deep := map[string]any{"a": map[string]any{"b": map[string]any{"c": map[string]any{"d": map[string]any{}}}}}
		r := a.post(ingest.PathSync, map[string]any{"host": "a.io", "schema_hash": "x",
			"events": []any{map[string]any{"host": "a.io", "schema_hash": "x", "validation_errors": deep}}})
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, r.Raw)
		require.Equal(t, []string{"events[0].validation_errors.a.b.c.d"}, fieldsOf(r))
		require.Zero(t, storetest.Count(t, db, "autofill_events"))
	})
}
