package admin

import (
	"fmt"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/pages"
)

// runsGet shows the history of aggregator runs, a page at a time, and the Run button.
func (h *Handlers) runsGet(c *gin.Context) {
	page := pageParam(c)
	runs, total, err := report.ListRuns(c.Request.Context(), h.db, page)
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	latest, err := report.LastRun(c.Request.Context(), h.db)
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	vm := pages.RunsPageVM{Shell: shell(c, "Runs", "runs")}
	vm.Panel = h.runPanel(c, h.freshRun(c, latest), "")
	if total == 0 {
		vm.Empty = &components.Empty{TestID: "runs-empty", Title: "No runs yet",
			Body:     "The aggregator turns events into form profiles and style hints. Press Run aggregator, or run it from the command line.",
			Commands: []string{"go run . aggregate"}}
	}
	for _, r := range runs {
		vm.Rows = append(vm.Rows, runVM(*h.freshRun(c, &r), h.now()))
	}
	vm.Pager = pager(PathRuns, url.Values{}, page, total, report.RunsPageSize, "runs")
	vm.Pager.PrevLabel, vm.Pager.NextLabel = "← Newer", "Older →"
	render(c, pages.RunsPage(vm))
}

// pageParam reads ?page= (from 1).
func pageParam(c *gin.Context) int {
	p, err := strconv.Atoi(c.Query("page"))
	if err != nil || p < 1 || p > 100000 {
		return 1
	}
	return p
}

// pager links the neighbouring pages of a numbered list.
func pager(path string, q url.Values, page int, total int64, size int, noun string) components.Pager {
	pages := report.Pages(total, size)
	p := components.Pager{Summary: fmt.Sprintf("Page %d of %d · %s %s", page, pages, fmtInt(total), noun)}
	link := func(n int) string {
		qq := url.Values{}
		for k, v := range q {
			qq[k] = v
		}
		qq.Set("page", strconv.Itoa(n))
		if n == 1 {
			qq.Del("page")
		}
		return withQuery(path, qq)
	}
	if page > 1 {
		p.PrevURL = link(min(page-1, pages))
	}
	if page < pages {
		p.NextURL = link(page + 1)
	}
	return p
}
