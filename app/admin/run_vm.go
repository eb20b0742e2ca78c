package admin

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/pages"
)

// runPanel is the Run aggregator box around the latest run.
func (h *Handlers) runPanel(c *gin.Context, run *models.AggregatorRun, notice string) pages.RunPanelVM {
	vm := pages.RunPanelVM{Enabled: h.runner != nil, StartAction: PathRuns, CSRF: csrf(c), Notice: notice}
	days := []int{h.cfg.AggregatorDays}
	for _, d := range []int{7, 30, 90, 0} {
		if !slices.Contains(days, d) {
			days = append(days, d)
		}
	}
	for i, d := range days {
		label := fmtWindow(d)
		if i == 0 {
			label += " (default)"
		}
		vm.DaysOptions = append(vm.DaysOptions, components.Option{Value: strconv.Itoa(d), Label: label, Selected: i == 0})
	}
	if run != nil {
		r := runVM(*run, h.now())
		vm.Run = &r
	}
	return vm
}

// freshRun returns the run with its latest progress: from the runner while it runs (on
// SQLite the table cannot show progress until the run's transaction ends).
func (h *Handlers) freshRun(c *gin.Context, run *models.AggregatorRun) *models.AggregatorRun {
	if run == nil || run.Status != learning.StatusRunning || h.runner == nil {
		return run
	}
	if live, err := h.runner.Get(c.Request.Context(), run.ID); err == nil && live != nil {
		return live
	}
	return run
}

var runStatusLabel = map[string]string{
	learning.StatusRunning: "running",
	learning.StatusOK:      "finished",
	learning.StatusError:   "failed",
}

var triggerLabel = map[string]string{
	learning.TriggerAdmin:    "started from the dashboard",
	learning.TriggerSchedule: "scheduled",
	learning.TriggerCLI:      "started from the command line",
}

// runVM turns a run into display text.
func runVM(r models.AggregatorRun, now time.Time) pages.RunVM {
	vm := pages.RunVM{
		ID: r.ID, URL: pathFor(PathRun, r.ID), Running: r.Status == learning.StatusRunning,
		Status: orDash(runStatusLabel[r.Status]), StatusKey: r.Status, Trigger: orDash(triggerLabel[r.Trigger]),
		Window: fmtWindow(r.Days), DryRun: r.DryRun, Started: fmtTime(r.StartedAt), StartedAgo: fmtAgo(r.StartedAt, now),
		Finished: fmtTimePtr(r.FinishedAt), FormsDone: fmtInt(r.FormsDone), FormsTotal: fmtInt(r.FormsTotal),
		ProgressValue: r.FormsDone, ProgressMax: max(r.FormsTotal, 1),
		EventsRead: fmtInt(r.EventsRead), ProfilesUpdated: fmtInt(r.ProfilesUpdated), HintsChanged: fmtInt(r.HintsChanged),
		Error: deref(r.Error), Duration: dash,
	}
	if vm.Status == dash {
		vm.Status = r.Status
	}
	if r.FormsTotal > 0 {
		vm.ProgressPct = fmtPct(report.Share(int64(r.FormsDone), int64(r.FormsTotal)))
	}
	switch {
	case r.DurationMS != nil:
		vm.Duration = fmtMillis(*r.DurationMS)
	case vm.Running:
		vm.Duration = fmtMillis(now.Sub(r.StartedAt).Milliseconds()) + " so far"
	}
	if vm.Running {
		vm.PollURL = pathFor(PathRunPanel, r.ID)
	}
	if r.Status == learning.StatusError && vm.Error == "" {
		vm.Error = "The run failed."
	}
	if r.Status == learning.StatusOK {
		vm.SourceMix = sourceMixChart("run-source-mix", r.SourceMix.V)
	}
	return vm
}

// sourceMixChart draws a run's source mix (profiles by source) as bars.
func sourceMixChart(testID string, mix map[string]int) components.ChartProps {
	var total int64
	for _, n := range mix {
		total += int64(n)
	}
	p := components.ChartProps{TestID: testID, Title: "Source", Empty: "No profiles in this run's window."}
	if total == 0 {
		return p
	}
	for _, s := range learning.Sources() {
		n := int64(mix[s])
		p.Items = append(p.Items, components.ChartItem{Key: s, Label: title(s), Count: fmtInt(n),
			Pct: fmtPct(report.Share(n, total)), Share: report.Share(n, total)})
	}
	return p
}

// runDays reads the window of a run to start: one of the offered windows.
func (h *Handlers) runDays(v string) (int, error) {
	if v == "" {
		return h.cfg.AggregatorDays, nil
	}
	d, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("days must be a whole number of days from 0 (all time) to %d", config.MaxDays)
	}
	if err := config.CheckDays(d); err != nil {
		return 0, fmt.Errorf("days %w", err)
	}
	return d, nil
}

// runPageVM is one run's page: the run, what it changed, and a notice when the operator's
// start met a run already in progress.
func runPageVM(run *models.AggregatorRun, changes []report.RunChange, already bool, now time.Time) pages.RunPageVM {
	vm := pages.RunPageVM{Run: runVM(*run, now), BackURL: PathRuns}
	if run.Status == learning.StatusOK && !run.DryRun {
		runChangesVM(&vm, run, changes)
	}
	if already {
		vm.Notice = "A run was already in progress, so no new one started: this is that run."
	}
	return vm
}

// runChangesVM lists the picks a run changed.
func runChangesVM(vm *pages.RunPageVM, run *models.AggregatorRun, changes []report.RunChange) {
	vm.PicksChanged = plural(int64(run.PicksChanged), "pick changed", "picks changed")
	switch {
	case run.PicksChanged == 0:
		vm.ChangesNote = "No (form, segment) pick changed its style in this run."
	case len(changes) < run.PicksChanged:
		vm.ChangesNote = fmt.Sprintf("The first %s of %s changed (form, segment) picks, by host.", fmtInt(len(changes)), fmtInt(run.PicksChanged))
	default:
		vm.ChangesNote = "Every (form, segment) pick whose style changed, by host: from what, to what and why."
	}
	for _, ch := range changes {
		r := pages.PickChangeVM{Form: ch.Host + " · " + ch.SchemaHash, Segment: ch.SegmentKey, From: orDash(deref(ch.FromStyle)),
			To: orDash(deref(ch.ToStyle)), FromSource: ch.FromSource, ToSource: ch.ToSource, Reason: ch.Reason}
		if ch.ProfileID != "" {
			r.FormURL = pathFor(PathProfile, ch.ProfileID)
		}
		vm.Changes = append(vm.Changes, r)
	}
}
