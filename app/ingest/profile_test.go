package ingest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/ingest"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/metrics"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/router"
	"github.com/applylens/learning/app/store/storetest"
)

func ptr[T any](v T) *T { return &v }

func stats(style, level, seg string, runs, helpful, unhelpful int, edits float64, winner bool) models.StyleStats {
	s := models.StyleStats{StyleID: style, Level: level, SegmentKey: seg, TotalRuns: runs, HelpfulRuns: helpful,
		UnhelpfulRuns: unhelpful, RatedRuns: helpful + unhelpful, AvgEditChars: &edits, IsWinner: winner}
	if s.RatedRuns > 0 {
		s.HelpfulRatio = ptr(float64(helpful) / float64(s.RatedRuns))
	}
	return s
}

// storeProfile writes a profile as the aggregator leaves it.
func storeProfile(t *testing.T, db *gorm.DB, host, hash string, success, edits float64, events int, hint *models.StyleHint) {
	t.Helper()
	now := time.Now().UTC()
	p := models.FormProfile{ID: uuid.NewString(), Host: host, SchemaHash: hash, HostFamily: learning.Family(host),
		Fields:      models.NewJSON(models.StringMap{"#email": "email", "#first": "first_name"}),
		SuccessRate: &success, AvgEditChars: &edits, EventCount: events, StyleHint: models.NewJSON(hint),
		CreatedAt: now, UpdatedAt: now, LastSeenAt: &now}
	require.NoError(t, db.Create(&p).Error)
}

func sampleHint() *models.StyleHint {
	th := models.Thresholds{Form: 5, Segment: 5, Family: 10}
	return &models.StyleHint{
		Choice: models.Choice{PreferredStyleID: ptr("concise_bullets_v1"), Source: models.SourceForm, Candidates: []models.StyleStats{
			stats("concise_bullets_v1", "form", "", 9, 8, 1, 20, true),
			stats("narrative_para_v1", "form", "", 6, 2, 4, 80, false),
		}},
		HostFamily: "greenhouse",
		BySegment: map[string]models.Choice{
			"senior": {PreferredStyleID: ptr("confident_detailed_v1"), Source: models.SourceSegment, SegmentKey: "senior", Candidates: []models.StyleStats{
				stats("confident_detailed_v1", "segment", "senior", 12, 9, 1, 40, true),
				stats("concise_bullets_v1", "segment", "senior", 7, 3, 3, 30, false),
			}},
			"intern": {Source: models.SourceNone, SegmentKey: "intern"},
		},
		Thresholds: th, WindowDays: 30, ComputedAt: time.Date(2026, 11, 29, 6, 0, 0, 0, time.UTC), RunID: "run-1",
	}
}

