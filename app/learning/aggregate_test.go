package learning_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/seeds"
)

func TestCanonicalMapVoteAndTieRule(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		m := func(kv ...string) map[string]string {
			out := map[string]string{}
			for i := 0; i < len(kv); i += 2 {
				out[kv[i]] = kv[i+1]
			}
			return out
		}
		ev := func(form string, fm map[string]string) seeds.Ev {
			return seeds.Ev{Host: ghAcme, SchemaHash: form, FinalMap: fm}
		}
		// The same votes on two forms, stored in opposite orders.
		votes := seeds.Concat(
			ev("", m("#a", "y", "#b", "q")).Times(2),
			ev("", m("#b", "q", "#c", "z")).Times(1),
			ev("", m("#a", "x", "#b", "p", "#e", "email")).Times(3),
			ev("", m("#e", "Email")).Times(3),
		)
		var forward, backward []seeds.Ev
		for i := range votes {
			f, b := votes[i], votes[len(votes)-1-i]
			f.SchemaHash, b.SchemaHash = "fwd", "bwd"
			forward, backward = append(forward, f), append(backward, b)
		}
		h.insert(forward, backward)
		h.run(30)

		want := models.StringMap{
			"#a": "x",     // 3 votes against 2
			"#b": "p",     // 3 against 3: the smaller value
			"#c": "z",     // the only vote
			"#e": "Email", // 3 against 3 in byte order: "E" < "e", whatever the collation
		}
		require.Equal(t, want, h.profile(ghAcme, "fwd").Fields.V)
		require.Equal(t, want, h.profile(ghAcme, "bwd").Fields.V)
	})
}

func TestAveragesCountOnlyReportedValues(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		i := seeds.Int
		evs := []seeds.Ev{
			{Style: concise, Added: i(10), Deleted: i(5), DurationMS: i(1000), EditChars: i(10)},
			{Style: concise, Deleted: i(20), EditChars: nil},
			{Style: concise, Status: "error", DurationMS: i(3000), EditChars: i(30)},
			{Style: concise, Added: i(4)},
		}
		var forward, backward []seeds.Ev
		for k := range evs {
			f, b := evs[k], evs[len(evs)-1-k]
			f.Host, f.SchemaHash = noFamily, "fwd"
			b.Host, b.SchemaHash = noFamily, "bwd"
			forward, backward = append(forward, f), append(backward, b)
		}
		h.insert(forward, backward)
		// Malformed counters (from an older client) count as not reported; they never fail a run.
		// Fractions round half away from zero on both databases. The rows have no derived
		// columns, as a writer from before them stores rows: the run reads edit_stats itself.
		bad, err := seeds.Insert(context.Background(), db, seeds.Ev{Host: noFamily, SchemaHash: "bad"}.Times(3))
		require.NoError(t, err)
		for i, stats := range []string{`{"total_chars_added": "lots", "total_chars_deleted": 3}`, `{"total_chars_added": true}`,
			`{"total_chars_added": 2.5, "total_chars_deleted": 0.4}`} {
			require.NoError(t, db.Exec("UPDATE autofill_events SET edit_stats = ?, final_map_hash = NULL, edit_total = NULL WHERE id = ?",
				stats, bad[i].ID).Error)
		}
		h.run(30)
		require.InDelta(t, 3.0, *h.profile(noFamily, "bad").AvgEditChars, 1e-9, "(3 + 3) / 2: the row with no number has no edits")

		for _, form := range []string{"fwd", "bwd"} {
			p := h.profile(noFamily, form)
			require.EqualValues(t, 4, p.EventCount)
			require.InDelta(t, 0.75, *p.SuccessRate, 1e-9, "3 of 4 ok")
			require.InDelta(t, 13.0, *p.AvgEditChars, 1e-9, "(15 + 20 + 4) / 3: the run with no edit stats is left out")
			require.Equal(t, 2000, *p.AvgDurationMS, "(1000 + 3000) / 2")
			st := p.StyleHint.V.StyleStats[concise]
			require.Equal(t, 4, st.TotalRuns)
			require.InDelta(t, 20.0, *st.AvgEditChars, 1e-9, "(10 + 30) / 2")
			require.Nil(t, st.HelpfulRatio, "no run is rated")
		}
	})
}

func TestHelpfulRatioCountsRatedRunsOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		h.insert(
			rated(noFamily, "f", concise, "", learning.Helpful, 8),
			rated(noFamily, "f", concise, "", learning.Unhelpful, 1),
			rated(noFamily, "f", concise, "", "", 3),
		)
		h.run(30)
		hint := h.hint(noFamily, "f")
		st := candidate(t, hint.Choice, concise)
		require.Equal(t, 12, st.TotalRuns)
		require.Equal(t, 8, st.HelpfulRuns)
		require.Equal(t, 1, st.UnhelpfulRuns)
		require.Equal(t, 9, st.RatedRuns)
		require.InDelta(t, 0.889, *st.HelpfulRatio, 0.0005, "8 / 9: unrated runs are not unhelpful")
		require.True(t, st.IsWinner)
	})
}

