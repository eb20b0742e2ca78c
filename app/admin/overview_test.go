package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/admin"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/seeds"
)

// seeded fills db with a deterministic demo spread over 100 days, aggregates it (30-day
// window, as configured) and refreshes the dashboard's rollup.
func seeded(t *testing.T, db *gorm.DB, runner *learning.Runner) {
	t.Helper()
	ctx := context.Background()
	_, err := seeds.Seed(ctx, db, seeds.Options{Events: 3000, Days: 100, Users: 9, Seed: 11})
	require.NoError(t, err)
	_, err = runner.Run(ctx, learning.RunParams{Days: 30, Trigger: learning.TriggerCLI})
	require.NoError(t, err)
	_, err = report.Refresh(ctx, db)
	require.NoError(t, err)
}

// number reads a formatted count ("1,234") as an int.
func number(t testing.TB, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(s), ",", ""), 10, 64)
	require.NoError(t, err, "not a number: %q", s)
	return n
}

func pct(n, total int64) string {
	if total == 0 {
		return "0.0%"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(total))
}

// row reads the count and share of one chart row (legend or bars) by its key.
func row(t *testing.T, doc *goquery.Document, chart, key string) (int64, string) {
	t.Helper()
	r := doc.Find(`[data-testid="` + chart + `"] tr[data-testid="` + chart + `-row-` + key + `"]`)
	require.Equal(t, 1, r.Length(), "%s row %s", chart, key)
	return number(t, text(r, "count")), text(r, "pct")
}

