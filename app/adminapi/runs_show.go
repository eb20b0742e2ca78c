package adminapi

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/web"
)

// runsShow returns a run's status and progress.
func (h *Handlers) runsShow(c *gin.Context) {
	run, err := h.Runner.Get(c.Request.Context(), c.Param("id"))
	if errors.Is(err, learning.ErrRunNotFound) {
		web.Fail(c, web.Errorf(http.StatusNotFound, "no aggregator run with this id"))
		return
	}
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	c.JSON(http.StatusOK, viewOf(run))
}
