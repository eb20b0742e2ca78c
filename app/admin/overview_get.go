package admin

import (
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/pages"
)

// defaultWindow is the overview's window when none is asked for.
const defaultWindow = 30

// overviewGet shows the cards, the source mix, the segment distribution, the policy mix and
// the Run aggregator button, for a window of 7, 30 or 90 days (?days=).
func (h *Handlers) overviewGet(c *gin.Context) {
	days, err := strconv.Atoi(c.Query("days"))
	if err != nil || !report.ValidWindow(days) {
		days = defaultWindow
	}
	o, err := report.LoadOverview(c.Request.Context(), h.db, h.mix, days, h.now())
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	o.LastRun = h.freshRun(c, o.LastRun)
	vm := overviewVM(o, h.now())
	vm.Shell = shell(c, "Overview", "overview")
	vm.CSRF = csrf(c)
	vm.Run = h.runPanel(c, o.LastRun, "")
	vm.HintPolicy += servingNote(h.cfg.LearningPolicy, h.cfg.ExploreFloor)
	render(c, pages.OverviewPage(vm))
}
