package cli

import (
	"context"
	"errors"
	"log/slog"

	"github.com/spf13/cobra"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/metrics"
)

func newSeedCmd(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:    "seed",
		Short:  "Seed demo data",
		Hidden: true,
		RunE:   func(*cobra.Command, []string) error { return errors.New("seed: not built yet") },
	}
}

func startDemo(ctx context.Context, cfg config.Config, db *gorm.DB, m *metrics.Metrics, log *slog.Logger, env *Env) error {
	return errors.New("serve --demo: not built yet")
}