func TestProfileAndExplain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, nil)
		storeProfile(t, db, "boards.greenhouse.io", "gh-1", 0.9, 25, 20, sampleHint())
		storeProfile(t, db, "boards.greenhouse.io", "gh-bad", 0.5, 25, 20, sampleHint())
		storeProfile(t, db, "boards.greenhouse.io", "gh-edits", 0.9, 501, 20, sampleHint())
		storeProfile(t, db, "careers.acme.com", "none-1", 0.9, 10, 3, &models.StyleHint{Choice: models.Choice{Source: models.SourceNone},
			Thresholds: models.Thresholds{Form: 5, Segment: 5, Family: 10}})

		cases := []struct {
			name, query        string
			style, source, seg string // "" style: no hint
			competitors        []string
			canonical          bool
		}{
			{"form level", "host=boards.greenhouse.io&schema_hash=gh-1", "concise_bullets_v1", "form", "", []string{"narrative_para_v1"}, true},
			{"host normalised", "host=BOARDS.greenhouse.io:443&schema_hash=gh-1", "concise_bullets_v1", "form", "", []string{"narrative_para_v1"}, true},
			{"segment asked", "host=boards.greenhouse.io&schema_hash=gh-1&segment_key=senior", "confident_detailed_v1", "segment", "senior", []string{"concise_bullets_v1"}, true},
			{"segment from job title", "host=boards.greenhouse.io&schema_hash=gh-1&job_title=Sr.+Platform+Engineer", "confident_detailed_v1", "segment", "senior", []string{"concise_bullets_v1"}, true},
			{"segment without hint of its own", "host=boards.greenhouse.io&schema_hash=gh-1&segment_key=junior", "concise_bullets_v1", "form", "", []string{"narrative_para_v1"}, true},
			{"segment with none", "host=boards.greenhouse.io&schema_hash=gh-1&segment_key=intern", "", "", "", nil, true},
			{"guard: low success", "host=boards.greenhouse.io&schema_hash=gh-bad", "", "", "", nil, false},
			{"guard: heavy edits", "host=boards.greenhouse.io&schema_hash=gh-edits", "", "", "", nil, false},
			{"none", "host=careers.acme.com&schema_hash=none-1", "", "", "", nil, true},
			{"unknown form", "host=jobs.lever.co&schema_hash=nope", "", "", "", nil, false},
		}
		for _, c := range cases {
			r := a.get(ingest.PathProfile + "?" + c.query)
			require.Equal(t, http.StatusOK, r.Status, "%s: %s", c.name, r.Raw)
			cm := r.Body["canonical_map"].(map[string]any)
			require.Equal(t, c.canonical, len(cm) > 0, c.name)
			if c.style == "" {
				require.Nil(t, r.Body["style_hint"], c.name)
				continue
			}
			h := r.Body["style_hint"].(map[string]any)
			require.Equal(t, c.style, h["gen_style_id"], c.name)
			require.Equal(t, c.style, h["preferred_style_id"], c.name)
			require.Equal(t, c.source, h["source"], c.name)
			if c.seg == "" {
				require.Nil(t, h["segment_key"], "%s: null, not \"\"", c.name)
			} else {
				require.Equal(t, c.seg, h["segment_key"], c.name)
			}
			require.EqualValues(t, 20, r.Body["event_count"], c.name)
			require.InDelta(t, 0.9, r.Body["success_rate"], 1e-9, c.name)
			require.NotEmpty(t, r.Body["last_seen_at"], c.name)
			require.Equal(t, 1.0, h["confidence"], c.name) // 18 ok events of 20 → min(18/10, 1)
			require.Equal(t, true, h["bandit_enabled"], c.name)
			var comp []string
			for _, s := range h["competitors"].([]any) {
				comp = append(comp, s.(map[string]any)["style_id"].(string))
			}
			require.Equal(t, c.competitors, comp, c.name)

			// style_stats as the Phase 5.4 client reads it: competitors[].styleId, chosen, and
			// an entry per style with helpful, total_runs and avg_edit_chars.
			ss := h["style_stats"].(map[string]any)
			var camel []string
			for _, s := range ss["competitors"].([]any) {
				e := s.(map[string]any)
				camel = append(camel, e["styleId"].(string))
				require.Equal(t, e["styleId"], e["style_id"])
				require.Contains(t, e, "helpful_ratio")
				require.Contains(t, e, "total_runs")
			}
			require.Equal(t, c.competitors, camel, c.name)
			chosen := ss["chosen"].(map[string]any)
			require.Equal(t, c.style, chosen["style_id"], c.name)
			own := ss[c.style].(map[string]any)
			require.Equal(t, chosen, own, c.name)
			require.Equal(t, own["helpful_runs"], own["helpful"], c.name)
			require.Greater(t, own["total_runs"], 0.0, c.name)
			require.Contains(t, own, "avg_edit_chars", c.name)
			if c.seg == "" {
				require.Nil(t, own["segment_key"], c.name)
			}
			for _, comp := range c.competitors {
				require.Contains(t, ss, comp, c.name)
			}
		}
		// The TypeScript client's fields come from the chosen style's gen_styles row.
		h := a.get(ingest.PathProfile + "?host=boards.greenhouse.io&schema_hash=gh-1").Body["style_hint"].(map[string]any)
		require.Equal(t, "bullets", h["summary_style"])
		require.Equal(t, "concise", h["tone"])
		require.EqualValues(t, 400, h["max_length"])
		h = a.get(ingest.PathProfile + "?host=boards.greenhouse.io&schema_hash=gh-1&segment_key=senior").Body["style_hint"].(map[string]any)
		require.Equal(t, "confident", h["tone"])
		require.EqualValues(t, 1600, h["max_length"])
		// A withheld profile still says how much it has learned from.
		r := a.get(ingest.PathProfile + "?host=boards.greenhouse.io&schema_hash=gh-bad")
		require.EqualValues(t, 20, r.Body["event_count"])
		r = a.get(ingest.PathProfile + "?host=jobs.lever.co&schema_hash=nope")
		require.EqualValues(t, 0, r.Body["event_count"])
		require.Nil(t, r.Body["success_rate"])
		require.Nil(t, r.Body["last_seen_at"])

		// explain-style: built from the level actually used.
		r = a.get(ingest.PathExplainStyle + "?host=boards.greenhouse.io&schema_hash=gh-1&segment_key=senior")
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		require.Equal(t, "greenhouse", r.Body["host_family"])
		require.Equal(t, "senior", r.Body["segment_key"])
		require.Equal(t, "confident_detailed_v1", r.Body["chosen_style_id"])
		require.Equal(t, "segment", r.Body["source"])
		considered := r.Body["considered_styles"].([]any)
		require.Len(t, considered, 2)
		w := considered[0].(map[string]any)
		require.Equal(t, "confident_detailed_v1", w["style_id"])
		require.Equal(t, true, w["is_winner"])
		require.Equal(t, "segment", w["source"])
		require.EqualValues(t, 12, w["total_runs"])
		require.EqualValues(t, 9, w["helpful_runs"])
		require.EqualValues(t, 1, w["unhelpful_runs"])
		require.InDelta(t, 0.9, w["helpful_ratio"], 1e-9)
		require.Contains(t, r.Body["explanation"], "confident_detailed_v1 is preferred from segment-level data")
		require.Contains(t, r.Body["explanation"], "9 of 10 rated runs were helpful (90%)")

		r = a.get(ingest.PathExplainStyle + "?host=boards.greenhouse.io&schema_hash=gh-1")
		require.Equal(t, "form", r.Body["source"])
		require.Equal(t, "concise_bullets_v1", r.Body["chosen_style_id"])
		require.Contains(t, r.Body["explanation"], "8 of 9 rated runs were helpful (89%)")
		// No segment is null (the web app renders null as "—", "" as nothing), top level and
		// per style; the sentence names the family and the segment.
		require.Nil(t, r.Body["segment_key"])
		require.Contains(t, r.Body, "segment_key")
		for _, s := range r.Body["considered_styles"].([]any) {
			require.Nil(t, s.(map[string]any)["segment_key"])
		}
		require.Contains(t, r.Body["explanation"], "host family greenhouse, no segment")
		r = a.get(ingest.PathExplainStyle + "?host=boards.greenhouse.io&schema_hash=gh-1&segment_key=senior")
		require.Contains(t, r.Body["explanation"], "host family greenhouse, senior segment")
		require.Equal(t, "senior", r.Body["considered_styles"].([]any)[0].(map[string]any)["segment_key"])

		for _, q := range []string{"host=careers.acme.com&schema_hash=none-1", "host=jobs.lever.co&schema_hash=nope"} {
			r = a.get(ingest.PathExplainStyle + "?" + q)
			require.Equal(t, http.StatusOK, r.Status)
			require.Equal(t, "none", r.Body["source"])
			require.Nil(t, r.Body["chosen_style_id"])
			require.Empty(t, r.Body["considered_styles"])
			require.True(t, strings.HasPrefix(r.Body["explanation"].(string), "No style_hint is available yet"), r.Body["explanation"])
			require.Equal(t, "threshold", r.Body["learning_policy"], "the policy that will make its hint")
		}
		// Under bayes, which gives every form it has seen a hint, a form without one has not
		// been aggregated yet: that is what its reply says, and which policy will make it.
		bayes, err := router.New(router.Deps{Config: testConfig(t, map[string]string{"LEARNING_POLICY": "bayes"}), DB: db,
			Log: storetest.Logger(t), Metrics: metrics.New()})
		require.NoError(t, err)
		b := *a
		b.engine = bayes
		r = b.get(ingest.PathExplainStyle + "?host=jobs.lever.co&schema_hash=nope&segment_key=senior")
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		require.Equal(t, "bayes", r.Body["learning_policy"])
		require.Contains(t, r.Body["explanation"], "No style_hint is available yet for this form (host family lever, senior segment): "+
			"no event of this form has been synced yet")
		// A profile without a hint: its events have not been aggregated yet.
		require.NoError(t, db.Exec("UPDATE form_profiles SET style_hint = NULL WHERE schema_hash = 'gh-1'").Error)
		r = b.get(ingest.PathExplainStyle + "?host=boards.greenhouse.io&schema_hash=gh-1")
		require.Equal(t, "bayes", r.Body["learning_policy"])
		require.Contains(t, r.Body["explanation"], "the aggregator has not run since the form's first events", r.Raw)
		require.Equal(t, "other", a.get(ingest.PathExplainStyle + "?host=careers.acme.com&schema_hash=none-1").Body["host_family"])
		// A profile's family is the stored one, not the host's family recomputed.
		require.NoError(t, db.Exec("UPDATE form_profiles SET host_family = 'lever' WHERE schema_hash = 'gh-1'").Error)
		require.Equal(t, "lever", a.get(ingest.PathExplainStyle + "?host=boards.greenhouse.io&schema_hash=gh-1").Body["host_family"])

		// Bad queries name their field.
		r = a.get(ingest.PathProfile + "?host=&segment_key=boss")
		require.Equal(t, http.StatusUnprocessableEntity, r.Status)
		require.Equal(t, []string{"host", "schema_hash", "segment_key"}, fieldsOf(r))
		require.Equal(t, "the request does not validate", r.Body["error"], "a query is no body")
		// A pair that is not percent-encoded correctly is named, not taken for a missing field.
		r = a.get(ingest.PathProfile + "?host=boards.greenhouse.io%ZZ&schema_hash=gh-1")
		require.Equal(t, http.StatusUnprocessableEntity, r.Status)
		require.Equal(t, []string{"host"}, fieldsOf(r))
		require.Contains(t, r.Raw, "not percent-encoded correctly")
		for _, query := range []string{"?host=boards.greenhouse.io&schema_hash=gh-1&%zz=1", "?host=boards.greenhouse.io;schema_hash=gh-1"} {
			r = a.get(ingest.PathProfile + query)
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, query)
			require.Equal(t, []string{"query"}, fieldsOf(r), query)
		}
	})
}

