package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/sync/errgroup"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/metrics"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/router"
	"github.com/applylens/learning/app/store"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/migrations"
)

type serveOptions struct {
	demo bool
}

func newServeCmd(env *Env) *cobra.Command {
	var opts serveOptions
	cmd := &cobra.Command{
		Use:   "serve [--demo]",
		Short: "Serve the extension API and the admin dashboard (the default command)",
		Long: `Serve the extension API and the admin dashboard until SIGINT or SIGTERM.

On the embedded SQLite default the schema migrates by itself. On Postgres serve refuses a schema
that is behind: run ` + "`migrate up`" + ` first, or set MIGRATE_ON_START=true.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runServe(cmd.Context(), env, opts) },
	}
	cmd.Flags().BoolVar(&opts.demo, "demo", false, "on an empty database, seed demo data and aggregate it once, so the dashboard shows something")
	return cmd
}

func runServe(ctx context.Context, env *Env, opts serveOptions) error {
	cfg, log, err := load(env)
	if err != nil {
		return err
	}
	slog.SetDefault(log)
	log.Info("starting", "version", Version, "database", store.Describe(cfg), "addr", cfg.HTTPAddr, "env", cfg.AppEnv)
	for _, w := range cfg.Warnings() {
		log.Warn(w)
	}
	db, err := store.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer store.Close(db)

	if err := ensureSchema(ctx, cfg, db, log); err != nil {
		return err
	}
	generatedPW, err := bootstrapAdmin(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	m := metrics.New()
	if opts.demo {
		if err := startDemo(ctx, cfg, db, m, log, env, generatedPW); err != nil {
			return err
		}
	}
	runner := learning.NewRunner(db, cfg, m, log)
	// A run that this process (or another) was running when it died says so at once.
	if err := runner.FailAbandoned(ctx); err != nil {
		log.Warn("could not check for abandoned aggregator runs", "error", err)
	}
	defer runner.Wait() // a run started from the dashboard or the API finishes before the pool closes
	// The overview's profile mix, shared by the pages and the refresher, which builds the
	// dashboard's event rollup at start, refreshes it every few minutes and keeps the mix warm.
	mix := &report.MixCache{}
	refresher := &report.Refresher{DB: db, Log: log, Mix: mix, RetentionDays: cfg.RetentionDays}
	engine, err := router.New(router.Deps{Config: cfg, DB: db, Log: log, Metrics: m, Runner: runner, Mix: mix, Refresher: refresher})
	if err != nil {
		return err
	}
	ready := func(addr string) {
		log.Info("serving", "url", cfg.PublicURL, "admin", cfg.PublicURL+"/admin", "listen", addr)
		if env.Ready != nil {
			env.Ready(addr)
		}
	}
	// The server, the scheduler and the refresher run together; when one stops (a signal, or
	// the server failing) the others stop, and serve returns once all have (a scheduled run
	// records its end before the pool closes).
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { defer stop(); return web.Serve(ctx, cfg, engine, log, ready) })
	if cfg.AggregatorInterval > 0 {
		g.Go(func() error { runner.Schedule(ctx); return nil })
	}
	g.Go(func() error { refresher.Run(ctx); return nil })
	g.Go(func() error { backfillInBackground(ctx, db, log); return nil })
	return g.Wait()
}

// backfillRetry is how long serve waits before it looks again at a backfill that another
// process is running, or retries one that failed.
var backfillRetry = 15 * time.Second

// backfillInBackground runs the adoption backfill (migrations.RunBackfill, which also converts
// the events table into month partitions) until it is done, logging its progress. One process runs it at a time: the others look again every
// backfillRetry, so that one of them takes over if the process running it (`migrate up`, or
// another replica) stops. Returns at once when there is nothing to fill.
func backfillInBackground(ctx context.Context, db *gorm.DB, log *slog.Logger) {
	log = log.With("component", "backfill")
	if pending, err := migrations.RowWorkPending(ctx, db); err == nil && !pending {
		return
	}
	for {
		last, walked := time.Now(), map[string]migrations.BackfillStatus{}
		st, err := migrations.RunBackfill(ctx, db, false, func(st migrations.BackfillStatus) {
			walked[st.Name] = st
			if time.Since(last) >= 30*time.Second {
				log.Info("adoption backfill", "name", st.Name, "rows_done", st.Done, "rows_total", st.Total,
					"percent", fmt.Sprintf("%.1f", st.Percent()), "rows_per_s", int(st.RowsPerSecond()))
				last = time.Now()
			}
		})
		switch {
		case err == nil && len(walked) > 0:
			if _, ok := walked[migrations.EventsBackfill]; ok {
				log.Info("adoption backfill done", "rows", st.Done, "rows_per_s", int(st.RowsPerSecond()))
			}
			if keyed, ok := walked[migrations.PartitionsBackfill]; ok {
				log.Info("events partitioned by month", "events_keyed", keyed.Done, "rows_per_s", int(keyed.RowsPerSecond()))
			}
			return
		case err == nil:
			return // another process finished it
		case ctx.Err() != nil:
			return
		case !errors.Is(err, migrations.ErrBackfillBusy):
			log.Error("adoption backfill failed; retrying", "error", err, "retry_in", backfillRetry)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backfillRetry):
		}
	}
}

// ensureSchema migrates the embedded database (or any, with MIGRATE_ON_START) and refuses to
// serve on a Postgres schema that is behind the code. The rows' backfill is not waited for:
// backfillInBackground runs it while the service serves.
func ensureSchema(ctx context.Context, cfg config.Config, db *gorm.DB, log *slog.Logger) error {
	if cfg.Embedded() || cfg.MigrateOnStart {
		if err := migrations.UpSchema(ctx, db); err != nil {
			return err
		}
	}
	st, err := migrations.ReadStatus(ctx, db)
	if err != nil {
		return err
	}
	if !st.Current() {
		return fmt.Errorf("the database schema is behind by %d step(s) (%s…): run `migrate up`, or set MIGRATE_ON_START=true",
			len(st.Pending), st.Pending[0])
	}
	if len(st.Unknown) > 0 {
		log.Warn("the database has steps this build does not know: a newer build migrated it", "unknown", st.Unknown)
	}
	return nil
}

// bootstrapAdmin makes the first admin: from ADMIN_EMAIL/ADMIN_PASSWORD, or, on the embedded
// default with no admin yet, one with a random password printed once (and returned, so that
// `serve --demo` can show it again in its banner).
func bootstrapAdmin(ctx context.Context, cfg config.Config, db *gorm.DB, log *slog.Logger) (string, error) {
	if cfg.AdminEmail != "" {
		created, err := account.EnsureAdmin(ctx, db, cfg.AdminEmail, cfg.AdminPassword)
		if err != nil {
			return "", fmt.Errorf("ADMIN_EMAIL: %w", err)
		}
		if created {
			log.Info("created admin from ADMIN_EMAIL", "email", cfg.AdminEmail)
		}
		return "", nil
	}
	if !cfg.Embedded() {
		return "", nil
	}
	has, err := account.HasAdmin(ctx, db)
	if err != nil || has {
		return "", err
	}
	pw := account.RandomPassword()
	if _, err := account.EnsureAdmin(ctx, db, DefaultAdminEmail, pw); err != nil {
		return "", err
	}
	log.Warn("created the first admin; this password is shown once", "email", DefaultAdminEmail, "password", pw)
	return pw, nil
}

// DefaultAdminEmail is the admin made on the embedded database when none is configured.
const DefaultAdminEmail = "admin@applylens.local"
