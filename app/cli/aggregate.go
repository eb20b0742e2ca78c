package cli

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/metrics"
	"github.com/applylens/learning/app/models"
)

func newAggregateCmd(env *Env) *cobra.Command {
	var (
		days int
		dry  bool
		full bool
	)
	cmd := &cobra.Command{
		Use:   "aggregate [--days N] [--dry-run] [--full]",
		Short: "Rebuild every form profile and style hint from the events of the last N days",
		Long: `Rebuild every form profile (canonical field map, success rate, averages) and its style
hint (form → segment → family → none) from the events received in the last N days, in one
transaction, and record the run. Only one run proceeds at a time across every process on the
database; this command fails with the id of the run in progress otherwise.

A run reads the aggregator's rollups (per day and form), after folding into them the events
that arrived, were rated or were deleted since the last run; the window is whole UTC days.
With --full it first rebuilds the rollups from every event (the same hints, at the cost of
reading every event once).

With --dry-run it computes and reports the same figures but writes nothing (no profile, no
style weight, no run record).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withMigratedApp(cmd, env, func(a *app) error {
				if !cmd.Flags().Changed("days") {
					days = a.cfg.AggregatorDays
				}
				r := learning.NewRunner(a.db, a.cfg, metrics.New(), a.log)
				run, err := r.Run(cmd.Context(), learning.RunParams{Days: days, DryRun: dry, Full: full, Trigger: learning.TriggerCLI})
				if err != nil {
					return err
				}
				printRun(env.Out, run)
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&days, "days", 30, "lookback window in days on server receipt time, 0 for all time (default AGGREGATOR_DAYS)")
	cmd.Flags().BoolVar(&dry, "dry-run", false, "compute and report, write nothing")
	cmd.Flags().BoolVar(&full, "full", false, "rebuild the rollups from every event first")
	return cmd
}

// printRun reports a finished run: the profiles updated and the mix of hint sources.
func printRun(w io.Writer, run *models.AggregatorRun) {
	window := fmt.Sprintf("the last %d days", run.Days)
	if run.Days == 0 {
		window = "all time"
	}
	if run.DryRun {
		fmt.Fprintf(w, "Dry run: would update %d profiles (%d hints changed) from %d events of %s; nothing was written.\n",
			run.ProfilesUpdated, run.HintsChanged, run.EventsRead, window)
	} else {
		fmt.Fprintf(w, "Updated %d profiles (%d hints changed) from %d events of %s; run %s.\n",
			run.ProfilesUpdated, run.HintsChanged, run.EventsRead, window, run.ID)
	}
	fmt.Fprintln(w, "Source mix:")
	for _, s := range sourceShares(run) {
		fmt.Fprintf(w, "  %-8s %7d  %5.1f%%\n", s.source, s.profiles, s.percent)
	}
}

// sourceShare is how many of a run's profiles got their hint from one source.
type sourceShare struct {
	source   string
	profiles int
	percent  float64
}

// sourceShares lists a run's profiles by hint source, in the order of learning.Sources.
func sourceShares(run *models.AggregatorRun) []sourceShare {
	var out []sourceShare
	for _, src := range learning.Sources() {
		n := run.SourceMix.V[src]
		pct := 0.0
		if run.ProfilesUpdated > 0 {
			pct = 100 * float64(n) / float64(run.ProfilesUpdated)
		}
		out = append(out, sourceShare{src, n, pct})
	}
	return out
}
