package admin_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/admin"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
)

// The replay page shows, per policy, the estimates learning.Evaluate computes on the same
// window; a bad window is a 400 naming it.
func TestEvaluatePage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		c, _ := signedIn(t, db, true)
		doc := c.page(admin.PathEvaluate + "?days=30")
		ev, err := learning.Evaluate(context.Background(), db, learning.EvalParams{Days: 30, Floor: 0.02,
			Thresholds: models.Thresholds{Form: 5, Segment: 5, Family: 10}})
		require.NoError(t, err)
		require.Positive(t, ev.Rated)
		require.Contains(t, doc.Find("body").Text(), "30-day window · "+fmtCount(int(ev.Rated))+" rated runs · 0 without a logged propensity")
		require.Len(t, ev.Estimates, 4)
		for _, e := range ev.Estimates {
			row := byTestID(doc, "estimate-"+e.Policy)
			require.Equal(t, 1, row.Length(), e.Policy)
			require.Equal(t, fmtCount(int(e.Runs)), text(row, "runs"))
			require.Equal(t, fmt.Sprintf("%.3f", e.IPS), text(row, "ips"), e.Policy)
			require.Equal(t, fmt.Sprintf("%.3f", e.SNIPS), text(row, "snips"), e.Policy)
			require.Equal(t, fmt.Sprintf("%.0f", math.Round(e.ESS)), text(row, "ess")[:len(fmt.Sprintf("%.0f", math.Round(e.ESS)))], e.Policy)
			require.Equal(t, e.ESS < learning.MinTrustedESS, byTestID(row, "badge").Length() == 1, e.Policy)
		}
		require.Equal(t, len(ev.Warnings), byTestID(doc, "evaluate-warning").Length())

		r := c.get(admin.PathEvaluate + "?days=5000")
		require.Equal(t, http.StatusBadRequest, r.StatusCode)
		require.Contains(t, r.Body, "days must be a whole number of days from 0 (all time) to 3650")
	})
}
