package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/applylens/learning/migrations"
)

func newMigrateCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply, roll back or inspect the database schema",
		Args:  cobra.NoArgs,
	}
	var noBackfill bool
	up := &cobra.Command{
		Use:   "up",
		Short: "Apply every pending step, then fill the rows they added columns to (safe to run twice, and from two processes at once)",
		Long: `Apply every pending step. On a database of the original ApplyLens service (Phase 5.0,
with users.id varchar) it keeps every row and id, adds what is missing and records itself:
no hand-written SQL is needed.

The steps change only the schema, which takes seconds even on millions of events; serve is
ready as soon as they are applied. The rows' new columns are then filled by a backfill in
batches (progress on this terminal, in serve's log and on the Schema page) while the service
serves. Stopped, it resumes where it was, here or in any serve process, which also runs it
in the background; --no-backfill leaves it to them. The aggregator waits for it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd.Context(), env, func(a *app) error {
				ctx := cmd.Context()
				before, err := migrations.ReadStatus(ctx, a.db)
				if err != nil {
					return err
				}
				start := time.Now()
				if err := migrations.UpSchema(ctx, a.db); err != nil {
					return err
				}
				after, err := migrations.ReadStatus(ctx, a.db)
				if err != nil {
					return err
				}
				if len(before.Pending) == 0 {
					fmt.Fprintln(env.Out, "Schema is up to date; nothing to apply.")
				} else {
					applied := len(after.Applied) - len(before.Applied)
					fmt.Fprintf(env.Out, "Applied %d step(s) in %s; schema is at %s.\n", max(applied, 0),
						time.Since(start).Round(time.Millisecond), after.Applied[len(after.Applied)-1])
				}
				pending, err := migrations.RowWorkPending(ctx, a.db)
				if err != nil || !pending {
					return err
				}
				if noBackfill {
					fmt.Fprintf(env.Out, "%s; serve fills the rest (and partitions the events by month) in the background.\n", after.Backfill)
					return nil
				}
				return runBackfill(ctx, env, a)
			})
		},
	}
	up.Flags().BoolVar(&noBackfill, "no-backfill", false, "apply the steps only and leave the rows' backfill to serve")
	var to string
	var all bool
	down := &cobra.Command{
		Use:   "down",
		Short: "Roll back the last step, every step after --to ID, or --all",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if to != "" && all {
				return fmt.Errorf("%w: --to and --all exclude each other", errUsage)
			}
			return withApp(cmd.Context(), env, func(a *app) error {
				var err error
				switch {
				case all:
					err = migrations.DownAll(cmd.Context(), a.db)
				case to != "":
					err = migrations.DownTo(cmd.Context(), a.db, to)
				default:
					err = migrations.DownLast(cmd.Context(), a.db)
				}
				if err != nil {
					return err
				}
				return printStatus(cmd.Context(), env, a)
			})
		},
	}
	down.Flags().StringVar(&to, "to", "", "roll back every step applied after this step ID (it stays applied)")
	down.Flags().BoolVar(&all, "all", false, "roll back every step (tables of the original service and their rows stay)")
	status := &cobra.Command{
		Use:   "status",
		Short: "List applied and pending steps, and check the segment_key column and index",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd.Context(), env, func(a *app) error { return printStatus(cmd.Context(), env, a) })
		},
	}
	cmd.AddCommand(up, down, status)
	return cmd
}

// runBackfill runs the rows' backfill to the end, printing its progress every few seconds. If
// a serve process is running it, it waits for that one to finish.
func runBackfill(ctx context.Context, env *Env, a *app) error {
	fmt.Fprintln(env.Out, "Filling the events' new columns; the service can serve meanwhile (Ctrl-C stops, running it again resumes).")
	last := time.Now()
	progress := func(st migrations.BackfillStatus) {
		if time.Since(last) >= 5*time.Second {
			fmt.Fprintln(env.Out, st)
			last = time.Now()
		}
	}
	partitions, err := migrations.PartitioningPending(ctx, a.db)
	if err != nil {
		return err
	}
	st, err := migrations.RunBackfill(ctx, a.db, false, progress)
	if errors.Is(err, migrations.ErrBackfillBusy) {
		fmt.Fprintf(env.Out, "A serve process is running it (%s); waiting for it to finish (Ctrl-C is safe).\n", st)
		st, err = migrations.RunBackfill(ctx, a.db, true, progress)
	}
	if err != nil {
		return err
	}
	if !st.StartedAt.IsZero() {
		fmt.Fprintf(env.Out, "Backfill done: %d rows in %s (%.0f rows/s).\n", st.Done,
			st.FinishedAt.Sub(st.StartedAt).Round(time.Second), st.RowsPerSecond())
	}
	if partitions {
		fmt.Fprintln(env.Out, "The events table is partitioned by month (the existing rows are its first partition).")
	}
	return nil
}

func printStatus(ctx context.Context, env *Env, a *app) error {
	st, err := migrations.ReadStatus(ctx, a.db)
	if err != nil {
		return err
	}
	w := env.Out
	for _, id := range st.Applied {
		fmt.Fprintf(w, "applied  %s\n", id)
	}
	for _, id := range st.Pending {
		fmt.Fprintf(w, "pending  %s\n", id)
	}
	for _, id := range st.Unknown {
		fmt.Fprintf(w, "unknown  %s (applied by a newer build)\n", id)
	}
	for _, c := range st.Checks {
		mark := "ok     "
		if !c.Present {
			mark = "MISSING"
		}
		fmt.Fprintf(w, "check    %s %s %s\n", mark, c.Name, strings.TrimSpace(c.Detail))
	}
	if st.Backfill.Pending {
		fmt.Fprintf(w, "%s\n", st.Backfill)
	}
	if st.Partitioning.Pending {
		fmt.Fprintf(w, "%s\n", st.Partitioning)
	}
	if st.Current() {
		fmt.Fprintln(w, "Schema is up to date.")
	} else {
		fmt.Fprintf(w, "Schema is behind by %d step(s): run `migrate up`.\n", len(st.Pending))
	}
	return nil
}

func withApp(ctx context.Context, env *Env, fn func(a *app) error) error {
	a, err := open(ctx, env)
	if err != nil {
		return err
	}
	defer a.close()
	return fn(a)
}
