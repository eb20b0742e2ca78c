package admin

import (
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
)

// statsRefreshPost brings the overview's event rollup up to date now.
func (h *Handlers) statsRefreshPost(c *gin.Context) {
	if _, err := report.Refresh(c.Request.Context(), h.db); err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	to := PathOverview
	if d, err := strconv.Atoi(c.Query("days")); err == nil && report.ValidWindow(d) {
		to += "?days=" + strconv.Itoa(d)
	}
	web.Redirect(c, to)
}
