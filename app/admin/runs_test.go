package admin_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/admin"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/app/web"
)

// TestRunAggregatorWithoutJavaScript presses the button as a plain form: the reply sends the
// browser to the run's page, which reloads itself until the run ends, then shows its result.
func TestRunAggregatorWithoutJavaScript(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		c, runner := signedIn(t, db, true)

		doc := c.page(admin.PathOverview)
		form := byTestID(doc, "run-aggregator").Closest("form")
		require.Equal(t, admin.PathRuns, form.AttrOr("action", ""))
		require.Equal(t, "post", form.AttrOr("method", ""))
		r := c.post(admin.PathRuns, url.Values{"days": {"90"}})
		require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
		runURL := r.Header.Get("Location")
		require.True(t, strings.HasPrefix(runURL, "/admin/runs/"), runURL)

		var doc2 = c.page(runURL)
		if byTestID(doc2, "run-status").AttrOr("data-status", "") == learning.StatusRunning {
			require.Equal(t, "2", doc2.Find(`meta[http-equiv="refresh"]`).AttrOr("content", ""), "reloads while running")
		}
		runner.Wait()
		doc2 = c.page(runURL)
		require.Zero(t, doc2.Find(`meta[http-equiv="refresh"]`).Length(), "done: no more reloads")
		require.Equal(t, "finished", text(doc2.Selection, "run-detail-status"))

		id := strings.TrimPrefix(runURL, "/admin/runs/")
		var run models.AggregatorRun
		require.NoError(t, db.Where("id = ?", id).Take(&run).Error)
		require.Equal(t, learning.TriggerAdmin, run.Trigger)
		require.Equal(t, 90, run.Days)
		require.Equal(t, run.ProfilesUpdated, int(number(t, text(doc2.Selection, "run-profiles-updated"))))
		require.Equal(t, run.HintsChanged, int(number(t, text(doc2.Selection, "run-hints-changed"))))
		for src, n := range run.SourceMix.V {
			bar := byTestID(doc2, "run-source-mix-bar-"+src)
			require.Equal(t, int64(n), number(t, bar.AttrOr("data-count", "")), src)
		}

		// The history lists it first, and the overview's last-run card links to it.
		doc = c.page(admin.PathRuns)
		require.Equal(t, runURL, byTestID(doc, "run-row").First().Find("a").AttrOr("href", ""))
		var runs int64
		require.NoError(t, db.Model(&models.AggregatorRun{}).Count(&runs).Error)
		nouns := "runs"
		if runs == 1 {
			nouns = "run"
		}
		require.Equal(t, fmt.Sprintf("Page 1 of 1 · %d %s", runs, nouns), text(doc.Selection, "pager-summary"))
		// A page past the end (an old link) says so, and links back to the last one.
		doc = c.page(admin.PathRuns + "?page=5")
		require.Equal(t, fmt.Sprintf("Page 5 is past the last (1) · %d %s", runs, nouns), text(doc.Selection, "pager-summary"))
		require.Equal(t, admin.PathRuns, byTestID(doc, "pager-prev").AttrOr("href", ""))
		doc = c.page(admin.PathOverview)
		require.Equal(t, runURL, byTestID(doc, "card-last-run").Find("a").AttrOr("href", ""))
	})
}