// TestSelectionLevels plays the seed's scenarios: the form first when it has enough runs, the
// segment (within the family) before the family, the family when the segment is too sparse,
// and none when nothing has enough.
func TestSelectionLevels(t *testing.T) {
	cases := []struct {
		name     string
		events   []seeds.Ev
		source   string
		style    string
		segment  string
		runs     int // the winner's runs at the level used
		rivals   []string
		noFamily bool
	}{
		{
			name: "form first when it has enough",
			events: seeds.Concat(
				rated(ghAcme, "target", narrative, "senior", learning.Helpful, 1),
				rated(ghAcme, "target", narrative, "senior", learning.Unhelpful, 4),
				// The segment and the family both favour concise.
				rated(ghGlobex, "other", concise, "senior", learning.Helpful, 12),
			),
			source: models.SourceForm, style: narrative, segment: "senior", runs: 5,
		},
		{
			name: "segment preferred over family when the segment has enough",
			events: seeds.Concat(
				rated(ghAcme, "target", confident, "senior", learning.Helpful, 2),
				rated(ghGlobex, "other", narrative, "senior", learning.Helpful, 4),
				rated(ghGlobex, "other", narrative, "senior", learning.Unhelpful, 1),
				// The family favours concise (12 runs, all helpful), but not for senior jobs.
				rated(ghGlobex, "other", concise, "junior", learning.Helpful, 12),
				// Senior runs of another family do not count for greenhouse.
				rated(leverCo, "lv", concise, "senior", learning.Helpful, 20),
			),
			source: models.SourceSegment, style: narrative, segment: "senior", runs: 5,
		},
		{
			name: "family when the segment is too sparse",
			events: seeds.Concat(
				rated(ghAcme, "target", confident, "senior", learning.Helpful, 2),
				rated(ghGlobex, "other", narrative, "senior", learning.Helpful, 4),
				rated(ghGlobex, "other", concise, "junior", learning.Helpful, 9),
				rated(ghGlobex, "other", concise, "junior", learning.Unhelpful, 1),
			),
			source: models.SourceFamily, style: concise, segment: "senior", runs: 10,
		},
		{
			name: "none when nothing has enough",
			events: seeds.Concat(
				rated(ghAcme, "target", confident, "senior", learning.Helpful, 4),
				rated(ghGlobex, "other", narrative, "senior", learning.Helpful, 4),
				rated(ghGlobex, "other", concise, "", learning.Helpful, 5),
			),
			source: models.SourceNone, segment: "senior",
		},
		{
			name: "a host in no family has no family or segment level",
			events: seeds.Concat(
				rated(noFamily, "target", confident, "senior", learning.Helpful, 2),
				rated("jobs.initech.example", "other", concise, "senior", learning.Helpful, 30),
			),
			source: models.SourceNone, segment: "senior", noFamily: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *gorm.DB) {
				h := newHarness(t, db)
				h.insert(tc.events)
				h.run(30)
				host := ghAcme
				if tc.noFamily {
					host = noFamily
				}
				hint := h.hint(host, "target")
				require.Equal(t, tc.source, hint.Source)
				require.Equal(t, tc.segment, hint.SegmentKey)
				if tc.noFamily {
					require.Empty(t, hint.HostFamily)
				} else {
					require.Equal(t, "greenhouse", hint.HostFamily)
				}
				require.Equal(t, tc.style, preferred(hint.Choice))
				if tc.source == models.SourceNone {
					require.Empty(t, hint.Candidates)
					return
				}
				win := hint.Candidates[0]
				require.True(t, win.IsWinner)
				require.Equal(t, tc.style, win.StyleID)
				require.Equal(t, tc.source, win.Level)
				require.Equal(t, tc.runs, win.TotalRuns)
				for _, c := range hint.Candidates[1:] {
					require.False(t, c.IsWinner)
					require.Equal(t, tc.source, c.Level)
				}
				if tc.source == models.SourceSegment {
					require.Equal(t, tc.segment, win.SegmentKey)
				}
			})
		})
	}
}

