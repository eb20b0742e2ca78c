package learning

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/models"
)

// fullHint is a hint with every field set, nil-able ones included, as bayes writes them.
func fullHint() *models.StyleHint {
	style, other := "concise_bullets_v1", "narrative_para_v1"
	ratio, edits, needed := 0.5, 12.25, 7
	post := func(m float64) *models.Posterior {
		return &models.Posterior{Mean: m, Low: m - 0.1, High: m + 0.1, Alpha: 3, Beta: 4, PBest: 0.6, ExpectedLoss: 0.02,
			Shares: models.Shares{Form: 0.1, Discipline: 0.2, Segment: 0.3, Family: 0.25, Global: 0.15}}
	}
	stats := func(id string, m float64) models.StyleStats {
		return models.StyleStats{StyleID: id, Level: models.SourceForm, SegmentKey: "senior", TotalRuns: 9, HelpfulRuns: 3,
			UnhelpfulRuns: 2, RatedRuns: 5, HelpfulRatio: &ratio, AvgEditChars: &edits, IsWinner: id == style, Posterior: post(m)}
	}
	choice := func(seg string) models.Choice {
		return models.Choice{PreferredStyleID: &style, Source: models.SourceSegment, SegmentKey: seg,
			Candidates: []models.StyleStats{stats(style, 0.6), stats(other, 0.4)},
			Shares:     &models.Shares{Form: 0.4, Discipline: 0.1, Segment: 0.3, Family: 0.1, Global: 0.1},
			Confidence: models.ConfidenceTentative, RunsNeeded: &needed}
	}
	return &models.StyleHint{
		Choice:     choice("senior"),
		HostFamily: "greenhouse",
		StyleStats: map[string]models.StyleStats{style: stats(style, 0.6), other: stats(other, 0.4)},
		BySegment:  models.SegmentChoices{"senior": choice("senior"), "senior/data": choice("senior/data"), "junior": choice("junior")},
		Policy:     models.PolicyBayes,
		Thresholds: models.Thresholds{Form: 5, Segment: 5, Family: 10},
		Kappas: &models.Kappas{Global: 1, Family: 2, Segment: 3, SegmentAcross: 4, Form: 5, FormNoFamily: 6,
			Discipline: 7, FormDiscipline: 8},
		WindowDays: 30,
		ComputedAt: time.Date(2026, 12, 7, 3, 0, 0, 0, time.UTC),
		RunID:      "0193a1b2-0000-7000-8000-000000000001",
	}
}

// requireEveryFieldSet fails unless every field of every struct in v (through pointers, lists
// and maps) is set somewhere in it: a field fullHint leaves zero would be absent from its JSON
// (most are omitempty), and TestHintDigestSeesEveryField would not change it.
func requireEveryFieldSet(t *testing.T, v reflect.Value, set map[string]bool) {
	t.Helper()
	var walk func(v reflect.Value)
	seen := map[reflect.Type]bool{}
	walk = func(v reflect.Value) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem())
			}
		case reflect.Slice:
			for i := range v.Len() {
				walk(v.Index(i))
			}
		case reflect.Map:
			for _, k := range v.MapKeys() {
				walk(v.MapIndex(k))
			}
		case reflect.Struct:
			if v.Type() == reflect.TypeFor[time.Time]() {
				return
			}
			seen[v.Type()] = true
			for i := range v.NumField() {
				if !v.Field(i).IsZero() {
					set[v.Type().Name()+"."+v.Type().Field(i).Name] = true
				}
				walk(v.Field(i))
			}
		}
	}
	walk(v)
	for typ := range seen {
		for i := range typ.NumField() {
			name := typ.Name() + "." + typ.Field(i).Name
			require.True(t, set[name], "fullHint leaves %s zero everywhere: set it, so that the digest is tested with it", name)
		}
	}
}

