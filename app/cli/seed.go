package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/metrics"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/seeds"
)

func newSeedCmd(env *Env) *cobra.Command {
	opts := seeds.Options{Events: seeds.DefaultEvents, Days: seeds.DefaultDays, Users: seeds.DefaultUsers, Seed: seeds.DefaultSeed}
	var truth string
	cmd := &cobra.Command{
		Use:   "seed [--events N] [--days D] [--users U] [--seed S] [--reset] [--force] [--truth FILE]",
		Short: "Add deterministic demo data: styles, demo users with tokens, forms across every ATS family, events",
		Long: `Add a realistic, deterministic demo in one transaction: the generation styles (missing ones
only), demo users with an extension token each, forms on every ATS family and on company career
sites, and autofill events over the last D days whose styles follow an epsilon-greedy policy and
whose ratings come from a ground truth that differs by family, segment, style and form. The same
--seed gives the same data.

It refuses a database that holds events of real (non-demo) users unless --force, and one that
holds demo data already unless --reset, which deletes the demo users, their events and tokens,
and the form profiles left without events. --reset --events 0 only deletes.

Run ` + "`aggregate`" + ` afterwards to build the form profiles and style hints.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withMigratedApp(cmd, env, func(a *app) error { return runSeed(cmd.Context(), env, a, opts, truth) })
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.Events, "events", opts.Events, "autofill events to make (0 with --reset: only delete the demo data)")
	f.IntVar(&opts.Days, "days", opts.Days, "days the events spread over, ending now")
	f.IntVar(&opts.Users, "users", opts.Users, "demo users, each with an extension token")
	f.IntVar(&opts.Forms, "forms", 0, "forms (0: one per 32 events)")
	f.Uint64Var(&opts.Seed, "seed", opts.Seed, "random seed: the same seed gives the same data")
	f.BoolVar(&opts.Reset, "reset", false, "delete the existing demo data first (never touches non-demo users)")
	f.BoolVar(&opts.Force, "force", false, "add demo data even to a database that holds events of real users")
	f.StringVar(&truth, "truth", "", "write the ground truth (the best style per form and segment) to this JSON file")
	return cmd
}

func runSeed(ctx context.Context, env *Env, a *app, opts seeds.Options, truthFile string) error {
	// Zero means "the default" to the generator; on the command line it is a mistake.
	if opts.Days < 1 || opts.Users < 1 {
		return fmt.Errorf("%w: --days and --users must be at least 1", errUsage)
	}
	// The truth file is made before the data, so that a path it cannot be written to fails
	// the command before it changes the database.
	var truth *os.File
	if truthFile != "" {
		var err error
		if truth, err = openTruth(truthFile); err != nil {
			return err
		}
		defer func() { _ = truth.Close(); _ = os.Remove(truth.Name()) }() // gone once renamed
	}
	w := env.Out
	if opts.Events > 0 {
		fmt.Fprintf(w, "Seeding %s demo events over %d days for %d demo users (seed %d)…\n",
			thousands(opts.Events), opts.Days, opts.Users, opts.Seed)
	}
	bar := newProgress(w)
	opts.Progress = bar.set
	opts.Notify = bar.note
	res, err := seeds.Seed(ctx, a.db, opts)
	bar.finish()
	if err != nil {
		return err
	}
	if d := res.Deleted; opts.Reset {
		fmt.Fprintf(w, "Deleted the previous demo: %s events, %d users, %d tokens, %d form profiles.\n",
			thousands(int(d.Events)), d.Users, d.Tokens, d.Profiles)
	}
	if res.Events == 0 {
		return nil
	}
	printSeeded(w, res)
	if truth != nil {
		if err := writeTruth(truth, truthFile, res.World); err != nil {
			return err
		}
		fmt.Fprintf(w, "Ground truth (best style per form and segment) written to %s.\n", truthFile)
	}
	fmt.Fprintln(w, "Next: run `aggregate` to build the form profiles and style hints.")
	return nil
}

func printSeeded(w io.Writer, res *seeds.Result) {
	hosts := map[string]bool{}
	for _, f := range res.World.Forms {
		hosts[f.Host] = true
	}
	rate := float64(res.Events) / max(res.Elapsed.Seconds(), 1e-9)
	fmt.Fprintf(w, "Seeded %s events on %s forms (%s hosts) for %d demo users in %s (%s events/s).\n",
		thousands(res.Events), thousands(len(res.World.Forms)), thousands(len(hosts)), len(res.Users),
		res.Elapsed.Round(10*time.Millisecond), thousands(int(rate)))
	fmt.Fprintf(w, "Demo extension token of %s (shown once): %s\n", res.Users[0].Email, res.Token)
}

// openTruth makes the file the truth is written to before it takes path's name (writeTruth):
// a new file beside path, so that path, if it exists, is replaced only by a whole truth.
func openTruth(path string) (*os.File, error) {
	if info, err := os.Stat(path); err == nil && info.IsDir() {
		return nil, fmt.Errorf("%w: --truth %s is a directory; name a file", errUsage, path)
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return nil, fmt.Errorf("--truth: cannot write beside %s: %w", path, err)
	}
	if err := f.Chmod(0o644); err != nil { // CreateTemp's 0600: the truth is no secret
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, fmt.Errorf("--truth: %w", err)
	}
	return f, nil
}

// writeTruth writes w's truth to f (openTruth) and gives it path's name.
func writeTruth(f *os.File, path string, w *seeds.World) error {
	err := w.WriteTruth(f)
	if err = errors.Join(err, f.Close()); err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("--truth %s: %w", path, err)
	}
	return nil
}

// progress shows how the events are coming along: a bar on a terminal, a line per tenth
// otherwise (logs, CI, tests).
type progress struct {
	w        io.Writer
	bar      *progressbar.ProgressBar
	lastTen  int
	finished bool
}

func newProgress(w io.Writer) *progress {
	return &progress{w: w, lastTen: -1}
}

func (p *progress) set(done, total int) {
	if total == 0 {
		return
	}
	if p.bar == nil && isTerminal(p.w) {
		p.bar = progressbar.NewOptions(total,
			progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription("events"),
			progressbar.OptionShowCount(),
			progressbar.OptionShowIts(),
			progressbar.OptionSetItsString("events"),
			progressbar.OptionThrottle(100*time.Millisecond),
			progressbar.OptionSetPredictTime(true),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.w) }),
		)
	}
	if p.bar != nil {
		_ = p.bar.Set(done)
		return
	}
	if ten := 10 * done / total; ten > p.lastTen {
		p.lastTen = ten
		fmt.Fprintf(p.w, "  %3d%%  %s/%s events\n", 10*ten, thousands(done), thousands(total))
	}
}

func (p *progress) note(msg string) {
	if p.bar != nil && !p.finished {
		_ = p.bar.Finish()
		p.finished = true
	}
	fmt.Fprintf(p.w, "  %s…\n", msg)
}

func (p *progress) finish() {
	if p.bar != nil && !p.finished {
		_ = p.bar.Finish()
		p.finished = true
	}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// thousands writes n with thousands separators: 1,000,000.
func thousands(n int) string {
	if n < 0 {
		return "-" + thousands(-n)
	}
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// startDemo serves `serve --demo`: on a database with no events it seeds the default demo and
// runs the aggregator once; in any case it prints, once the server listens, the dashboard's
// URL, the admin login and (when it seeded) a demo extension token.
func startDemo(ctx context.Context, cfg config.Config, db *gorm.DB, m *metrics.Metrics, log *slog.Logger, env *Env, generatedPW string) error {
	b := demoBanner{}
	n, err := seeds.CountEvents(ctx, db)
	if err != nil {
		return err
	}
	if n > 0 {
		b.note = fmt.Sprintf("the database has %s events already: --demo seeded nothing", thousands(int(n)))
	} else {
		log.Info("serve --demo: seeding the demo data", "events", seeds.DefaultEvents, "seed", seeds.DefaultSeed)
		res, err := seeds.Seed(ctx, db, seeds.Options{Events: seeds.DefaultEvents, Seed: seeds.DefaultSeed})
		if errors.Is(err, seeds.ErrDemoExists) {
			return fmt.Errorf("serve --demo: %w (demo users with no events: run `seed --reset`)", err)
		}
		if err != nil {
			return fmt.Errorf("serve --demo: %w", err)
		}
		log.Info("serve --demo: seeded", "events", res.Events, "forms", len(res.World.Forms), "users", len(res.Users), "took", res.Elapsed)
		b.token, b.tokenUser = res.Token, res.Users[0].Email
		b.note = fmt.Sprintf("%s events on %s forms for %d demo users", thousands(res.Events), thousands(len(res.World.Forms)), len(res.Users))
		run, err := learning.NewRunner(db, cfg, m, log).Run(ctx, learning.RunParams{Days: cfg.AggregatorDays, Trigger: learning.TriggerCLI})
		var busy *learning.AlreadyRunningError
		switch {
		case errors.As(err, &busy):
			log.Warn("serve --demo: another aggregator run is in progress; the profiles appear when it ends", "run", busy.RunID)
		case err != nil:
			return fmt.Errorf("serve --demo: aggregate: %w", err)
		default:
			b.mix = mixLine(run)
		}
	}
	if b.adminEmail, b.adminPassword, err = demoAdmin(ctx, cfg, db, n == 0, generatedPW); err != nil {
		return err
	}
	// Print at the very end of start-up, when the server listens.
	next := env.Ready
	env.Ready = func(addr string) {
		b.print(env.Out, cfg, addr)
		if next != nil {
			next(addr)
		}
	}
	return nil
}

// demoAdmin says how to sign in to the dashboard: the configured admin, the one generated at
// this start-up (generatedPW), an older one, or (on an empty database with none, as on Postgres
// without ADMIN_EMAIL) a new one made for the demo.
func demoAdmin(ctx context.Context, cfg config.Config, db *gorm.DB, fresh bool, generatedPW string) (email, password string, err error) {
	if cfg.AdminEmail != "" {
		return cfg.AdminEmail, "the ADMIN_PASSWORD you set", nil
	}
	if generatedPW != "" {
		return DefaultAdminEmail, generatedPW + "  (generated now; shown once)", nil
	}
	var u models.User
	err = db.WithContext(ctx).Where("is_admin AND password_hash IS NOT NULL").Order("created_at").Take(&u).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound) && fresh:
		pw := account.RandomPassword()
		if _, err := account.EnsureAdmin(ctx, db, DefaultAdminEmail, pw); err != nil {
			return "", "", err
		}
		return DefaultAdminEmail, pw, nil
	case errors.Is(err, gorm.ErrRecordNotFound):
		return "", "none yet: set ADMIN_EMAIL and ADMIN_PASSWORD, or run `user add --admin`", nil
	case err != nil:
		return "", "", err
	default:
		return u.Email, "unchanged (reset it with ADMIN_EMAIL and ADMIN_PASSWORD)", nil
	}
}

func mixLine(run *models.AggregatorRun) string {
	var parts []string
	for _, s := range sourceShares(run) {
		parts = append(parts, fmt.Sprintf("%s %.0f%%", s.source, s.percent))
	}
	return fmt.Sprintf("%d profiles, hints from %s", run.ProfilesUpdated, strings.Join(parts, ", "))
}

type demoBanner struct {
	note, mix                 string
	adminEmail, adminPassword string
	token, tokenUser          string
}

func (b demoBanner) print(w io.Writer, cfg config.Config, addr string) {
	base := strings.TrimSuffix(cfg.PublicURL, "/")
	if strings.HasSuffix(base, ":0") { // an ephemeral port: say which one it got
		if i := strings.LastIndexByte(addr, ':'); i >= 0 {
			base = strings.TrimSuffix(base, ":0") + addr[i:]
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "ApplyLens Learning is running with demo data.")
	fmt.Fprintf(w, "  Dashboard:   %s/admin\n", base)
	if b.adminEmail != "" {
		fmt.Fprintf(w, "  Admin:       %s\n", b.adminEmail)
	}
	fmt.Fprintf(w, "  Password:    %s\n", b.adminPassword)
	if b.token != "" {
		fmt.Fprintf(w, "  Demo token:  %s  (extension token of %s; shown once)\n", b.token, b.tokenUser)
	}
	fmt.Fprintf(w, "  Demo data:   %s\n", b.note)
	if b.mix != "" {
		fmt.Fprintf(w, "  Aggregated:  %s\n", b.mix)
	}
	fmt.Fprintln(w)
}