// TestRunAggregatorWithHtmx presses the button through htmx: the reply is the run panel,
// which polls its own URL until the run ends and then shows the result.
func TestRunAggregatorWithHtmx(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		c, runner := signedIn(t, db, true)
		c.page(admin.PathOverview)

		c.headers["HX-Request"] = "true"
		r := c.post(admin.PathRuns, url.Values{"days": {"30"}})
		require.Equal(t, http.StatusOK, r.StatusCode, r.Body)
		panel := byTestID(r.Doc, "run-panel")
		require.Equal(t, 1, panel.Length())
		require.Zero(t, r.Doc.Find("aside").Length(), "a fragment, not a page")
		status := byTestID(panel, "run-status")
		if status.AttrOr("data-status", "") == learning.StatusRunning {
			poll := status.AttrOr("hx-get", "")
			require.True(t, strings.HasSuffix(poll, "/panel"), poll)
			require.Equal(t, "every 1s", status.AttrOr("hx-trigger", ""))
			require.Zero(t, byTestID(panel, "run-aggregator").Length(), "no second button while running")
		}
		runner.Wait()
		link := byTestID(panel, "run-link").AttrOr("href", "")
		r = c.get(link + "/panel")
		require.Equal(t, http.StatusOK, r.StatusCode)
		status = byTestID(r.Doc, "run-status")
		require.Equal(t, learning.StatusOK, status.AttrOr("data-status", ""))
		require.Empty(t, status.AttrOr("hx-get", ""), "done: polling stops")
		require.NotEmpty(t, text(r.Doc.Selection, "run-profiles-updated"))
		require.Equal(t, len(learning.Sources()), byTestID(r.Doc, "run-source-mix").Find(`rect[data-count]`).Length())
		require.Equal(t, 1, byTestID(r.Doc, "run-aggregator").Length(), "the button is back")
	})
}

// fakeRunner is a runner whose run is always in progress.
type fakeRunner struct{ run *models.AggregatorRun }

func (f fakeRunner) Start(context.Context, learning.RunParams) (string, error) {
	return "", &learning.AlreadyRunningError{RunID: f.run.ID}
}

func (f fakeRunner) Get(context.Context, string) (*models.AggregatorRun, error) { return f.run, nil }

func TestRunAggregatorWhileOneRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		cfg := testConfig(t, nil)
		now := time.Now().UTC()
		run := &models.AggregatorRun{ID: uuid.NewString(), Trigger: learning.TriggerSchedule, Days: 30, Status: learning.StatusRunning,
			FormsTotal: 40, FormsDone: 10, SourceMix: models.NewJSON(map[string]int{}), StartedAt: now, HeartbeatAt: now}
		require.NoError(t, db.Create(run).Error)
		eng, err := web.NewEngine(cfg, storetest.Logger(t))
		require.NoError(t, err)
		mount(t, eng, admin.Deps{DB: db, Config: cfg, Log: storetest.Logger(t), Runner: fakeRunner{run}})
		newEngine(t, db, cfg) // the admin user
		c := newClient(t, eng)
		c.login()

		doc := c.page(admin.PathOverview)
		require.Equal(t, learning.StatusRunning, byTestID(doc, "run-status").AttrOr("data-status", ""))
		require.Equal(t, "Forms 10 / 40", strings.Join(strings.Fields(byTestID(doc, "run-progress").Find("span").Text()), " "))
		require.Zero(t, byTestID(doc, "run-aggregator").Length())

		r := c.post(admin.PathRuns, nil)
		require.Equal(t, http.StatusSeeOther, r.StatusCode)
		require.Equal(t, "/admin/runs/"+run.ID+"?already=1", r.Header.Get("Location"))
		doc = c.page(r.Header.Get("Location"))
		require.Contains(t, text(doc.Selection, "run-notice"), "already in progress")
		require.Equal(t, "2", doc.Find(`meta[http-equiv="refresh"]`).AttrOr("content", ""))

		c.headers["HX-Request"] = "true"
		r = c.post(admin.PathRuns, nil)
		require.Equal(t, http.StatusOK, r.StatusCode)
		require.Contains(t, text(r.Doc.Selection, "run-notice"), "already in progress")
		require.Equal(t, "/admin/runs/"+run.ID+"/panel", byTestID(r.Doc, "run-status").AttrOr("hx-get", ""))
	})
}

func TestRunButtonOffWithoutRunner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		cfg := testConfig(t, nil)
		eng, err := web.NewEngine(cfg, storetest.Logger(t))
		require.NoError(t, err)
		mount(t, eng, admin.Deps{DB: db, Config: cfg, Log: storetest.Logger(t)})
		newEngine(t, db, cfg)
		c := newClient(t, eng)
		c.login()
		doc := c.page(admin.PathOverview)
		require.Equal(t, 1, byTestID(doc, "run-disabled").Length())
		require.Equal(t, http.StatusServiceUnavailable, c.post(admin.PathRuns, nil).StatusCode)
	})
}
