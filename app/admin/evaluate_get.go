package admin

import (
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/pages"
)

var replayLabel = map[string]string{
	learning.ReplayLogging:   "What the clients did (logging policy)",
	learning.ReplayThreshold: "Threshold rules' pick",
	learning.ReplayBayes:     "Bayes pick (best posterior mean)",
	learning.ReplayThompson:  "Thompson sampling (with the exploration floor)",
}

// evaluateGet replays the logged window off-policy (?days=, the aggregator's window by
// default). It reads the window as an aggregator run does, so it takes about as long.
func (h *Handlers) evaluateGet(c *gin.Context) {
	days := h.cfg.AggregatorDays
	if v := c.Query("days"); v != "" {
		d, err := h.runDays(v)
		if err != nil {
			web.Fail(c, web.Errorf(http.StatusBadRequest, "%s", err.Error()))
			return
		}
		days = d
	}
	ev, err := learning.Evaluate(c.Request.Context(), h.db, learning.EvalParams{Days: days, Floor: h.cfg.ExploreFloor, Now: h.now(),
		Thresholds: models.Thresholds{Form: h.cfg.MinFormRuns, Segment: h.cfg.MinSegmentRuns, Family: h.cfg.MinFamilyRuns}})
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	vm := pages.EvaluatePageVM{Shell: shell(c, "Replay", "evaluate"), Warnings: ev.Warnings,
		Summary: fmt.Sprintf("%s · %s rated runs · %s without a logged propensity", fmtWindow(days), fmtInt(ev.Rated), fmtInt(ev.Missing)),
		Note: fmt.Sprintf("IPS weighs each rated run by the target policy's probability of its style over the logged propensity; "+
			"SNIPS divides by the sum of the weights instead of the runs; ESS is (Σw)² ÷ Σw², flagged under %d. "+
			"Also from the command line: go run . evaluate --days N.", learning.MinTrustedESS)}
	windows := []int{h.cfg.AggregatorDays}
	for _, d := range []int{7, 30, 90} {
		if !slices.Contains(windows, d) {
			windows = append(windows, d)
		}
	}
	slices.Sort(windows)
	for _, d := range windows {
		vm.Windows = append(vm.Windows, pages.Link{Label: fmtWindow(d), Href: PathEvaluate + "?days=" + strconv.Itoa(d), Active: d == days})
	}
	for _, e := range ev.Estimates {
		snips := dash
		if !math.IsNaN(e.SNIPS) {
			snips = fmt.Sprintf("%.3f", e.SNIPS)
		}
		vm.Rows = append(vm.Rows, pages.EstimateRowVM{Key: e.Policy, Policy: replayLabel[e.Policy], Runs: fmtInt(e.Runs),
			IPS: fmt.Sprintf("%.3f", e.IPS), StdErr: fmt.Sprintf("%.3f", e.IPSStdErr), SNIPS: snips,
			ESS: strconv.FormatFloat(math.Round(e.ESS), 'f', 0, 64), Low: e.ESS < learning.MinTrustedESS})
	}
	render(c, pages.EvaluatePage(vm))
}