// TestRanking: a higher helpful ratio (none rated last), then fewer edits (none reported
// last), then more runs, then the style id; styles under the threshold do not compete.
func TestRanking(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		i := seeds.Int
		withEdits := func(evs []seeds.Ev, n *int) []seeds.Ev {
			for k := range evs {
				evs[k].EditChars = n
			}
			return evs
		}
		h.insert(
			// Form "ratio": b and a tie on 3/4 helpful; b has fewer edits; c has no rating;
			// d is perfect but has too few runs.
			withEdits(rated(noFamily, "ratio", "a", "", learning.Helpful, 3), i(50)),
			withEdits(rated(noFamily, "ratio", "a", "", learning.Unhelpful, 1), i(50)),
			rated(noFamily, "ratio", "a", "", "", 2),
			withEdits(rated(noFamily, "ratio", "b", "", learning.Helpful, 3), i(20)),
			withEdits(rated(noFamily, "ratio", "b", "", learning.Unhelpful, 1), i(20)),
			rated(noFamily, "ratio", "b", "", "", 2),
			rated(noFamily, "ratio", "e", "", learning.Helpful, 3),
			rated(noFamily, "ratio", "e", "", learning.Unhelpful, 1),
			rated(noFamily, "ratio", "e", "", "", 2),
			rated(noFamily, "ratio", "c", "", "", 10),
			rated(noFamily, "ratio", "d", "", learning.Helpful, 4),
			// Form "runs": equal ratios and edits; more runs wins. Form "id": all equal.
			rated(noFamily, "runs", "a", "", learning.Helpful, 5),
			rated(noFamily, "runs", "b", "", learning.Helpful, 6),
			rated(noFamily, "id", "b", "", learning.Helpful, 5),
			rated(noFamily, "id", "a", "", learning.Helpful, 5),
		)
		h.run(30)
		order := func(form string) []string {
			var ids []string
			for _, c := range h.hint(noFamily, form).Candidates {
				ids = append(ids, c.StyleID)
			}
			return ids
		}
		require.Equal(t, []string{"b", "a", "e", "c"}, order("ratio"))
		require.Equal(t, []string{"b", "a"}, order("runs"))
		require.Equal(t, []string{"a", "b"}, order("id"))
		require.Contains(t, h.hint(noFamily, "ratio").StyleStats, "d", "style_stats keeps every style of the form")
	})
}

func TestWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		day := 24 * time.Hour
		h.insert(
			seeds.Ev{Host: noFamily, SchemaHash: "w", Style: concise, Age: 2 * day, FinalMap: map[string]string{"#a": "new"}}.Times(2),
			seeds.Ev{Host: noFamily, SchemaHash: "w", Style: concise, Age: 40 * day, FinalMap: map[string]string{"#a": "old"}}.Times(5),
		)
		run := h.run(30)
		require.EqualValues(t, 2, run.EventsRead)
		p := h.profile(noFamily, "w")
		require.EqualValues(t, 2, p.EventCount)
		require.Equal(t, "new", p.Fields.V["#a"])
		require.Equal(t, models.SourceNone, p.StyleHint.V.Source, "2 runs in the window are not enough")
		require.Equal(t, 30, p.StyleHint.V.WindowDays)

		run = h.run(0) // all time
		require.EqualValues(t, 7, run.EventsRead)
		p = h.profile(noFamily, "w")
		require.EqualValues(t, 7, p.EventCount)
		require.Equal(t, "old", p.Fields.V["#a"])
		require.Equal(t, models.SourceForm, p.StyleHint.V.Source)
		require.Equal(t, 0, p.StyleHint.V.WindowDays)
	})
}

// TestStaleHintCleared: when a form's data ages out of the window, its hint is recomputed
// (none) and its figures reset, but its canonical map stays.
func TestStaleHintCleared(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		h.insert(seeds.Ev{Host: noFamily, SchemaHash: "s", Style: concise, Feedback: learning.Helpful,
			DurationMS: seeds.Int(900), FinalMap: map[string]string{"#email": "email"}}.Times(6))
		h.run(30)
		before := h.profile(noFamily, "s")
		require.Equal(t, models.SourceForm, before.StyleHint.V.Source)

		// Forty days pass.
		require.NoError(t, db.Exec("UPDATE autofill_events SET created_at = ?", time.Now().UTC().AddDate(0, 0, -40)).Error)
		run := h.run(30)
		require.Equal(t, 1, run.HintsChanged)
		after := h.profile(noFamily, "s")
		require.Equal(t, before.ID, after.ID)
		require.Zero(t, after.EventCount)
		require.Nil(t, after.SuccessRate)
		require.Nil(t, after.AvgDurationMS)
		require.Equal(t, models.StringMap{"#email": "email"}, after.Fields.V, "the map stays")
		hint := after.StyleHint.V
		require.Equal(t, models.SourceNone, hint.Source)
		require.Nil(t, hint.PreferredStyleID)
		require.Empty(t, hint.Candidates)
		require.Empty(t, hint.StyleStats)
		require.Equal(t, run.ID, hint.RunID)
	})
}