func TestKillSwitchRemovesCompetitors(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, map[string]string{"BANDIT_ENABLED": "false"})
		storeProfile(t, db, "boards.greenhouse.io", "gh-1", 0.9, 25, 20, sampleHint())
		r := a.get(ingest.PathProfile + "?host=boards.greenhouse.io&schema_hash=gh-1")
		require.Equal(t, http.StatusOK, r.Status)
		h := r.Body["style_hint"].(map[string]any)
		require.Equal(t, "concise_bullets_v1", h["preferred_style_id"])
		require.Equal(t, false, h["bandit_enabled"])
		require.Empty(t, h["competitors"])
		require.Empty(t, h["style_stats"].(map[string]any)["competitors"])
	})
}

// TestProfileWithLegacyMapShape: a profile adopted from the original service may hold a map
// whose values are not strings; it is served, not a 500.
func TestProfileWithLegacyMapShape(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, nil)
		storeProfile(t, db, "jobs.lever.co", "lv-old", 0.9, 10, 20, sampleHint())
		require.NoError(t, db.Exec(`UPDATE form_profiles SET fields = '{"#a": 1, "#b": "email", "#c": null}' WHERE schema_hash = 'lv-old'`).Error)
		r := a.get(ingest.PathProfile + "?host=jobs.lever.co&schema_hash=lv-old")
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		require.Equal(t, map[string]any{"#a": "1", "#b": "email", "#c": ""}, r.Body["canonical_map"])
	})
}

