package admin

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/pages"
)

// runRefreshSeconds is how often a running run's page reloads itself.
const runRefreshSeconds = 2

// runGet shows one run; while it runs the page reloads itself (no JavaScript needed).
func (h *Handlers) runGet(c *gin.Context) {
	run, err := h.getRun(c, c.Param("id"))
	if err != nil {
		web.Fail(c, err)
		return
	}
	h.warmAfter(run)
	var changes []report.RunChange
	if run.Status == learning.StatusOK && !run.DryRun {
		changes, err = report.RunChanges(c.Request.Context(), h.db, run.ID)
		if err != nil {
			web.Fail(c, web.Internal(err))
			return
		}
	}
	vm := runPageVM(run, changes, c.Query("already") != "", h.now())
	vm.Shell = shell(c, "Run", "runs")
	if vm.Run.Running {
		vm.Shell.Refresh = runRefreshSeconds
	}
	render(c, pages.RunPage(vm))
}

// runPanelGet is the run panel of one run, which htmx polls while the run runs.
func (h *Handlers) runPanelGet(c *gin.Context) {
	run, err := h.getRun(c, c.Param("id"))
	if err != nil {
		web.Fail(c, err)
		return
	}
	h.warmAfter(run)
	render(c, pages.RunPanel(h.runPanel(c, run, "")))
}

// warmAfter asks the refresher to warm the overview's profile mix when a run has just ended,
// so that the overview the operator opens next does not wait for it.
func (h *Handlers) warmAfter(run *models.AggregatorRun) {
	if h.refresher == nil || run.Status == learning.StatusRunning || run.FinishedAt == nil || h.now().Sub(*run.FinishedAt) > time.Minute {
		return
	}
	h.refresher.WarmSoon()
}

// getRun reads a run through the runner (fresh progress, no database while it runs) or, when
// there is none, from the table.
func (h *Handlers) getRun(c *gin.Context, id string) (*models.AggregatorRun, error) {
	var (
		run *models.AggregatorRun
		err error
	)
	if h.runner != nil {
		run, err = h.runner.Get(c.Request.Context(), id)
		if errors.Is(err, learning.ErrRunNotFound) {
			return nil, web.Errorf(http.StatusNotFound, "no such aggregator run")
		}
	} else {
		run, err = report.GetRun(c.Request.Context(), h.db, id)
		if errors.Is(err, report.ErrNotFound) {
			return nil, web.Errorf(http.StatusNotFound, "no such aggregator run")
		}
	}
	if err != nil {
		return nil, web.Internal(err)
	}
	return run, nil
}