// TestPerSegmentHints: one form serves jobs of every level; each segment seen on it gets its
// own choice, and the overall hint is the one of its most common segment.
func TestPerSegmentHints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		h.insert(
			rated(ghAcme, "p", "", "senior", "", 1),
			rated(ghAcme, "p", "", "junior", "", 2),
			rated(ghAcme, "p", "", "intern", "", 1),
			rated(ghAcme, "p", "", "", "", 5), // no job: counts for nothing segment-wise
			rated(ghGlobex, "o", narrative, "senior", learning.Helpful, 5),
			rated(ghGlobex, "o", concise, "junior", learning.Helpful, 5),
			rated(ghGlobex, "o", concise, "default", learning.Unhelpful, 6),
		)
		h.run(30)
		hint := h.hint(ghAcme, "p")
		require.Len(t, hint.BySegment, 4, "every segment, seen on the form or not")
		senior, junior, intern := hint.BySegment["senior"], hint.BySegment["junior"], hint.BySegment["intern"]
		// No default job on this form, but the family has them: its own segment decides.
		def := hint.BySegment["default"]
		require.Equal(t, models.SourceSegment, def.Source)
		require.Equal(t, "default", def.SegmentKey)
		require.Equal(t, concise, preferred(def))
		require.Equal(t, models.SourceSegment, senior.Source)
		require.Equal(t, narrative, preferred(senior))
		require.Equal(t, models.SourceSegment, junior.Source)
		require.Equal(t, concise, preferred(junior))
		require.Equal(t, models.SourceFamily, intern.Source, "no intern runs in the family: the family decides")
		require.Equal(t, concise, preferred(intern))
		require.Equal(t, 11, intern.Candidates[0].TotalRuns)

		require.Equal(t, "junior", hint.SegmentKey, "the most common segment")
		require.Equal(t, junior, hint.Choice)
		require.Equal(t, "greenhouse", hint.HostFamily)
	})
}

// TestIdempotent: a second run over the same data changes nothing, and rewrites no profile:
// each keeps the computed_at and run_id of the run that made its hint.
func TestIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		h.insert(
			rated(ghAcme, "a", concise, "senior", learning.Helpful, 6),
			rated(ghAcme, "a", narrative, "junior", learning.Unhelpful, 3),
			rated(ghGlobex, "b", narrative, "senior", learning.Helpful, 2),
			rated(noFamily, "c", confident, "", "", 1),
		)
		first := h.run(30)
		require.Equal(t, 3, first.HintsChanged)
		profiles1, styles1 := snapshot(t, db)

		second := h.run(30)
		require.Zero(t, second.HintsChanged)
		require.Equal(t, first.SourceMix.V, second.SourceMix.V)
		profiles2, styles2 := snapshot(t, db)
		require.Equal(t, styles1, styles2, "styles (weights and updated_at) unchanged")
		require.Len(t, profiles2, len(profiles1))
		for i := range profiles1 {
			a, b := profiles1[i], profiles2[i]
			require.Equal(t, first.ID, b.StyleHint.V.RunID)
			require.Equal(t, a, b, "profile %s/%s", a.Host, a.SchemaHash)
		}
	})
}

