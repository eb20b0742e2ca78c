package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/applylens/learning/migrations"
)

func newMigrateCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply, roll back or inspect the database schema",
		Args:  cobra.NoArgs,
	}
	up := &cobra.Command{
		Use:   "up",
		Short: "Apply every pending step (safe to run twice, and from two processes at once)",
		Long: `Apply every pending step. On a database of the original ApplyLens service (Phase 5.0,
with users.id varchar) it keeps every row and id, adds what is missing and records itself:
no hand-written SQL is needed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withApp(cmd.Context(), env, func(a *app) error {
				before, err := migrations.ReadStatus(cmd.Context(), a.db)
				if err != nil {
					return err
				}
				if err := migrations.Up(cmd.Context(), a.db); err != nil {
					return err
				}
				if len(before.Pending) == 0 {
					fmt.Fprintln(env.Out, "Schema is up to date; nothing to apply.")
					return nil
				}
				after, err := migrations.ReadStatus(cmd.Context(), a.db)
				if err != nil {
					return err
				}
				applied := len(after.Applied) - len(before.Applied)
				fmt.Fprintf(env.Out, "Applied %d step(s); schema is at %s.\n", max(applied, 0), after.Applied[len(after.Applied)-1])
				return nil
			})
		},
	}
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
