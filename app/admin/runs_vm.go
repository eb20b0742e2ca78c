package admin

import (
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/pages"
	"net/url"
	"time"
)

// runsVM is one page of the run history (the panel above it is runPanel's).
func runsVM(runs []models.AggregatorRun, total int64, page int, now time.Time) pages.RunsPageVM {
	var vm pages.RunsPageVM
	if total == 0 {
		vm.Empty = &components.Empty{TestID: "runs-empty", Title: "No runs yet",
			Body:     "The aggregator turns events into form profiles and style hints. Press Run aggregator, or run it from the command line.",
			Commands: []string{"go run . aggregate"}}
	}
	for _, r := range runs {
		vm.Rows = append(vm.Rows, runVM(r, now))
	}
	vm.Pager = pager(PathRuns, url.Values{}, page, total, report.RunsPageSize, "runs")
	vm.Pager.PrevLabel, vm.Pager.NextLabel = "← Newer", "Older →"
	return vm
}