// TestOverviewMatchesDatabase checks every number of the overview against the database,
// counted here independently: events by segment and policy with plain queries on the events
// table, profiles by source by decoding each profile's hint in Go.
func TestOverviewMatchesDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		c, _ := signedIn(t, db, true)

		// Profiles by the source of their overall hint.
		var profiles []models.FormProfile
		require.NoError(t, db.Find(&profiles).Error)
		require.NotEmpty(t, profiles)
		sources := map[string]int64{}
		for _, p := range profiles {
			src := "none"
			if h := p.StyleHint.V; h != nil && h.Source != "" {
				src = h.Source
			}
			sources[src]++
		}
		require.Greater(t, sources["form"], int64(0), "the demo has form-level hints")
		total := int64(len(profiles))

		for _, days := range []int{7, 30, 90} {
			doc := c.page(fmt.Sprintf("%s?days=%d", admin.PathOverview, days))
			since := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -(days - 1))
			win := db.Model(&models.AutofillEvent{}).Where("created_at >= ?", since)

			var events, ok, rated, users, forms int64
			require.NoError(t, win.Session(&gorm.Session{}).Count(&events).Error)
			require.NoError(t, win.Session(&gorm.Session{}).Where("status = 'ok'").Count(&ok).Error)
			require.NoError(t, win.Session(&gorm.Session{}).Where("feedback_status IS NOT NULL").Count(&rated).Error)
			require.NoError(t, win.Session(&gorm.Session{}).Distinct("user_id").Count(&users).Error)
			require.NoError(t, db.Raw(`SELECT COUNT(*) FROM (SELECT DISTINCT host, schema_hash FROM autofill_events WHERE created_at >= ?) f`, since).
				Scan(&forms).Error)
			require.Greater(t, events, int64(0), "%d days", days)

			cards := byTestID(doc, "cards")
			require.Equal(t, events, number(t, text(byTestID(cards, "card-events"), "value")), "events, %d days", days)
			require.Equal(t, forms, number(t, text(byTestID(cards, "card-forms"), "value")), "forms, %d days", days)
			require.Equal(t, users, number(t, text(byTestID(cards, "card-users"), "value")), "users, %d days", days)
			require.Equal(t, pct(rated, events), text(byTestID(cards, "card-coverage"), "value"), "coverage, %d days", days)
			require.Contains(t, text(byTestID(cards, "card-events"), "sub"), pct(ok, events))
			require.Equal(t, "finished", text(byTestID(cards, "card-last-run"), "value"))

			// Segment distribution: every segment, its bar and its row.
			var segRows []struct {
				SegmentKey *string
				N          int64
			}
			require.NoError(t, win.Session(&gorm.Session{}).Select("segment_key, COUNT(*) AS n").Group("segment_key").Scan(&segRows).Error)
			segs := map[string]int64{}
			for _, r := range segRows {
				k := "none"
				if r.SegmentKey != nil && *r.SegmentKey != "" {
					k = *r.SegmentKey
				}
				segs[k] += r.N
			}
			for _, s := range []string{"intern", "junior", "senior", "default", "none"} {
				n, share := row(t, doc, "segment-mix", "seg-"+s)
				require.Equal(t, segs[s], n, "segment %s, %d days", s, days)
				require.Equal(t, pct(segs[s], events), share, "segment %s share", s)
				bar := byTestID(doc, "segment-mix-bar-seg-"+s)
				require.Equal(t, segs[s], number(t, bar.AttrOr("data-count", "")), "bar %s", s)
				require.Equal(t, share, bar.AttrOr("data-pct", ""))
			}

			// Seniority × discipline: every cell's number, each row's total, the darkest
			// shade on the largest cell and none on an empty one.
			var heatRows []struct {
				SegmentKey, Discipline *string
				N                      int64
			}
			require.NoError(t, win.Session(&gorm.Session{}).Select("segment_key, discipline, COUNT(*) AS n").
				Group("segment_key, discipline").Scan(&heatRows).Error)
			heat := map[[2]string]int64{}
			var largest int64
			for _, r := range heatRows {
				k := [2]string{"none", "none"}
				if r.SegmentKey != nil && *r.SegmentKey != "" {
					k[0] = *r.SegmentKey
				}
				if r.Discipline != nil && *r.Discipline != "" {
					k[1] = *r.Discipline
				}
				heat[k] += r.N
				largest = max(largest, heat[k])
			}
			require.Greater(t, len(heat), 10, "the demo's jobs have many seniority × discipline pairs")
			var cells int64
			for _, seg := range []string{"intern", "junior", "senior", "default", "none"} {
				var rowTotal int64
				for _, d := range append(learning.Disciplines(), "none") {
					cell := byTestID(byTestID(doc, "heat"), "heat-"+seg+"-"+d)
					require.Equal(t, 1, cell.Length(), "cell %s × %s", seg, d)
					n := heat[[2]string{seg, d}]
					require.Equal(t, n, number(t, cell.Text()), "cell %s × %s, %d days", seg, d, days)
					switch n {
					case 0:
						require.True(t, cell.HasClass("heat-0"), "an empty cell is not shaded")
					case largest:
						require.True(t, cell.HasClass("heat-5"), "the largest cell is the darkest")
					}
					require.Contains(t, cell.Find("a").AttrOr("href", ""), "segment="+seg)
					rowTotal += n
					cells++
				}
				require.Equal(t, segs[seg], rowTotal, "the row of %s adds up to its segment", seg)
				require.Equal(t, rowTotal, number(t, byTestID(doc, "heat-total-"+seg).Text()))
			}
			require.EqualValues(t, 5*12, cells)

			// Source mix: every source, its slice and its legend row.
			require.Equal(t, total, number(t, byTestID(doc, "source-mix-svg").Find(".donut-total").Text()))
			for _, s := range []string{"form", "segment", "family", "none"} {
				n, share := row(t, doc, "source-mix", s)
				require.Equal(t, sources[s], n, "source %s", s)
				require.Equal(t, pct(sources[s], total), share, "source %s share", s)
				slice := byTestID(doc, "source-mix-slice-"+s)
				if sources[s] == 0 {
					require.Zero(t, slice.Length(), "no slice for an empty source")
					continue
				}
				require.Equal(t, sources[s], number(t, slice.AttrOr("data-count", "")), "slice %s", s)
			}

			// Policy mix and the explore rate.
			pols := map[string]int64{}
			for _, p := range []string{"exploit", "explore", "fallback"} {
				var n int64
				require.NoError(t, win.Session(&gorm.Session{}).Where("policy = ?", p).Count(&n).Error)
				pols[p] = n
				got, share := row(t, doc, "policy-mix", p)
				require.Equal(t, n, got, "policy %s", p)
				require.Equal(t, pct(n, events), share)
			}
			require.Equal(t, pct(pols["explore"], pols["exploit"]+pols["explore"]), text(doc.Selection, "explore-rate"))

			// Hints per segment: a column per source, and each row adds up to its profiles.
			table := byTestID(doc, "segment-hints")
			require.Equal(t, len(learning.Sources())+2, table.Find("thead th").Length(), "segment, every source, profiles")
			require.Contains(t, table.Find("thead").Text(), "Global")
			require.Positive(t, table.Find("tbody tr").Length())
			table.Find("tbody tr").Each(func(_ int, tr *goquery.Selection) {
				cells := tr.Find("td")
				var sum int64
				for i := range cells.Length() - 1 {
					sum += number(t, cells.Eq(i).Text())
				}
				require.Equal(t, number(t, cells.Last().Text()), sum, "segment %s", tr.Find("th").Text())
			})
		}
	})
}