// TestHintsComparedByDigest: a run compares a planned hint with the stored one by the digest in
// the stored summary, and reads the stored hint only when it must. With no new events it
// neither reads nor rewrites a hint (one changed in place, its run_id kept, stays as it is); a
// hint rewritten by another writer (another run_id) is compared and replaced; profiles written
// by an older build (no summary, or one with no digest) are compared hint by hint, keep their
// updated_at, and are written once more, to store the digest.
func TestHintsComparedByDigest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		h.insert(
			rated(ghAcme, "a", concise, "senior", learning.Helpful, 6),
			rated(ghGlobex, "b", narrative, "junior", learning.Helpful, 2),
		)
		h.run(30)
		profiles, _ := snapshot(t, db)
		digests := func() []string {
			t.Helper()
			var summaries []string
			require.NoError(t, db.Raw("SELECT hint_summary FROM form_profiles ORDER BY host, schema_hash").Scan(&summaries).Error)
			out := make([]string, len(summaries))
			for i, s := range summaries {
				var v struct{ Digest string }
				require.NoError(t, json.Unmarshal([]byte(s), &v))
				out[i] = v.Digest
			}
			return out
		}
		stored := digests()
		require.Len(t, stored, 2)
		require.NotEqual(t, stored[0], stored[1])
		for _, d := range stored {
			require.Regexp(t, `^h2:[0-9a-f]{32}$`, d)
		}

		setHint := func(hint *models.StyleHint) {
			t.Helper()
			require.NoError(t, db.Model(&models.FormProfile{}).Where("schema_hash = 'a'").UpdateColumn("style_hint", models.NewJSON(hint)).Error)
		}
		// untouched requires that a run with nothing new neither reads nor writes a's hint: one
		// changed in place, with the stored run_id kept, stays as it is.
		untouched := func() {
			t.Helper()
			changed := *profiles[0].StyleHint.V
			changed.Source = "replaced"
			setHint(&changed)
			run := h.run(30)
			require.Zero(t, run.HintsChanged)
			require.Equal(t, "replaced", h.hint(ghAcme, "a").Source, "the stored hint was neither read nor written")
			setHint(profiles[0].StyleHint.V)
		}
		untouched()

		// A hint written by another writer (the original service, which knows no summary) is no
		// longer the one the summary describes: the run compares it, and writes its own.
		setHint(&models.StyleHint{Choice: models.Choice{Source: "original"}})
		run := h.run(30)
		require.Equal(t, 1, run.HintsChanged)
		require.Equal(t, profiles[0].StyleHint.V.Source, h.hint(ghAcme, "a").Source)
		profiles, _ = snapshot(t, db)
		stored = digests()

		// Profiles written by an older build: no summary, and a summary with no digest.
		require.NoError(t, db.Exec("UPDATE form_profiles SET hint_summary = NULL WHERE schema_hash = 'a'").Error)
		require.NoError(t, db.Exec(`UPDATE form_profiles SET hint_summary = '{"source": "form", "policy": "threshold", "candidates": []}'
			WHERE schema_hash = 'b'`).Error)
		run = h.run(30)
		require.Zero(t, run.HintsChanged, "compared hint by hint")
		require.Zero(t, run.PicksChanged)
		require.Equal(t, stored, digests(), "written once more, with the digest")
		after, _ := snapshot(t, db)
		for i := range after {
			require.Equal(t, profiles[i].UpdatedAt, after[i].UpdatedAt, "the same hint keeps its updated_at")
		}
		profiles = after // rewritten by this run: its run_id
		untouched()

		// A summary whose digest another build made (a hash of the hint's JSON, without this
		// build's mark) for the hint stored (its run_id): the run compares the hint itself,
		// counts no change, and writes the row once more with its own digest.
		var summary map[string]any
		var raw string
		require.NoError(t, db.Raw("SELECT hint_summary FROM form_profiles WHERE schema_hash = 'b'").Scan(&raw).Error)
		require.NoError(t, json.Unmarshal([]byte(raw), &summary))
		summary["digest"] = "0123456789abcdef0123456789abcdef"
		older, err := json.Marshal(summary)
		require.NoError(t, err)
		require.NoError(t, db.Exec("UPDATE form_profiles SET hint_summary = ? WHERE schema_hash = 'b'", string(older)).Error)
		run = h.run(30)
		require.Zero(t, run.HintsChanged, "compared hint by hint")
		require.Equal(t, stored, digests(), "written once more, with this build's digest")
	})
}

func snapshot(t *testing.T, db *gorm.DB) ([]models.FormProfile, []models.GenStyle) {
	t.Helper()
	var ps []models.FormProfile
	require.NoError(t, db.Order("host, schema_hash").Find(&ps).Error)
	var ss []models.GenStyle
	require.NoError(t, db.Order("id").Find(&ss).Error)
	return ps, ss
}

func TestDryRunWritesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		h.insert(rated(ghAcme, "a", concise, "senior", learning.Helpful, 6), rated(noFamily, "b", concise, "", "", 1))
		_, styles := snapshot(t, db)

		run, err := h.r.Run(context.Background(), learning.RunParams{Days: 30, DryRun: true})
		require.NoError(t, err)
		require.True(t, run.DryRun)
		require.Equal(t, learning.StatusOK, run.Status)
		require.EqualValues(t, 7, run.EventsRead)
		require.Equal(t, 2, run.ProfilesUpdated, "what a real run would write")
		require.Equal(t, 2, run.HintsChanged)
		require.Equal(t, map[string]int{"form": 1, "segment": 0, "family": 0, "global": 0, "none": 1}, run.SourceMix.V)

		require.Zero(t, storetest.Count(t, db, "form_profiles"))
		require.Zero(t, storetest.Count(t, db, "aggregator_runs"))
		_, after := snapshot(t, db)
		require.Equal(t, styles, after)
		require.Zero(t, metricValue(t, h.m.Registry, "applylens_autofill_agg_runs_total", map[string]string{"status": "ok"}))
	})
}

