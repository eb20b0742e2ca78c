package admin

import (
	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/pages"
)

// profileGet shows one form profile: numbers, canonical map, and the hint for the form and
// for each segment with the candidates that competed (winner marked) and why it won.
func (h *Handlers) profileGet(c *gin.Context) {
	d, err := report.GetProfile(c.Request.Context(), h.db, c.Param("id"))
	if err != nil {
		web.Fail(c, notFoundOr(err, "profile"))
		return
	}
	vm := profileVM(d, h.now())
	vm.Shell = shell(c, d.Profile.Host, "profiles")
	render(c, pages.ProfilePage(vm))
}
