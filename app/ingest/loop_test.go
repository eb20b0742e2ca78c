package ingest_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/ingest"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/metrics"
	"github.com/applylens/learning/app/router"
	"github.com/applylens/learning/app/store/storetest"
)

// TestLearningLoopCloses drives the whole loop through the API: the shipped client syncs runs
// with a top-level style, rates them with its form-level thumbs, the aggregator runs, and the
// profile recommends the style users found helpful, per segment where the form has no data.
func TestLearningLoopCloses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, map[string]string{"API_RATE_LIMIT_PER_MIN": "0"})
		run := func(host, hash, style, title, rating string) {
			t.Helper()
			ev := map[string]any{"event_id": uuid.NewString(), "host": host, "schema_hash": hash,
				"final_map": map[string]string{"#email": "email"}, "status": "ok",
				"edit_stats": map[string]any{"total_chars_added": 10, "total_chars_deleted": 2}}
			if title != "" {
				ev["job"] = map[string]any{"title": title}
			}
			r := a.post(ingest.PathSync, map[string]any{"host": host, "schema_hash": hash, "gen_style_id": style,
				"policy": "exploit", "events": []any{ev}})
			require.Equal(t, http.StatusAccepted, r.Status, r.Raw)
			if rating != "" {
				r = a.post(ingest.PathLegacyFeedback, map[string]any{"host": host, "schema_hash": hash, "status": rating, "gen_style_id": style})
				require.Equal(t, http.StatusOK, r.Status, r.Raw)
			}
		}
		// A mature form: narrative is rated helpful, concise unhelpful.
		for i := range 6 {
			run("boards.greenhouse.io", "gh-mature", "narrative_para_v1", "Software Engineer", "helpful")
			rating := "unhelpful"
			if i == 0 {
				rating = "helpful"
			}
			run("boards.greenhouse.io", "gh-mature", "concise_bullets_v1", "Software Engineer", rating)
		}
		// Senior jobs on other greenhouse forms prefer confident_detailed_v1.
		for i := range 6 {
			run("boards.greenhouse.io", fmt.Sprintf("gh-senior-%d", i), "confident_detailed_v1", "Senior Engineer", "helpful")
		}
		// A new greenhouse form, seen once for a senior job.
		run("boards.greenhouse.io", "gh-new", "concise_bullets_v1", "Staff Engineer", "")

		cfg := testConfig(t, nil)
		_, err := learning.NewRunner(db, cfg, a.metrics, storetest.Logger(t)).Run(context.Background(),
			learning.RunParams{Days: 30, Trigger: "cli"})
		require.NoError(t, err)

		r := a.get(ingest.PathProfile + "?host=boards.greenhouse.io&schema_hash=gh-mature")
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		require.Equal(t, map[string]any{"#email": "email"}, r.Body["canonical_map"])
		h := r.Body["style_hint"].(map[string]any)
		require.Equal(t, "narrative_para_v1", h["preferred_style_id"])
		require.Equal(t, "form", h["source"])
		require.Equal(t, 1.0, h["confidence"])
		comp := h["competitors"].([]any)
		require.Len(t, comp, 1)
		require.Equal(t, "concise_bullets_v1", comp[0].(map[string]any)["style_id"])

		x := a.get(ingest.PathExplainStyle + "?host=boards.greenhouse.io&schema_hash=gh-mature")
		require.Equal(t, "narrative_para_v1", x.Body["chosen_style_id"])
		require.Contains(t, x.Body["explanation"], "6 of 6 rated runs were helpful (100%)")

		r = a.get(ingest.PathProfile + "?host=boards.greenhouse.io&schema_hash=gh-new&job_title=Senior+Engineer")
		h = r.Body["style_hint"].(map[string]any)
		require.Equal(t, "confident_detailed_v1", h["preferred_style_id"], r.Raw)
		require.Equal(t, "segment", h["source"])
		require.Equal(t, "senior", h["segment_key"])
	})
}