// TestPriorWeights: 2·(helpful+1)/(rated+2) over the window, the same for the same data.
func TestPriorWeights(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		h.insert(
			rated(ghAcme, "a", concise, "", learning.Helpful, 8),
			rated(noFamily, "b", concise, "", learning.Unhelpful, 1),
			rated(noFamily, "b", concise, "", "", 4),
			rated(noFamily, "b", confident, "", learning.Unhelpful, 3),
		)
		weights := func() map[string]float64 {
			var ss []models.GenStyle
			require.NoError(t, db.Find(&ss).Error)
			out := map[string]float64{}
			for _, s := range ss {
				out[s.ID] = s.PriorWeight
			}
			return out
		}
		want := map[string]float64{concise: 1.6364, narrative: 1, confident: 0.4}
		h.run(30)
		require.Equal(t, want, weights())
		h.run(30)
		require.Equal(t, want, weights(), "no compounding")

		require.NoError(t, db.Exec("UPDATE autofill_events SET created_at = ?", time.Now().UTC().AddDate(0, 0, -90)).Error)
		h.run(30)
		require.Equal(t, map[string]float64{concise: 1, narrative: 1, confident: 1}, weights(), "no data: the prior")
	})
}

// TestProfilesCreatedAndLegacyHintReplaced: a form with events and no profile gets one; a
// profile of the original service keeps its id and gets a hint of the new shape.
func TestProfilesCreatedAndLegacyHintReplaced(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		legacy := `{"gen_style_id": "concise_bullets_v1", "confidence": 0.5, "preferred_style_id": "concise_bullets_v1"}`
		require.NoError(t, db.Exec(`INSERT INTO form_profiles (id, host, schema_hash, fields, style_hint, created_at)
			VALUES ('0193a5b0-0000-7000-8000-000000000001', ?, 'legacy', '{"#x": "old"}', ?, ?)`,
			ghAcme, legacy, time.Now().UTC().AddDate(-1, 0, 0)).Error)
		// A map of another shape (numbers) must neither fail the run nor be lost.
		require.NoError(t, db.Exec(`INSERT INTO form_profiles (id, host, schema_hash, fields, created_at)
			VALUES ('0193a5b0-0000-7000-8000-000000000002', ?, 'odd', '{"#n": 5}', ?)`, ghAcme, time.Now().UTC()).Error)
		h.insert(rated(ghAcme, "new", concise, "", learning.Helpful, 10))
		run := h.run(30)
		require.Equal(t, 3, run.ProfilesUpdated)
		require.Equal(t, 3, run.HintsChanged)
		var odd string
		require.NoError(t, db.Raw("SELECT CAST(fields AS TEXT) FROM form_profiles WHERE schema_hash = 'odd'").Scan(&odd).Error)
		require.JSONEq(t, `{"#n": 5}`, odd)
		require.Equal(t, 0, h.run(30).HintsChanged)

		old := h.profile(ghAcme, "legacy")
		require.Equal(t, "0193a5b0-0000-7000-8000-000000000001", old.ID)
		require.Equal(t, models.StringMap{"#x": "old"}, old.Fields.V)
		require.Zero(t, old.EventCount)
		require.Equal(t, models.SourceFamily, old.StyleHint.V.Source, "no events of its own: its family decides")
		require.Equal(t, concise, preferred(old.StyleHint.V.Choice))
		require.Equal(t, models.SourceForm, h.hint(ghAcme, "new").Source)
		require.EqualValues(t, 10, h.profile(ghAcme, "new").EventCount)
	})
}

// TestStatementsDoNotGrowWithForms: the run (its fold of the new events included) issues as
// many statements for 3 forms as for 303 (no per-form, per-cell or per-style query), but for
// the pieces SQLite writes in: one more per PieceRows profiles written; and one more when the
// chunk has stored hints to read (the second run's first forms had hints, and a pick that
// moves needs its old hint).
func TestStatementsDoNotGrowWithForms(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		h.run(30) // builds the (empty) rollups: the runs below fold what changed
		counted := countStatements(t, db)
		var evs []seeds.Ev
		for i := range 3 {
			evs = append(evs, rated(ghAcme, "f"+string(rune('a'+i)), concise, "senior", learning.Helpful, 2)...)
		}
		h.insert(evs)
		*counted = 0
		h.run(30)
		few := *counted

		evs = nil
		for i := range 3 { // the first forms change too: the run writes all 303
			evs = append(evs, rated(ghAcme, "f"+string(rune('a'+i)), concise, "senior", learning.Helpful, 1)...)
		}
		for i := range 300 {
			evs = append(evs, seeds.Ev{Host: []string{ghGlobex, leverCo, noFamily}[i%3], SchemaHash: fmt.Sprintf("form-%d", i),
				Style: []string{concise, narrative, confident}[i%3], Segment: learning.Segments()[i%4],
				Feedback: learning.Helpful, FinalMap: map[string]string{"#a": "x"}})
		}
		h.insert(evs)
		*counted = 0
		h.run(30)
		pieces := func(forms int) int { return (forms + learning.PieceRows - 1) / learning.PieceRows }
		if db.Dialector.Name() == "sqlite" {
			few += pieces(303) - pieces(3)
		}
		require.GreaterOrEqual(t, *counted, few)
		require.LessOrEqual(t, *counted, few+1)
		require.LessOrEqual(t, few, 32, "a few statements: the fold, the window, the profiles (keys, then a chunk: its profiles and votes), the writes")
	})
}

