package cli

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/seeds"
)

func newSimulateCmd(env *Env) *cobra.Command {
	var (
		events, forms, every int
		seedList             string
		floor                float64
		loop, flat           bool
	)
	cmd := &cobra.Command{
		Use:   "simulate [--events N] [--forms F] [--seeds 1,2,3] [--flat-disciplines] [--loop [--every K] [--floor P]]",
		Short: "Measure the recommendation policies against the demo generator's hidden truth",
		Long: `Measure how good the style recommendations are, against the ground truth of the demo
generator (the helpful rate of every style on every form and segment; see seed --truth). It
needs no database: the same model code runs on the generated events in memory.

Without --loop: the events are logged by the generator's biased policy (most runs of a form
try one favourite style unrelated to the truth, 15% explore), every policy is fitted on them,
and its pick for each form's four segments is scored: accuracy (the share of picks that are
the truly best style) and regret (the best rate minus the picked style's rate), side by side.
bayes is asked for each segment and discipline of the jobs; bayes-segment-only is the same
model asked for the segment alone (without the discipline dimension). In the demo's truth the
discipline matters in some families; --flat-disciplines makes a truth where it never does.

With --loop: each policy starts with no data and serves the requests itself (threshold with the
extension's epsilon-greedy, bayes with epsilon-greedy, bayes with Thompson sampling); ratings
come from the truth and the model is refitted every K requests. Each line reports the picks'
accuracy and regret at that point and the mean regret of what was served so far.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			list, err := parseSeeds(seedList)
			if err != nil {
				return err
			}
			if events < 1 {
				return fmt.Errorf("--events must be at least 1 (got %d)", events)
			}
			if every < 1 {
				return fmt.Errorf("--every must be at least 1 (got %d)", every)
			}
			if floor < 0 || floor > 0.1 {
				return fmt.Errorf("--floor must be between 0 and 0.1 (got %g)", floor)
			}
			now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) // fixed: the same figures every time
			tw := tabwriter.NewWriter(env.Out, 0, 0, 2, ' ', tabwriter.AlignRight)
			if !loop {
				fmt.Fprintln(tw, "seed\tevents\tforms\tpolicy\taccuracy\tregret\t")
				for _, s := range list {
					scores, err := seeds.EvaluateLogged(seeds.Options{Events: events, Forms: forms, Seed: s, Now: now, FlatDisciplines: flat},
						[]string{models.PolicyThreshold, seeds.BayesSegmentOnly, models.PolicyBayes})
					if err != nil {
						return err
					}
					for _, sc := range scores {
						fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%.3f\t%.4f\t\n", s, sc.Events, sc.Cells/4, sc.Policy, sc.Accuracy, sc.Regret)
					}
				}
				return tw.Flush()
			}
			fmt.Fprintln(tw, "seed\tpolicy\trequests\taccuracy\tregret\tserved regret\t")
			for _, s := range list {
				points, err := seeds.SimulateLoop(seeds.Options{Events: events, Forms: forms, Seed: s, Now: now, FlatDisciplines: flat}, every, floor, seeds.LoopPolicies())
				if err != nil {
					return err
				}
				for _, p := range points {
					fmt.Fprintf(tw, "%d\t%s\t%d\t%.3f\t%.4f\t%.4f\t\n", s, p.Policy, p.Requests, p.Accuracy, p.Regret, p.Served)
				}
			}
			return tw.Flush()
		},
	}
	cmd.Flags().IntVar(&events, "events", 20_000, "events (requests, with --loop) to generate")
	cmd.Flags().IntVar(&forms, "forms", 2_000, "forms (0: one per 32 events)")
	cmd.Flags().StringVar(&seedList, "seeds", "1,2,3", "comma-separated generator seeds")
	cmd.Flags().BoolVar(&flat, "flat-disciplines", false, "a truth in which the job's discipline changes nothing")
	cmd.Flags().BoolVar(&loop, "loop", false, "closed loop: each policy serves the requests and learns from them")
	cmd.Flags().IntVar(&every, "every", 10_000, "with --loop: aggregate every K requests")
	cmd.Flags().Float64Var(&floor, "floor", 0.02, "with --loop: Thompson's exploration floor per style")
	return cmd
}

// parseSeeds reads a comma-separated list of seeds.
func parseSeeds(s string) ([]uint64, error) {
	var out []uint64
	for _, part := range strings.Split(s, ",") {
		var n uint64
		if _, err := fmt.Sscanf(strings.TrimSpace(part), "%d", &n); err != nil || strings.TrimSpace(part) == "" {
			return nil, fmt.Errorf("--seeds must be whole numbers separated by commas (got %q)", s)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, nil
}
