package admin

import (
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/views/pages"
)

var replayLabel = map[string]string{
	learning.ReplayLogging:   "What the clients did (logging policy)",
	learning.ReplayThreshold: "Threshold rules' pick",
	learning.ReplayBayes:     "Bayes pick (best posterior mean)",
	learning.ReplayThompson:  "Thompson sampling (with the exploration floor)",
}

// evaluateVM words the off-policy replay of a window of days; the window links offer the
// aggregator's default window and 7, 30 and 90 days.
func evaluateVM(ev *learning.Evaluation, days, defaultDays int) pages.EvaluatePageVM {
	vm := pages.EvaluatePageVM{Warnings: ev.Warnings,
		Summary: fmt.Sprintf("%s · %s rated runs · %s without a logged propensity", fmtWindow(days), fmtInt(ev.Rated), fmtInt(ev.Missing)),
		Note: fmt.Sprintf("IPS weighs each rated run by the target policy's probability of its style over the logged propensity; "+
			"SNIPS divides by the sum of the weights instead of the runs; ESS is (Σw)² ÷ Σw², flagged under %d. "+
			"Also from the command line: go run . evaluate --days N.", learning.MinTrustedESS)}
	windows := []int{defaultDays}
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
	return vm
}
