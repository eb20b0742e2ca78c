package admin

import (
	"fmt"
	"strconv"
	"time"

	"github.com/applylens/learning/migrations"
	"github.com/applylens/learning/views/pages"
)

// schemaVM lists the applied, pending and unknown migration steps and the seed's checks.
func schemaVM(st migrations.Status) pages.SchemaPageVM {
	vm := pages.SchemaPageVM{Current: st.Current()}
	if st.Current() {
		vm.Summary = fmt.Sprintf("The schema is current: all %d steps are applied.", len(st.Applied))
	} else {
		vm.Summary = fmt.Sprintf("The schema is behind by %d step(s): run `go run . migrate up`.", len(st.Pending))
	}
	if len(st.Unknown) > 0 {
		vm.Summary += fmt.Sprintf(" %d applied step(s) are unknown to this build: a newer build migrated the database.", len(st.Unknown))
	}
	for _, id := range st.Applied {
		vm.Steps = append(vm.Steps, pages.StepVM{ID: id, Status: "applied"})
	}
	for _, id := range st.Pending {
		vm.Steps = append(vm.Steps, pages.StepVM{ID: id, Status: "pending"})
	}
	for _, id := range st.Unknown {
		vm.Steps = append(vm.Steps, pages.StepVM{ID: id, Status: "unknown"})
	}
	if b := st.Backfill; b.Pending {
		vm.Backfill = &pages.BackfillVM{Started: !b.StartedAt.IsZero() && b.Total > 0,
			Max: strconv.FormatInt(b.Total, 10), Value: strconv.FormatInt(b.Done, 10), Percent: fmtPct(b.Percent() / 100),
			Summary: backfillSummary(b), LastError: b.LastError}
	}
	for _, ch := range st.Checks {
		vm.Checks = append(vm.Checks, pages.CheckVM{Name: ch.Name, Present: ch.Present, Detail: orDash(ch.Detail)})
	}
	return vm
}

// backfillSummary says how far the backfill is and, once it has a rate, how long it has left.
func backfillSummary(b migrations.BackfillStatus) string {
	if b.StartedAt.IsZero() {
		return "Waiting for a process to start it."
	}
	s := fmt.Sprintf("%s of %s events (%s)", fmtInt(b.Done), fmtInt(b.Total), fmtPct(b.Percent()/100))
	if rate := b.RowsPerSecond(); rate > 0 {
		if rate < 10 {
			s += fmt.Sprintf(", %.1f rows/s", rate)
		} else {
			s += fmt.Sprintf(", %s rows/s", fmtInt(int64(rate)))
		}
		if left := b.Total - b.Done; left > 0 {
			s += ", about " + (time.Duration(float64(left)/rate) * time.Second).Round(time.Second).String() + " left"
		}
	}
	return s
}
