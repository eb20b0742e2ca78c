package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

func newAggregateCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:    "aggregate",
		Short:  "Rebuild form profiles and style hints",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("aggregate: not built yet") },
	}
}
