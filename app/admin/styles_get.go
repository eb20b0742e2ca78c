package admin

import (
	"fmt"
	"strings"

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
	vm := pages.StylesPageVM{Shell: shell(c, "Styles", "styles"), NewURL: PathStyleNew,
		Window: fmt.Sprintf("%d days", report.StyleUsageDays), PriorWeightNote: priorWeightNote}
	switch c.Query("saved") {
	case "created":
		vm.Flash = "Style created."
	case "updated":
		vm.Flash = "Style saved."
	}
	for _, r := range rows {
		s := r.Style
		vm.Rows = append(vm.Rows, pages.StyleRowVM{ID: s.ID, Name: s.Name, Temperature: fmt.Sprintf("%.2f", s.Temperature),
			Tone: s.Tone, Format: s.Format, Length: s.LengthHint, Keywords: orDash(strings.Join(s.KeywordsJSON.V, ", ")),
			PriorWeight: fmt.Sprintf("%.2f", s.PriorWeight), Runs: fmtInt(r.Usage.Runs), Ratio: fmtRatio(r.Usage.HelpfulRatio()),
			EditURL: pathFor(PathStyle, s.ID)})
	}
	render(c, pages.StylesPage(vm))
}