// countStatements counts every statement gorm sends on db from now on.
func countStatements(t *testing.T, db *gorm.DB) *int {
	t.Helper()
	n := new(int)
	inc := func(*gorm.DB) { *n++ }
	cb := db.Callback()
	require.NoError(t, cb.Create().After("gorm:create").Register("test:count_create", inc))
	require.NoError(t, cb.Query().After("gorm:query").Register("test:count_query", inc))
	require.NoError(t, cb.Update().After("gorm:update").Register("test:count_update", inc))
	require.NoError(t, cb.Delete().After("gorm:delete").Register("test:count_delete", inc))
	require.NoError(t, cb.Row().After("gorm:row").Register("test:count_row", inc))
	require.NoError(t, cb.Raw().After("gorm:raw").Register("test:count_raw", inc))
	return n
}

func TestMetricsAfterRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		h.insert(
			rated(ghAcme, "a", concise, "senior", learning.Helpful, 5),
			rated(noFamily, "b", concise, "", "", 1),
		)
		h.run(30)
		reg := h.m.Registry
		require.EqualValues(t, 1, metricValue(t, reg, "applylens_autofill_agg_runs_total", map[string]string{"status": "ok"}))
		require.EqualValues(t, 2, metricValue(t, reg, "applylens_autofill_profiles_updated_total", nil))
		require.EqualValues(t, 1, metricValue(t, reg, "applylens_autofill_style_choice_total",
			map[string]string{"source": "form", "host_family": "greenhouse", "segment_key": "senior"}))
		require.EqualValues(t, 1, metricValue(t, reg, "applylens_autofill_style_choice_total",
			map[string]string{"source": "none", "host_family": "other", "segment_key": ""}))
		require.EqualValues(t, 1, metricValue(t, reg, "applylens_autofill_hints", map[string]string{"source": "none"}))
		require.EqualValues(t, 0, metricValue(t, reg, "applylens_autofill_hints", map[string]string{"source": "family"}))
		require.Greater(t, metricValue(t, reg, "applylens_autofill_agg_last_run_timestamp_seconds", nil), 1e9)
	})
}

// TestHintJSONShape pins the field names readers rely on.
func TestHintJSONShape(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		h.insert(rated(ghAcme, "a", concise, "senior", learning.Helpful, 5))
		run := h.run(30)
		var raw string
		require.NoError(t, db.Raw("SELECT CAST(style_hint AS TEXT) FROM form_profiles").Scan(&raw).Error)
		var got map[string]any
		require.NoError(t, json.Unmarshal([]byte(raw), &got))
		for _, k := range []string{"preferred_style_id", "source", "segment_key", "host_family", "candidates",
			"style_stats", "by_segment", "thresholds", "window_days", "computed_at", "run_id"} {
			require.Contains(t, got, k)
		}
		require.Equal(t, run.ID, got["run_id"])
		require.Equal(t, map[string]any{"min_form_runs": 5.0, "min_segment_runs": 5.0, "min_family_runs": 10.0}, got["thresholds"])
		c := got["candidates"].([]any)[0].(map[string]any)
		require.Equal(t, map[string]any{"style_id": concise, "level": "form", "total_runs": 5.0, "helpful_runs": 5.0,
			"unhelpful_runs": 0.0, "rated_runs": 5.0, "helpful_ratio": 1.0, "avg_edit_chars": nil, "is_winner": true}, c)
	})
}

