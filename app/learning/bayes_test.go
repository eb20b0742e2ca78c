package learning_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/seeds"
)

// bayesData is a small window: two greenhouse forms and a career site, three styles, with
// ratings that differ by segment.
func bayesData() []seeds.Ev {
	gh, gh2, site := "boards.greenhouse.io", "job-boards.greenhouse.io", "careers.acme.com"
	return seeds.Concat(
		rated(gh, "f1", "concise_bullets_v1", learning.SegmentSenior, "helpful", 14),
		rated(gh, "f1", "concise_bullets_v1", learning.SegmentSenior, "unhelpful", 6),
		rated(gh, "f1", "narrative_para_v1", learning.SegmentSenior, "helpful", 3),
		rated(gh, "f1", "narrative_para_v1", learning.SegmentSenior, "unhelpful", 4),
		rated(gh, "f1", "narrative_para_v1", learning.SegmentIntern, "helpful", 9),
		rated(gh, "f1", "concise_bullets_v1", learning.SegmentIntern, "unhelpful", 5),
		rated(gh, "f1", "confident_detailed_v1", "", "", 4),
		rated(gh2, "f2", "concise_bullets_v1", learning.SegmentSenior, "helpful", 6),
		rated(gh2, "f2", "confident_detailed_v1", learning.SegmentJunior, "unhelpful", 3),
		rated(site, "c1", "narrative_para_v1", learning.SegmentDefault, "helpful", 2),
	)
}

func TestBayesHintsOnBothDatabases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := bayesHarness(t, db)
		h.insert(bayesData())
		run := h.run(30)
		require.EqualValues(t, 3, run.ProfilesUpdated)

		hint := h.hint("boards.greenhouse.io", "f1")
		require.Equal(t, models.PolicyBayes, hint.Policy)
		require.NotNil(t, hint.Kappas)
		require.Len(t, hint.BySegment, len(learning.Segments()), "a pick for every segment, seen on the form or not")
		senior := hint.BySegment[learning.SegmentSenior]
		require.Equal(t, "concise_bullets_v1", preferred(senior))
		intern := hint.BySegment[learning.SegmentIntern]
		require.Equal(t, "narrative_para_v1", preferred(intern), "the form's interns are served their own pick")
		for _, c := range []models.Choice{senior, intern, hint.BySegment[learning.SegmentJunior]} {
			require.NotEmpty(t, c.Candidates)
			require.NotNil(t, c.Shares)
			require.NotEmpty(t, c.Confidence)
			total := 0.0
			for i, s := range c.Candidates {
				require.NotNil(t, s.Posterior, s.StyleID)
				require.Equal(t, i == 0, s.IsWinner)
				require.LessOrEqual(t, s.Posterior.Low, s.Posterior.Mean)
				require.GreaterOrEqual(t, s.Posterior.High, s.Posterior.Mean)
				if i > 0 {
					require.LessOrEqual(t, s.Posterior.Mean, c.Candidates[i-1].Posterior.Mean, "best posterior mean first")
				}
				total += s.Posterior.PBest
				sh := s.Posterior.Shares
				require.InDelta(t, 1, sh.Form+sh.Segment+sh.Family+sh.Global, 1e-3)
			}
			require.InDelta(t, 1, total, 1e-3)
		}
		require.Equal(t, models.ConfidencePriorOnly, hint.BySegment[learning.SegmentDefault].Confidence,
			"no rated run of the form or of greenhouse for default jobs")

		site := h.hint("careers.acme.com", "c1")
		require.Equal(t, "narrative_para_v1", preferred(site.BySegment[learning.SegmentDefault]))
	})
}

func TestBayesRunsAreDeterministic(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := bayesHarness(t, db)
		h.insert(bayesData())
		h.run(30)
		first := map[string]models.StyleHint{}
		for _, k := range [][2]string{{"boards.greenhouse.io", "f1"}, {"job-boards.greenhouse.io", "f2"}, {"careers.acme.com", "c1"}} {
			first[k[0]] = *h.hint(k[0], k[1])
		}
		second := h.run(30)
		require.Zero(t, second.HintsChanged, "the same data gives the same hints")
		for _, k := range [][2]string{{"boards.greenhouse.io", "f1"}, {"job-boards.greenhouse.io", "f2"}, {"careers.acme.com", "c1"}} {
			a, b := first[k[0]], *h.hint(k[0], k[1])
			a.ComputedAt, a.RunID, b.RunID = b.ComputedAt, "", ""
			ja, err := json.Marshal(a)
			require.NoError(t, err)
			jb, err := json.Marshal(b)
			require.NoError(t, err)
			require.JSONEq(t, string(ja), string(jb), k[0])
		}
	})
}