// TestBayesLoopServesThompsonDraws: the default policy through the API. The aggregator pools
// the ratings, /profile keeps the posterior best as preferred_style_id and serves a Thompson
// draw as gen_style_id with the policy and the propensity it was drawn with; the kill switch
// serves the best with propensity 1.
func TestBayesLoopServesThompsonDraws(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		env := map[string]string{"API_RATE_LIMIT_PER_MIN": "0", "LEARNING_POLICY": "bayes", "EXPLORE_FLOOR": "0.05"}
		a := newAPI(t, db, env)
		for style, ratings := range map[string][]string{
			"narrative_para_v1":  {"helpful", "helpful", "helpful", "helpful", "unhelpful"},
			"concise_bullets_v1": {"helpful", "unhelpful", "unhelpful"},
		} {
			for _, rating := range ratings {
				r := a.post(ingest.PathSync, map[string]any{"host": "jobs.lever.co", "schema_hash": "lv", "events": []any{map[string]any{
					"event_id": uuid.NewString(), "host": "jobs.lever.co", "schema_hash": "lv", "gen_style_id": style,
					"job": map[string]any{"title": "Software Engineer"}, "feedback_status": rating}}})
				require.Equal(t, http.StatusAccepted, r.Status, r.Raw)
			}
		}
		cfg := testConfig(t, env)
		_, err := learning.NewRunner(db, cfg, a.metrics, storetest.Logger(t)).Run(context.Background(), learning.RunParams{Days: 30, Trigger: "cli"})
		require.NoError(t, err)

		path := ingest.PathProfile + "?host=jobs.lever.co&schema_hash=lv&job_title=Software+Engineer"
		served := map[string]int{}
		var propensity map[string]float64
		for range 120 {
			r := a.get(path)
			require.Equal(t, http.StatusOK, r.Status, r.Raw)
			h := r.Body["style_hint"].(map[string]any)
			require.Equal(t, "narrative_para_v1", h["preferred_style_id"], "the posterior best")
			id := h["gen_style_id"].(string)
			served[id]++
			if id == "narrative_para_v1" {
				require.Equal(t, "exploit", h["policy"])
			} else {
				require.Equal(t, "explore", h["policy"])
			}
			if propensity == nil {
				propensity = map[string]float64{}
			}
			if p, ok := propensity[id]; ok {
				require.Equal(t, p, h["propensity"], "one style, one allocation")
			}
			propensity[id] = h["propensity"].(float64)
			require.Equal(t, id, h["style_stats"].(map[string]any)["chosen"].(map[string]any)["style_id"])
		}
		h := a.get(path).Body["style_hint"].(map[string]any)
		require.Equal(t, "bayes", h["learning_policy"])
		require.NotEmpty(t, h["confidence_label"])
		require.Contains(t, h["shares"], "form")
		require.Contains(t, h["kappas"], "segment")
		x := a.get(ingest.PathExplainStyle + "?host=jobs.lever.co&schema_hash=lv&job_title=Software+Engineer")
		require.Equal(t, "bayes", x.Body["learning_policy"])
		require.Equal(t, "narrative_para_v1", x.Body["chosen_style_id"])
		winner := x.Body["considered_styles"].([]any)[0].(map[string]any)
		require.Equal(t, true, winner["is_winner"])
		require.Contains(t, winner["posterior"], "p_best")
		require.Contains(t, x.Body["explanation"], "narrative_para_v1: ")
		require.Contains(t, x.Body["explanation"], "likely best")

		require.Greater(t, served["narrative_para_v1"], served["concise_bullets_v1"])
		require.Positive(t, served["concise_bullets_v1"]+served["confident_detailed_v1"], "the others are explored")
		for id, p := range propensity {
			require.GreaterOrEqual(t, p, 0.05-1e-9, id)
		}

		// The same database served with the kill switch on.
		env["BANDIT_ENABLED"] = "false"
		e, err := router.New(router.Deps{Config: testConfig(t, env), DB: db, Log: storetest.Logger(t), Metrics: metrics.New()})
		require.NoError(t, err)
		off := &api{t: t, db: db, engine: e, metrics: a.metrics, userID: a.userID, token: a.token}
		r := off.get(path)
		h = r.Body["style_hint"].(map[string]any)
		require.Equal(t, "narrative_para_v1", h["gen_style_id"])
		require.Equal(t, "exploit", h["policy"])
		require.Equal(t, 1.0, h["propensity"])
		require.Empty(t, h["competitors"])
	})
}

