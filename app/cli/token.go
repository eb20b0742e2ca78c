package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/applylens/learning/app/account"
)

func newTokenCmd(env *Env) *cobra.Command {
	cmd := &cobra.Command{Use: "token", Short: "Manage extension tokens", Args: cobra.NoArgs}
	var email, name string
	issue := &cobra.Command{
		Use:   "issue --email E [--name N]",
		Short: "Issue an extension token for a user; it is printed once and stored only as a hash",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if email == "" {
				return fmt.Errorf("%w: --email is required", errUsage)
			}
			name = strings.TrimSpace(name)
			if err := account.CheckName(name, account.MaxTokenNameLen); err != nil {
				return fmt.Errorf("%w: --name: %w", errUsage, err)
			}
			return withMigratedApp(cmd, env, func(a *app) error {
				u, err := account.UserByEmail(cmd.Context(), a.db, email)
				if err != nil {
					return fmt.Errorf("%w (add it with `user add --email %s`)", err, email)
				}
				tok, err := account.IssueToken(cmd.Context(), a.db, u.ID, name)
				if err != nil {
					return err
				}
				fmt.Fprintf(env.Err, "Token %s issued for %s. It is shown once; store it now.\n", tok.Token.Prefix, u.Email)
				fmt.Fprintln(env.Out, tok.Plain)
				return nil
			})
		},
	}
	issue.Flags().StringVar(&email, "email", "", "the user the token belongs to (required)")
	issue.Flags().StringVar(&name, "name", "", "a name to recognise the token by (\"Dana's laptop\")")
	cmd.AddCommand(issue)
	return cmd
}