// TestOverviewIsAsOfTheRollup shows what is live and what is as of the last refresh: a new
// event changes the event cards only after a refresh, a new profile at once.
func TestOverviewIsAsOfTheRollup(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		c, _ := signedIn(t, db, false)

		doc := c.page(admin.PathOverview)
		require.Equal(t, "not built", text(byTestID(doc, "card-as-of"), "value"))
		require.Contains(t, text(doc.Selection, "as-of"), "never")

		// Three events through the ingest's own path, which also touches the form's profile.
		require.NoError(t, seeds.EnsureUser(ctx, db, "u-test"))
		var evs []models.AutofillEvent
		for _, ev := range (seeds.Ev{Host: "boards.greenhouse.io", SchemaHash: "a", Segment: "senior"}).Times(3) {
			m := ev.Model(time.Now())
			m.CreatedAt = time.Time{}
			evs = append(evs, m)
		}
		_, err := learning.SaveEvents(ctx, db, "u-test", evs, nil)
		require.NoError(t, err)
		doc = c.page(admin.PathOverview)
		require.Equal(t, int64(0), number(t, text(byTestID(doc, "card-events"), "value")), "not refreshed yet")

		r := c.post(admin.PathStatsRefresh+"?days=7", nil)
		require.Equal(t, http.StatusSeeOther, r.StatusCode)
		require.Equal(t, admin.PathOverview+"?days=7", r.Header.Get("Location"))
		doc = c.page(admin.PathOverview + "?days=7")
		require.Equal(t, int64(3), number(t, text(byTestID(doc, "card-events"), "value")))
		require.NotEqual(t, "not built", text(byTestID(doc, "card-as-of"), "value"))
		n, _ := row(t, doc, "segment-mix", "seg-senior")
		require.Equal(t, int64(3), n)
		// The ingest touched the form's profile: live, with no hint yet.
		n, share := row(t, doc, "source-mix", "none")
		require.Equal(t, int64(1), n)
		require.Equal(t, "100.0%", share)
	})
}

// TestOverviewWindowParam: the overview's windows are 7, 30 and 90 days; no ?days= is 30, and
// any other value is a 400 that says which windows there are (it quietly showed 30 days).
func TestOverviewWindowParam(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		c, _ := signedIn(t, db, false)
		require.Equal(t, http.StatusOK, c.get(admin.PathOverview).StatusCode)
		require.Equal(t, http.StatusOK, c.get(admin.PathOverview+"?days=90").StatusCode)
		for _, days := range []string{"45", "abc", "-7", "0"} {
			r := c.get(admin.PathOverview + "?days=" + days)
			require.Equal(t, http.StatusBadRequest, r.StatusCode, days)
			require.Contains(t, r.Body, "days must be one of the overview&#39;s windows, [7 30 90]", days)
		}
	})
}

func TestEmptyStates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		c, _ := signedIn(t, db, false)
		doc := c.page(admin.PathOverview)
		empty := byTestID(doc, "overview-empty")
		require.Equal(t, 1, empty.Length())
		require.Contains(t, empty.Text(), "go run . seed")
		require.Equal(t, admin.PathTokens, empty.Find("a").AttrOr("href", ""))
		require.Equal(t, 1, byTestID(doc, "source-mix-empty").Length())
		require.Equal(t, 1, byTestID(doc, "segment-mix-empty").Length())
		require.Equal(t, 1, byTestID(doc, "run-none").Length())

		for path, id := range map[string]string{
			admin.PathProfiles: "profiles-empty", admin.PathEvents: "events-empty",
			admin.PathRuns: "runs-empty", admin.PathTokens: "tokens-empty",
		} {
			doc := c.page(path)
			require.Equal(t, 1, byTestID(doc, id).Length(), path)
		}
		require.Contains(t, byTestID(c.page(admin.PathProfiles), "profiles-empty").Text(), "go run . seed")
		require.Contains(t, byTestID(c.page(admin.PathProfiles+"?source=form"), "profiles-empty").Text(), "Clear filters")
	})
}
