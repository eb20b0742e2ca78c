// Package cli is the command line: serve (the default), migrate, user, token, aggregate, seed
// and version. Every command reads the environment through Env, so tests run them in-process.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/spf13/cobra"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/logging"
	"github.com/applylens/learning/app/store"
)

// Env is the outside world of one invocation.
type Env struct {
	In     io.Reader
	Out    io.Writer
	Err    io.Writer
	Getenv func(string) string
	// Ready, when set, is called with the address serve listens on (tests use it).
	Ready func(addr string)
}

// OSEnv is the process's real environment.
func OSEnv() Env {
	return Env{In: os.Stdin, Out: os.Stdout, Err: os.Stderr, Getenv: os.Getenv}
}

// Run executes the command line args and returns the exit code.
func Run(ctx context.Context, args []string, env Env) int {
	root := newRoot(&env)
	root.SetArgs(args)
	root.SetIn(env.In)
	root.SetOut(env.Out)
	root.SetErr(env.Err)
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(env.Err, "error:", err)
		return 1
	}
	return 0
}

func newRoot(env *Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "applylens",
		Short: "ApplyLens Learning: the server half of the autofill learning loop",
		Long: `ApplyLens Learning stores the extension's autofill events, aggregates them into form
profiles with style hints (form → segment → family → none) and serves an admin dashboard.

With no command it serves. Configuration comes from the environment (see .env.example);
with no DATABASE_URL it uses an embedded SQLite file under ./data/.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runServe(cmd.Context(), env, serveOptions{})
		},
	}
	root.AddCommand(
		newServeCmd(env),
		newMigrateCmd(env),
		newUserCmd(env),
		newTokenCmd(env),
		newAggregateCmd(env),
		newSeedCmd(env),
		newSimulateCmd(env),
		newEvaluateCmd(env),
		newVersionCmd(env),
	)
	return root
}

// app is what most commands need: configuration, logger and an open database.
type app struct {
	cfg config.Config
	log *slog.Logger
	db  *gorm.DB
}

func (a *app) close() { store.Close(a.db) }

// load reads the configuration and builds the logger.
func load(env *Env) (config.Config, *slog.Logger, error) {
	cfg, err := config.Load(env.Getenv)
	if err != nil {
		return cfg, nil, err
	}
	log := logging.New(env.Err, cfg.LogLevel, cfg.LogFormat)
	return cfg, log, nil
}

// open loads the configuration and opens the database.
func open(ctx context.Context, env *Env) (*app, error) {
	cfg, log, err := load(env)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	return &app{cfg: cfg, log: log, db: db}, nil
}

// errUsage marks a mistake in the command line.
var errUsage = errors.New("usage")
