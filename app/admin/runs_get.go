package admin

import (
	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/pages"
)

// runsGet shows the history of aggregator runs, a page at a time, and the Run button.
func (h *Handlers) runsGet(c *gin.Context) {
	page := pageParam(c)
	runs, total, err := report.ListRuns(c.Request.Context(), h.db, page)
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	latest, err := report.LastRun(c.Request.Context(), h.db)
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	for i := range runs {
		runs[i] = *h.freshRun(c, &runs[i])
	}
	vm := runsVM(runs, total, page, h.now())
	vm.Shell = shell(c, "Runs", "runs")
	vm.Panel = h.runPanel(c, h.freshRun(c, latest), "")
	render(c, pages.RunsPage(vm))
}