// TestDisciplineHints: under bayes a form's hint holds a choice for each (segment, discipline)
// pair, keyed "senior/data", whose pick differs from its segment's (seen on the form or only in
// its family), beside the four segments; the threshold rules ignore disciplines and keep their
// four.
func TestDisciplineHints(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		data := func(style, feedback string, n int) []seeds.Ev {
			return seeds.Ev{Host: ghAcme, SchemaHash: "p", Style: style, Segment: "senior", Discipline: "data", Feedback: feedback}.Times(n)
		}
		eng := func(style, feedback string, n int) []seeds.Ev {
			return seeds.Ev{Host: ghAcme, SchemaHash: "p", Style: style, Segment: "senior", Discipline: "engineering", Feedback: feedback}.Times(n)
		}
		// A second form of the family has only engineering runs, which like concise.
		other := seeds.Ev{Host: ghGlobex, SchemaHash: "q", Style: concise, Segment: "senior", Discipline: "engineering", Feedback: learning.Helpful}.Times(8)
		evs := [][]seeds.Ev{
			data(narrative, learning.Helpful, 20), data(concise, learning.Unhelpful, 20),
			eng(concise, learning.Helpful, 40), eng(narrative, learning.Unhelpful, 40), other,
		}
		h := bayesHarness(t, db)
		h.insert(evs...)
		h.run(30)
		hint := h.hint(ghAcme, "p")
		senior := preferred(hint.BySegment["senior"])
		require.Equal(t, concise, senior, "over every discipline the form's senior runs like concise")
		// senior/engineering picks concise too: no entry of its own (the segment's stands for it).
		require.Len(t, hint.BySegment, 5, "four segments and the one pair that picks differently")
		d := hint.BySegment["senior/data"]
		require.Equal(t, "senior/data", d.SegmentKey)
		require.Equal(t, narrative, preferred(d))
		require.Positive(t, d.Shares.Form)
		require.Equal(t, 40, candidate(t, d, narrative).TotalRuns+candidate(t, d, concise).TotalRuns, "the pair's own runs")
		require.NotNil(t, hint.Kappas)
		require.Positive(t, hint.Kappas.Discipline)

		// Served: the pair's choice when the hint has it, the segment's otherwise.
		c, ok := learning.ChoiceFor(hint, "senior", "data")
		require.True(t, ok)
		require.Equal(t, d, c)
		c, _ = learning.ChoiceFor(hint, "senior", "engineering")
		require.Equal(t, hint.BySegment["senior"], c)
		require.Equal(t, concise, preferred(c))
		c, _ = learning.ChoiceFor(hint, "senior", "sales")
		require.Equal(t, hint.BySegment["senior"], c)

		// The second form never saw a data job: its senior/data pick is pooled from the
		// family's (greenhouse, senior, data) cell, narrative, against its own senior pick.
		q := h.hint(ghGlobex, "q")
		require.Equal(t, concise, preferred(q.BySegment["senior"]))
		qd, ok := q.BySegment["senior/data"]
		require.True(t, ok, "an unseen pair that picks differently has its entry")
		require.Equal(t, narrative, preferred(qd))
		require.Zero(t, qd.Shares.Form, "no run of its own")
		require.Positive(t, qd.Shares.Discipline)

		th := newHarness(t, db)
		th.run(30)
		require.Len(t, th.hint(ghAcme, "p").BySegment, 4, "threshold: the original's segments only")
	})
}

// TestChunksPlanLikeOneChunk: a run plans its profiles a chunk of forms at a time against one
// fit; with chunks of 7 forms (stored ones and new ones interleaved in key order) it writes the
// same hints and figures as one chunk holding every form, which then finds nothing to change.
func TestChunksPlanLikeOneChunk(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		_, err := seeds.Seed(ctx, db, seeds.Options{Events: 1500, Days: 20, Users: 4, Seed: 5})
		require.NoError(t, err)
		h := bayesHarness(t, db, func(c *config.Config) { c.AggregatorChunk = 7 })
		first := h.run(30)
		var stored int64
		require.NoError(t, db.Model(&models.FormProfile{}).Count(&stored).Error)
		require.EqualValues(t, stored, first.FormsTotal, "every form planned once and written")
		require.Greater(t, first.FormsTotal, 3*7, "the run took several chunks")

		// New forms between the stored ones in key order, and new events on stored forms.
		var evs []seeds.Ev
		for i := range 12 {
			evs = append(evs, rated([]string{ghAcme, leverCo, noFamily}[i%3], fmt.Sprintf("chunk-%02d", i), concise, "senior", learning.Helpful, 2)...)
		}
		var some []models.FormProfile
		require.NoError(t, db.Order("host, schema_hash").Limit(5).Find(&some).Error)
		for _, p := range some {
			evs = append(evs, rated(p.Host, p.SchemaHash, narrative, "mid", learning.Unhelpful, 3)...)
		}
		h.insert(evs)
		second := h.run(30)
		require.EqualValues(t, stored+12, second.FormsTotal)
		require.Positive(t, second.HintsChanged)

		whole := bayesHarness(t, db, func(c *config.Config) { c.AggregatorChunk = config.MaxChunkForms })
		require.Greater(t, whole.cfg.AggregatorChunk, second.FormsTotal)
		var before []models.FormProfile
		require.NoError(t, db.Order("host, schema_hash").Find(&before).Error)
		third := whole.run(30)
		require.Zero(t, third.HintsChanged, "one chunk computes the hints the chunks of 7 wrote")
		var after []models.FormProfile
		require.NoError(t, db.Order("host, schema_hash").Find(&after).Error)
		require.Len(t, after, len(before))
		for i := range after {
			require.Equal(t, before[i].UpdatedAt, after[i].UpdatedAt, "%s/%s rewritten", after[i].Host, after[i].SchemaHash)
		}
	})
}
