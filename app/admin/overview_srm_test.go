package admin_test

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/admin"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/store/storetest"
)

// The overview says which policy made the hints, and checks the explore rate against the
// allocation the events' logged propensities imply (report.SRM), with every figure computed
// here from the events table; clients that explore more than they log are flagged.
func TestOverviewSampleRatioCheck(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		c, _ := signedIn(t, db, true)
		since := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -29)

		var profiles int64
		require.NoError(t, db.Table("form_profiles").Where("style_hint IS NOT NULL").Count(&profiles).Error)
		check := func() (observed, expected, chi2 float64, p float64) {
			var rows []struct {
				Policy     string
				Propensity *float64
			}
			require.NoError(t, db.Raw(`SELECT policy, propensity FROM autofill_events
				WHERE created_at >= ? AND policy IN ('exploit', 'explore')`, since).Scan(&rows).Error)
			var n, explore, inv, v float64
			for _, r := range rows {
				if r.Propensity == nil || *r.Propensity < learning.MinPropensity || *r.Propensity > 1 {
					continue
				}
				n++
				if r.Policy == "explore" {
					explore++
					continue
				}
				q := *r.Propensity
				inv += 1 / q
				v += (1 - q) / (q * q)
			}
			require.Positive(t, n)
			chi2 = (n - inv) * (n - inv) / v
			return explore / n, (inv - (n - explore)) / n, chi2, math.Erfc(math.Sqrt(chi2 / 2))
		}

		// A client that logs propensities too small to weigh anything (1/p² underflowed
		// Postgres's arithmetic, and made the check +Inf on SQLite): those runs are left out.
		require.NoError(t, db.Exec(`UPDATE autofill_events SET propensity = 1e-300
			WHERE policy = 'exploit' AND created_at >= ? AND duration_ms % 7 = 0`, since).Error)
		_, err := report.Rebuild(context.Background(), db)
		require.NoError(t, err)

		doc := c.page(admin.PathOverview + "?days=30")
		require.Contains(t, text(doc.Selection, "hint-policy"),
			fmt.Sprintf("Hints made by the threshold policy (%s profiles).", fmtCount(int(profiles))))
		require.Contains(t, text(doc.Selection, "hint-policy"), "LEARNING_POLICY is threshold")
		obs, exp, chi2, p := check()
		srm := byTestID(doc, "srm")
		require.Equal(t, fmt.Sprintf("%.1f%%", obs*100), text(srm, "srm-observed"))
		require.Equal(t, fmt.Sprintf("%.1f%%", exp*100), text(srm, "srm-expected"))
		require.Equal(t, strconv.FormatFloat(chi2, 'f', 2, 64), text(srm, "srm-chi2"))
		require.Equal(t, p < report.SRMAlpha, byTestID(srm, "badge").Length() == 1, "p = %g", p)
		require.Greater(t, p, report.SRMAlpha, "the demo's clients explore as they log")

		// Clients that turn a fifth of their exploits into explores, logging the exploit's
		// propensity: the rate no longer matches the allocation.
		require.NoError(t, db.Exec(`UPDATE autofill_events SET policy = 'explore'
			WHERE policy = 'exploit' AND created_at >= ? AND duration_ms % 5 = 0`, since).Error)
		_, err = report.Rebuild(context.Background(), db)
		require.NoError(t, err)
		doc = c.page(admin.PathOverview + "?days=30")
		srm = byTestID(doc, "srm")
		obs2, _, chi2, p := check()
		require.Greater(t, obs2, obs)
		require.Less(t, p, report.SRMAlpha)
		require.Equal(t, strconv.FormatFloat(chi2, 'f', 2, 64), text(srm, "srm-chi2"))
		require.Equal(t, "sample-ratio mismatch", text(srm, "badge"))
		require.Contains(t, text(srm, "srm-note"), "do not explain")
	})
}
