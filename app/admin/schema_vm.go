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
		vm.Backfill = backfillVM(b, backfillSummary(b, "events"))
	}
	if b := st.Partitioning; b.Pending {
		summary := backfillSummary(b, "events keyed")
		if !b.StartedAt.IsZero() && b.Total > 0 && b.Done >= b.Total {
			summary = fmt.Sprintf("All %s events keyed. Then: the first partition's bound is validated and its two indexes "+
				"built while the service serves, and the table is swapped under a moment's lock.", fmtInt(b.Total))
		}
		vm.Partitioning = backfillVM(b, summary)
	}
	for _, ch := range st.Checks {
		vm.Checks = append(vm.Checks, pages.CheckVM{Name: ch.Name, Present: ch.Present, Detail: orDash(ch.Detail)})
	}
	return vm
}

// backfillVM is the progress bar and summary of a pending backfill (or conversion).
func backfillVM(b migrations.BackfillStatus, summary string) *pages.BackfillVM {
	return &pages.BackfillVM{Started: !b.StartedAt.IsZero() && b.Total > 0,
		Max: strconv.FormatInt(b.Total, 10), Value: strconv.FormatInt(b.Done, 10), Percent: fmtPct(b.Percent() / 100),
		Summary: summary, LastError: b.LastError}
}

// backfillSummary says how far a backfill is, counting its rows as what ("events"), and,
// once it has a rate, how long it has left.
func backfillSummary(b migrations.BackfillStatus, what string) string {
	if b.StartedAt.IsZero() {
		return "Waiting for a process to start it."
	}
	s := fmt.Sprintf("%s of %s %s (%s)", fmtInt(b.Done), fmtInt(b.Total), what, fmtPct(b.Percent()/100))
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