// TestProfileNeverServesAnotherSegmentsHint: a hint stored before every segment had its own
// (no by_segment) whose overall choice came from senior data is not served to an intern job.
func TestProfileNeverServesAnotherSegmentsHint(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, nil)
		old := sampleHint()
		old.Choice = old.BySegment["senior"]
		old.BySegment = nil
		storeProfile(t, db, "boards.greenhouse.io", "gh-old", 0.9, 25, 20, old)
		r := a.get(ingest.PathProfile + "?host=boards.greenhouse.io&schema_hash=gh-old&job_title=Software+Engineering+Intern")
		require.Equal(t, http.StatusOK, r.Status)
		require.Nil(t, r.Body["style_hint"], r.Raw)
		r = a.get(ingest.PathProfile + "?host=boards.greenhouse.io&schema_hash=gh-old&segment_key=senior")
		require.Equal(t, "confident_detailed_v1", r.Body["style_hint"].(map[string]any)["preferred_style_id"])
		x := a.get(ingest.PathExplainStyle + "?host=boards.greenhouse.io&schema_hash=gh-old&segment_key=intern")
		require.Equal(t, "none", x.Body["source"])
		require.Equal(t, "intern", x.Body["segment_key"])
	})
}

// TestProfileByDiscipline: a job's discipline (sent, or from its title) picks the form's hint
// for the combined segment when it has one; a pair the form has not seen gets its segment's.
func TestProfileByDiscipline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, nil)
		h := sampleHint()
		h.BySegment["senior/data"] = models.Choice{PreferredStyleID: ptr("narrative_para_v1"), Source: models.SourceSegment, SegmentKey: "senior/data",
			Candidates: []models.StyleStats{stats("narrative_para_v1", "form", "senior/data", 8, 7, 1, 10, true)}}
		storeProfile(t, db, "boards.greenhouse.io", "gh-d", 0.9, 25, 20, h)
		for _, c := range []struct{ query, style, seg string }{
			{"job_title=Senior+Data+Scientist", "narrative_para_v1", "senior/data"},
			{"segment_key=senior&discipline=data", "narrative_para_v1", "senior/data"},
			{"job_title=Senior+Account+Executive", "confident_detailed_v1", "senior"}, // senior/sales unseen: the segment's
			{"segment_key=senior", "confident_detailed_v1", "senior"},
		} {
			r := a.get(ingest.PathProfile + "?host=boards.greenhouse.io&schema_hash=gh-d&" + c.query)
			require.Equal(t, http.StatusOK, r.Status, r.Raw)
			require.Equal(t, c.style, r.Body["style_hint"].(map[string]any)["preferred_style_id"], c.query)
			x := a.get(ingest.PathExplainStyle + "?host=boards.greenhouse.io&schema_hash=gh-d&" + c.query)
			require.Equal(t, http.StatusOK, x.Status, x.Raw)
			require.Equal(t, c.style, x.Body["chosen_style_id"], c.query)
		}
		r := a.get(ingest.PathProfile + "?host=boards.greenhouse.io&schema_hash=gh-d&discipline=science")
		require.Equal(t, http.StatusUnprocessableEntity, r.Status)
		require.Contains(t, r.Raw, "discipline")
	})
}
