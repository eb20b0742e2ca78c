package admin

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/pages"
)

// runsCreatePost starts an aggregator run (one at a time, as through the API). Without
// JavaScript it goes to the run's page, which reloads until the run ends; with htmx it
// answers with the run panel, which polls.
func (h *Handlers) runsCreatePost(c *gin.Context) {
	if h.runner == nil {
		web.Fail(c, web.Errorf(http.StatusServiceUnavailable, "this server has no aggregator runner"))
		return
	}
	days, err := h.runDays(c.PostForm("days"))
	if err != nil {
		web.Fail(c, web.Errorf(http.StatusUnprocessableEntity, "%s", err.Error()))
		return
	}
	id, err := h.runner.Start(c.Request.Context(), learning.RunParams{Days: days, Trigger: learning.TriggerAdmin})
	notice := ""
	var busy *learning.AlreadyRunningError
	switch {
	case errors.As(err, &busy):
		id, notice = busy.RunID, "A run is already in progress: follow it below."
	case err != nil:
		web.Fail(c, web.Internal(err))
		return
	default:
		h.log.InfoContext(c.Request.Context(), "aggregator run started from the dashboard", "run_id", id, "days", days,
			"user_id", web.CurrentUser(c).ID)
	}
	if c.GetHeader("HX-Request") == "true" {
		run, _ := h.runner.Get(c.Request.Context(), id)
		render(c, pages.RunPanel(h.runPanel(c, run, notice)))
		return
	}
	if id == "" {
		web.Redirect(c, PathRuns)
		return
	}
	to := pathFor(PathRun, id)
	if notice != "" {
		to += "?already=1"
	}
	web.Redirect(c, to)
}
