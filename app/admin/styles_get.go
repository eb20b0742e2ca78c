package admin

import (
	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/pages"
)

// stylesGet lists the generation styles with their use in the last 30 days.
func (h *Handlers) stylesGet(c *gin.Context) {
	rows, err := report.ListStyles(c.Request.Context(), h.db, h.now())
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	vm := stylesVM(rows, c.Query("saved"))
	vm.Shell = shell(c, "Styles", "styles")
	render(c, pages.StylesPage(vm))
}
