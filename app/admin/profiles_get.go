package admin

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/pages"
)

// profilesGet lists form profiles with filters (family, source, segment, discipline, host
// text), a sort order and pages.
func (h *Handlers) profilesGet(c *gin.Context) {
	f := report.ProfileFilter{
		Family:     oneOf(c.Query("family"), familyChoices()),
		Source:     oneOf(c.Query("source"), learning.Sources()),
		Segment:    oneOf(c.Query("segment"), learning.Segments()),
		Discipline: oneOf(c.Query("discipline"), learning.Disciplines()),
		Host:       strings.TrimSpace(c.Query("host")),
		Sort:       oneOf(c.Query("sort"), report.ProfileSorts()),
		Page:       pageParam(c),
	}
	if len(f.Host) > 255 {
		web.Fail(c, web.Errorf(http.StatusBadRequest, "the host filter is too long"))
		return
	}
	rows, total, err := report.ListProfiles(c.Request.Context(), h.db, f)
	if errors.Is(err, report.ErrBadFilter) {
		web.Fail(c, web.Errorf(http.StatusBadRequest, "unknown filter value"))
		return
	}
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	vm := profilesVM(f, rows, total, h.now())
	vm.Shell = shell(c, "Profiles", "profiles")
	render(c, pages.ProfilesPage(vm))
}