// TestHintDigestSeesEveryField: a hint differs from another exactly when its JSON does (but for
// the stamps, computed_at and run_id), so the digest must change with every value of the JSON
// a run stores. The test changes each value of the stored JSON in turn (a number, a string, a
// flag), decodes the hint it gives, and requires another digest; a field added to a hint but
// not to hintDigest fails it. It also requires a digest that ignores the stamps and the order
// the maps were filled in, and that tells a missing value from a zero one.
func TestHintDigestSeesEveryField(t *testing.T) {
	h := fullHint()
	requireEveryFieldSet(t, reflect.ValueOf(*h), map[string]bool{})
	base := hintDigest(h)
	stored, err := models.EncodeHint(*h)
	require.NoError(t, err)
	var tree any
	require.NoError(t, json.Unmarshal(stored, &tree))

	changed := 0
	var visit func(v any, path string, set func(any))
	visit = func(v any, path string, set func(any)) {
		switch x := v.(type) {
		case map[string]any:
			for k, child := range x {
				visit(child, path+"."+k, func(n any) { x[k] = n })
			}
		case []any:
			for i, child := range x {
				visit(child, fmt.Sprintf("%s[%d]", path, i), func(n any) { x[i] = n })
			}
		default:
			if path == ".computed_at" || path == ".run_id" {
				return
			}
			var to any
			switch y := x.(type) {
			case float64:
				to = y + 1
			case string:
				to = y + "x"
			case bool:
				to = !y
			default:
				t.Fatalf("%s: a hint holds no %T", path, x)
			}
			set(to)
			b, err := json.Marshal(tree)
			require.NoError(t, err)
			var other models.StyleHint
			require.NoError(t, json.Unmarshal(b, &other), path)
			require.NotEqual(t, base, hintDigest(&other), "changing %s must change the digest", path)
			set(x)
			changed++
		}
	}
	visit(tree, "", nil)
	require.Greater(t, changed, 150, "every value of the hint was changed once")

	restamped := *fullHint()
	restamped.ComputedAt, restamped.RunID = time.Now(), "another run"
	require.Equal(t, base, hintDigest(&restamped), "the stamps are not part of the hint")
	var decoded models.StyleHint
	require.NoError(t, json.Unmarshal(stored, &decoded))
	require.Equal(t, base, hintDigest(&decoded), "a hint read back has its digest (maps in another order)")

	digests := map[string]string{}
	for name, change := range map[string]func(h *models.StyleHint){
		"no kappas":            func(h *models.StyleHint) { h.Kappas = nil },
		"zero kappas":          func(h *models.StyleHint) { h.Kappas = &models.Kappas{} },
		"no candidates (null)": func(h *models.StyleHint) { h.Candidates = nil },
		"empty candidates":     func(h *models.StyleHint) { h.Candidates = []models.StyleStats{} },
		"no shares":            func(h *models.StyleHint) { h.Shares = nil },
		"no runs needed":       func(h *models.StyleHint) { h.RunsNeeded = nil },
		"no pick":              func(h *models.StyleHint) { h.PreferredStyleID = nil },
		"an empty pick":        func(h *models.StyleHint) { empty := ""; h.PreferredStyleID = &empty },
		"no ratio":             func(h *models.StyleHint) { h.Candidates[1].HelpfulRatio = nil },
		"no posterior":         func(h *models.StyleHint) { h.Candidates[1].Posterior = nil },
		"no segments":          func(h *models.StyleHint) { h.BySegment = nil },
		"a segment less":       func(h *models.StyleHint) { delete(h.BySegment, "junior") },
		"a segment renamed": func(h *models.StyleHint) {
			h.BySegment["intern"] = h.BySegment["junior"]
			delete(h.BySegment, "junior")
		},
		"no style stats (null)":     func(h *models.StyleHint) { h.StyleStats = nil },
		"empty style stats":         func(h *models.StyleHint) { h.StyleStats = map[string]models.StyleStats{} },
		"a candidate less":          func(h *models.StyleHint) { h.Candidates = h.Candidates[:1] },
		"strings split differently": func(h *models.StyleHint) { h.Source, h.SegmentKey = h.Source+h.SegmentKey[:1], h.SegmentKey[1:] },
	} {
		other := fullHint()
		change(other)
		digests[name] = hintDigest(other)
		require.NotEqual(t, base, digests[name], name)
	}
	for _, p := range [][2]string{{"no candidates (null)", "empty candidates"}, {"no style stats (null)", "empty style stats"},
		{"no kappas", "zero kappas"}, {"no pick", "an empty pick"}} {
		require.NotEqual(t, digests[p[0]], digests[p[1]], "%s is not %s", p[0], p[1])
	}
}
