package cli

import (
	"bufio"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/migrations"
)

func newUserCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage users", Args: cobra.NoArgs}
	var email, name string
	var admin, pwStdin bool
	add := &cobra.Command{
		Use:   "add --email E [--name N] [--admin] [--password-stdin]",
		Short: "Add a user (an admin with --admin and a password read from standard input)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if email == "" {
				return fmt.Errorf("%w: --email is required", errUsage)
			}
			name = strings.TrimSpace(name)
			if err := account.CheckName(name, account.MaxUserNameLen); err != nil {
				return fmt.Errorf("%w: --name: %w", errUsage, err)
			}
			var pw string
			if pwStdin {
				line, err := bufio.NewReader(env.In).ReadString('\n')
				if err != nil && line == "" {
					return errors.New("--password-stdin: no password on standard input")
				}
				pw = strings.TrimRight(line, "\r\n")
				if _, err := account.HashPassword(pw); err != nil {
					return fmt.Errorf("--password-stdin: %w", err)
				}
			}
			if admin && pw == "" {
				return fmt.Errorf("%w: an admin needs a password: pass --password-stdin", errUsage)
			}
			return withMigratedApp(cmd, env, func(a *app) error {
				u, err := account.CreateUser(cmd.Context(), a.db, account.NewUser{Email: email, Name: name, Admin: admin, Password: pw})
				if err != nil {
					return err
				}
				role := "user"
				if u.IsAdmin {
					role = "admin"
				}
				fmt.Fprintf(env.Out, "Added %s %s (id %s).\n", role, u.Email, u.ID)
				return nil
			})
		},
	}
	add.Flags().StringVar(&email, "email", "", "the user's email (required)")
	add.Flags().StringVar(&name, "name", "", "the user's display name")
	add.Flags().BoolVar(&admin, "admin", false, "let the user sign in to /admin")
	add.Flags().BoolVar(&pwStdin, "password-stdin", false, "read the password from the first line of standard input")
	cmd.AddCommand(add)
	return cmd
}

// withMigratedApp opens the database and refuses to work on a schema that is behind. The
// embedded database gets its steps applied; a backfill they leave is `migrate up`'s or serve's
// (the commands that need the rows filled, the aggregator's, say so).
func withMigratedApp(cmd *cobra.Command, env *Env, fn func(a *app) error) error {
	return withApp(cmd.Context(), env, func(a *app) error {
		if a.cfg.Embedded() {
			if err := migrations.UpSchema(cmd.Context(), a.db); err != nil {
				return err
			}
		}
		st, err := migrations.ReadStatus(cmd.Context(), a.db)
		if err != nil {
			return err
		}
		if !st.Current() {
			return fmt.Errorf("the database schema is behind by %d step(s): run `migrate up` first", len(st.Pending))
		}
		return fn(a)
	})
}
