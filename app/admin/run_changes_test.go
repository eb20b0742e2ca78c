package admin_test

import (
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/admin"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
)

// The run page says how many picks the run changed and lists the ones it kept: from, to, why.
func TestRunPageListsChangedPicks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		c, _ := signedIn(t, db, true)
		var run models.AggregatorRun
		require.NoError(t, db.Order("started_at DESC").First(&run).Error)
		require.Positive(t, run.PicksChanged)
		var rows []models.AggregatorRunChange
		require.NoError(t, db.Where("run_id = ?", run.ID).Order("seq").Find(&rows).Error)
		require.Len(t, rows, min(run.PicksChanged, 1000))

		doc := c.page(strings.Replace(admin.PathRun, ":id", run.ID, 1))
		panel := byTestID(doc, "run-changes")
		require.Equal(t, fmtCount(run.PicksChanged)+" picks changed", strings.TrimSpace(panel.Find("h2").Text()))
		got := byTestID(panel, "run-change")
		require.Equal(t, len(rows), got.Length())
		got.Each(func(i int, s *goquery.Selection) {
			r := rows[i]
			require.Equal(t, r.SegmentKey, text(s, "change-segment"))
			require.Equal(t, *r.ToStyle, text(s, "change-to"))
			require.Equal(t, r.Reason, text(s, "change-reason"))
			require.NotEmpty(t, s.Find("a").AttrOr("href", ""), "a link to the profile")
		})
	})
}
