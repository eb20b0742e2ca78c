package cli

import (
	"fmt"
	"io"
	"math"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
)

func newEvaluateCmd(env *Env) *cobra.Command {
	var days int
	cmd := &cobra.Command{
		Use:   "evaluate [--days N]",
		Short: "Replay the logged window off-policy: each policy's estimated helpful rate (IPS, SNIPS, ESS)",
		Long: `Estimate, from the rated runs of the last N days and the propensities the clients logged,
the helpful rate each policy would have had: the logging policy itself (what the clients did),
the threshold rules' pick, the bayes pick and Thompson sampling (with EXPLORE_FLOOR), by inverse
propensity scoring (IPS, with its standard error), self-normalised IPS (SNIPS) and the effective
sample size (ESS). The target policies are fitted on the same window, as the aggregator would.
It warns when runs have no logged propensity or an ESS is under 100. It writes nothing.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := config.CheckDays(days); err != nil {
				return fmt.Errorf("--days %w", err)
			}
			return withMigratedApp(cmd, env, func(a *app) error {
				if !cmd.Flags().Changed("days") {
					days = a.cfg.AggregatorDays
				}
				ev, err := learning.Evaluate(cmd.Context(), a.db, learning.EvalParams{Days: days, Floor: a.cfg.ExploreFloor,
					Thresholds: models.Thresholds{Form: a.cfg.MinFormRuns, Segment: a.cfg.MinSegmentRuns, Family: a.cfg.MinFamilyRuns}})
				if err != nil {
					return err
				}
				printEvaluation(env.Out, ev)
				return nil
			})
		},
	}
	cmd.Flags().IntVar(&days, "days", 30, "lookback window in days on server receipt time, 0 for all time (default AGGREGATOR_DAYS)")
	return cmd
}

// printEvaluation writes the replay as a table, then its warnings.
func printEvaluation(w io.Writer, ev *learning.Evaluation) {
	window := fmt.Sprintf("the last %d days", ev.Days)
	if ev.Days == 0 {
		window = "all time"
	}
	fmt.Fprintf(w, "Off-policy replay of %s: %d rated runs, %d of them without a logged propensity.\n", window, ev.Rated, ev.Missing)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "policy\truns\tIPS\t± s.e.\tSNIPS\tESS\t")
	for _, e := range ev.Estimates {
		snips := "—"
		if !math.IsNaN(e.SNIPS) {
			snips = fmt.Sprintf("%.3f", e.SNIPS)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%s\t%.0f\t\n", e.Policy, e.Runs, e.IPS, e.IPSStdErr, snips, e.ESS)
	}
	tw.Flush()
	for _, m := range ev.Warnings {
		fmt.Fprintln(w, "warning:", m)
	}
}
