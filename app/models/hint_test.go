package models_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/models"
)

// A hint stores its segments' candidates without their zero counts and missing ratios and
// reads them back exactly; the overall choice's candidates, and a StyleStats on its own (as the
// API writes it), keep every field.
func TestHintStoresSegmentCandidatesCompactly(t *testing.T) {
	ratio, edits := 0.75, 12.5
	unrated := models.StyleStats{StyleID: "a", Level: models.SourceForm, SegmentKey: "senior/data",
		Posterior: &models.Posterior{Mean: 0.5, Alpha: 3, Beta: 3, Shares: models.Shares{Segment: 1}}}
	rated := models.StyleStats{StyleID: "b", Level: models.SourceForm, SegmentKey: "senior/data", TotalRuns: 5, HelpfulRuns: 3,
		UnhelpfulRuns: 1, RatedRuns: 4, HelpfulRatio: &ratio, AvgEditChars: &edits, IsWinner: true,
		Posterior: &models.Posterior{Mean: 0.6, Alpha: 6, Beta: 4, PBest: 0.7, Shares: models.Shares{Form: 0.4, Segment: 0.6}}}
	pair := models.Choice{PreferredStyleID: &rated.StyleID, Source: models.SourceForm, SegmentKey: "senior/data",
		Candidates: []models.StyleStats{rated, unrated}}
	h := &models.StyleHint{
		Choice: pair,
		BySegment: models.SegmentChoices{"senior/data": pair, "senior": {Source: models.SourceNone, Candidates: []models.StyleStats{}},
			"junior": {Source: models.SourceNone}},
		Policy: models.PolicyBayes, ComputedAt: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC),
	}
	b, err := json.Marshal(h)
	require.NoError(t, err)
	type choice struct {
		Candidates []map[string]any `json:"candidates"`
	}
	var raw struct {
		choice
		BySegment map[string]json.RawMessage `json:"by_segment"`
	}
	require.NoError(t, json.Unmarshal(b, &raw))
	var seg choice
	require.NoError(t, json.Unmarshal(raw.BySegment["senior/data"], &seg))
	require.Equal(t, true, seg.Candidates[0]["is_winner"])
	require.EqualValues(t, 4, seg.Candidates[0]["rated_runs"])
	for _, k := range []string{"total_runs", "helpful_runs", "unhelpful_runs", "rated_runs", "helpful_ratio", "avg_edit_chars", "is_winner"} {
		require.NotContains(t, seg.Candidates[1], k, "a zero is left out")
		require.Contains(t, raw.Candidates[1], k, "the overall choice keeps every field")
	}
	require.Contains(t, seg.Candidates[1], "posterior")
	require.Contains(t, string(raw.BySegment["senior"]), `"candidates":[]`)
	require.Contains(t, string(raw.BySegment["junior"]), `"candidates":null`)

	one, err := models.EncodeHint(*h)
	require.NoError(t, err)
	require.Equal(t, string(b), string(one), "EncodeHint writes json.Marshal's bytes")
	h.BySegment = nil
	b, err = json.Marshal(h)
	require.NoError(t, err)
	one, err = models.EncodeHint(*h)
	require.NoError(t, err)
	require.Equal(t, string(b), string(one), "and without segments")
	require.NotContains(t, string(one), "by_segment")
	h.BySegment = models.SegmentChoices{"senior/data": pair, "senior": {Source: models.SourceNone, Candidates: []models.StyleStats{}},
		"junior": {Source: models.SourceNone}}
	b, err = json.Marshal(h)
	require.NoError(t, err)

	var back models.StyleHint
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, *h, back, "decoding gives every field back")

	api, err := json.Marshal(unrated)
	require.NoError(t, err)
	for _, k := range []string{`"total_runs":0`, `"helpful_ratio":null`, `"avg_edit_chars":null`, `"is_winner":false`} {
		require.Contains(t, string(api), k, "StyleStats alone is written whole")
	}
}
