package admin

import (
	"net/http"
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
	days := defaultWindow
	if v := c.Query("days"); v != "" { // the window switch offers report.WindowDays
		d, err := strconv.Atoi(v)
		if err != nil || !report.ValidWindow(d) {
			web.Fail(c, web.Errorf(http.StatusBadRequest, "days must be one of the overview's windows, %v (got %.20q)",
				report.WindowDays, v))
			return
		}
		days = d
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
