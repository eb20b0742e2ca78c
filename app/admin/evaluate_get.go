package admin

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/pages"
)

// evaluateGet replays the logged window off-policy (?days=, the aggregator's window by
// default). It reads the window as an aggregator run does, so it takes about as long.
func (h *Handlers) evaluateGet(c *gin.Context) {
	days := h.cfg.AggregatorDays
	if v := c.Query("days"); v != "" {
		d, err := h.runDays(v)
		if err != nil {
			web.Fail(c, web.Errorf(http.StatusBadRequest, "%s", err.Error()))
			return
		}
		days = d
	}
	ev, err := learning.Evaluate(c.Request.Context(), h.db, learning.EvalParams{Days: days, Floor: h.cfg.ExploreFloor, Now: h.now(),
		Thresholds: models.Thresholds{Form: h.cfg.MinFormRuns, Segment: h.cfg.MinSegmentRuns, Family: h.cfg.MinFamilyRuns}})
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	vm := evaluateVM(ev, days, h.cfg.AggregatorDays)
	vm.Shell = shell(c, "Replay", "evaluate")
	render(c, pages.EvaluatePage(vm))
}
