package admin_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/admin"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
)

// The profile page of a bayes hint: per segment a leaderboard of every candidate's posterior
// (mean, 90% interval as an SVG bar, P(best), expected loss), the winner's evidence by level
// as one stacked bar, its confidence and runs needed, and learning.Explain's sentence.
func TestProfilePageBayes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e, runner := newEngine(t, db, testConfig(t, map[string]string{"LEARNING_POLICY": "bayes"}))
		seeded(t, db, runner)
		c := newClient(t, e)
		c.login()

		var profiles []models.FormProfile
		require.NoError(t, db.Find(&profiles).Error)
		var p models.FormProfile
		for _, x := range profiles { // a form with rated runs of its own for some segment
			if h := x.StyleHint.V; h != nil && h.Policy == models.PolicyBayes && h.Shares != nil && h.Shares.Form > 0 {
				p = x
				break
			}
		}
		require.NotEmpty(t, p.ID, "a bayes profile with form-level evidence")
		h := p.StyleHint.V
		doc := c.page(strings.Replace(admin.PathProfile, ":id", p.ID, 1))
		require.Contains(t, text(doc.Selection, "hint-meta"), "by the bayes policy (κ: all forms ")

		checked := 0
		for seg, ch := range h.BySegment {
			sec := byTestID(doc, "choice-"+seg)
			require.Equal(t, 1, sec.Length(), "a section for %s", seg)
			require.Equal(t, learning.Explain(ch, h.HostFamily, h.Thresholds), text(sec, "explanation"))
			if ch.PreferredStyleID == nil {
				continue
			}
			checked++
			require.Equal(t, *ch.PreferredStyleID, text(sec, "preferred"))
			require.Equal(t, ch.Confidence, text(byTestID(sec, "confidence-line"), "badge"))
			require.NotEmpty(t, text(sec, "runs-needed"))
			if *ch.RunsNeeded > 0 {
				require.Contains(t, text(sec, "runs-needed"), fmtCount(*ch.RunsNeeded)+" more rated runs")
			}
			// The shares: one stacked bar whose parts are the stored shares.
			for _, part := range []struct {
				key string
				v   float64
			}{{"form", ch.Shares.Form}, {"segment", ch.Shares.Segment}, {"family", ch.Shares.Family}, {"global", ch.Shares.Global}} {
				rect := byTestID(sec, "shares-part-"+part.key)
				if part.v <= 0 {
					require.Equal(t, 0, rect.Length(), "%s share %s", seg, part.key)
					continue
				}
				require.Equal(t, fmt.Sprintf("%.2f", part.v*100), rect.AttrOr("width", ""), "%s share %s", seg, part.key)
				require.Equal(t, fmt.Sprintf("%.1f%%", part.v*100), text(byTestID(sec, "shares-row-"+part.key), "pct"))
			}
			// The leaderboard: every candidate in the stored order, its figures as stored.
			rows := byTestID(sec, "candidate")
			require.Equal(t, len(ch.Candidates), rows.Length())
			rows.Each(func(i int, r *goquery.Selection) {
				want := ch.Candidates[i]
				post := want.Posterior
				require.Equal(t, want.StyleID, r.AttrOr("data-style", ""))
				require.Equal(t, want.IsWinner, r.AttrOr("data-winner", "") == "true")
				require.Equal(t, fmt.Sprintf("%.1f%%", post.Mean*100), text(r, "mean"))
				require.Equal(t, fmt.Sprintf("%.1f%%", post.PBest*100), text(r, "p-best"))
				require.Equal(t, fmt.Sprintf("%.1f pt", post.ExpectedLoss*100), text(r, "expected-loss"))
				require.Equal(t, fmt.Sprintf("%.1f–%.1f%%", post.Low*100, post.High*100), text(r, "ci"))
				svg := byTestID(r, "interval")
				require.Equal(t, fmt.Sprintf("%.1f%%", post.Low*100), svg.AttrOr("data-low", ""))
				require.Equal(t, fmt.Sprintf("%.1f%%", post.High*100), svg.AttrOr("data-high", ""))
				band := svg.Find("rect.interval-band")
				require.Equal(t, fmt.Sprintf("%.2f", post.Low*100), band.AttrOr("x", ""))
				require.Equal(t, fmt.Sprintf("%d of %d", want.HelpfulRuns, want.RatedRuns), text(r, "rated"))
			})
		}
		require.Positive(t, checked)
	})
}

// A threshold hint keeps the original display: candidates with their counts, no leaderboard.
func TestProfilePageThresholdHasNoLeaderboard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		c, _ := signedIn(t, db, true)
		var p models.FormProfile
		require.NoError(t, db.Where("style_hint IS NOT NULL").First(&p).Error)
		require.Equal(t, models.PolicyThreshold, p.StyleHint.V.Policy)
		doc := c.page(strings.Replace(admin.PathProfile, ":id", p.ID, 1))
		require.Equal(t, 0, byTestID(doc, "leaderboard").Length())
		require.Equal(t, 0, byTestID(doc, "shares").Length())
		require.Contains(t, text(doc.Selection, "hint-meta"), "by the threshold policy (thresholds: form 5, segment 5, family 10 runs)")
	})
}