// TestUnseenPairLoop: a (seniority, discipline) pair a form has never seen is served a pick
// pooled from its family's cell for that pair, through sync (the client's job.discipline),
// the aggregator, /profile and explain-style.
func TestUnseenPairLoop(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		env := map[string]string{"API_RATE_LIMIT_PER_MIN": "0", "LEARNING_POLICY": "bayes"}
		a := newAPI(t, db, env)
		sync := func(hash string, job map[string]any, style, rating string, n int) {
			t.Helper()
			events := make([]any, n)
			for i := range events {
				events[i] = map[string]any{"event_id": uuid.NewString(), "host": "boards.greenhouse.io", "schema_hash": hash,
					"gen_style_id": style, "job": job, "feedback_status": rating}
			}
			r := a.post(ingest.PathSync, map[string]any{"host": "boards.greenhouse.io", "schema_hash": hash, "events": events})
			require.Equal(t, http.StatusAccepted, r.Status, r.Raw)
		}
		// gh-a: its data jobs (the client says so; the title alone would not) like narrative,
		// its many engineering jobs like concise.
		data := map[string]any{"title": "Senior Platform Lead", "discipline": "data"}
		eng := map[string]any{"title": "Senior Software Engineer"}
		sync("gh-a", data, "narrative_para_v1", "helpful", 20)
		sync("gh-a", data, "concise_bullets_v1", "unhelpful", 20)
		sync("gh-a", eng, "concise_bullets_v1", "helpful", 40)
		sync("gh-a", eng, "narrative_para_v1", "unhelpful", 40)
		// gh-b has only ever seen engineering jobs.
		sync("gh-b", eng, "concise_bullets_v1", "helpful", 8)
		_, err := learning.NewRunner(db, testConfig(t, env), a.metrics, storetest.Logger(t)).Run(context.Background(),
			learning.RunParams{Days: 30, Trigger: "cli"})
		require.NoError(t, err)

		get := func(path, query string) map[string]any {
			t.Helper()
			r := a.get(path + "?host=boards.greenhouse.io&schema_hash=gh-b&" + query)
			require.Equal(t, http.StatusOK, r.Status, r.Raw)
			return r.Body
		}
		h := get(ingest.PathProfile, "segment_key=senior")["style_hint"].(map[string]any)
		require.Equal(t, "concise_bullets_v1", h["preferred_style_id"], "the form's senior pick")
		for _, q := range []string{"segment_key=senior&discipline=data", "job_title=Senior+Data+Scientist"} {
			h = get(ingest.PathProfile, q)["style_hint"].(map[string]any)
			require.Equal(t, "narrative_para_v1", h["preferred_style_id"], "%s: pooled from greenhouse senior/data", q)
			require.Equal(t, "senior/data", h["segment_key"], q)
			sh := h["shares"].(map[string]any)
			require.Zero(t, sh["form"], "no run of its own")
			require.Positive(t, sh["discipline"])
			x := get(ingest.PathExplainStyle, q)
			require.Equal(t, "narrative_para_v1", x["chosen_style_id"], q)
			require.Contains(t, x["explanation"], "greenhouse senior/data", q)
		}
		h = get(ingest.PathProfile, "job_title=Senior+Software+Engineer")["style_hint"].(map[string]any)
		require.Equal(t, "concise_bullets_v1", h["preferred_style_id"], "a pair that picks as its level does")
	})
}
