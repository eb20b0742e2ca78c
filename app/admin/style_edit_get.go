package admin

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
)

// styleEditGet shows a style's form.
func (h *Handlers) styleEditGet(c *gin.Context) {
	s, err := report.GetStyle(c.Request.Context(), h.db, c.Param("id"))
	if err != nil {
		web.Fail(c, notFoundOr(err, "style"))
		return
	}
	h.renderStyleForm(c, http.StatusOK, styleFormOf(*s), nil, false)
}
