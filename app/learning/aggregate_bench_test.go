package learning_test

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/metrics"
	"github.com/applylens/learning/app/store"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/migrations"
	"github.com/applylens/learning/seeds"
)

// The benchmark's data: the demo generator's realistic events (families, segments, styles,
// ratings, a few field-map variants per form) spread over the last 30 days. BENCH_EVENTS and
// BENCH_FORMS change the first two (benchSize).
const (
	benchEvents = 1_000_000
	benchForms  = 2_000
	benchDays   = 30
)

// benchSize is the number of events and forms to load: BENCH_EVENTS and BENCH_FORMS, else
// benchEvents and benchForms.
func benchSize() (events, forms int, err error) {
	if events, err = storetest.BenchSize("BENCH_EVENTS", benchEvents); err != nil {
		return 0, 0, err
	}
	forms, err = storetest.BenchSize("BENCH_FORMS", benchForms)
	return events, forms, err
}

// BenchmarkAggregate loads 1,000,000 events over 2,000 forms (BENCH_EVENTS, BENCH_FORMS) into
// Postgres once per process, then times, in the same process and on the same data:
//
//   - floor: the bare GROUP BY that reads the window (events per form). Postgres answers it
//     from the (host, schema_hash, created_at) index without reading the table;
//   - heap floor: the same GROUP BY with one column from the rows (SUM(duration_ms)), which
//     must read the table, as anything that looks at the events' content must;
//   - a run: the fold of what changed (nothing here), the window statement on the rollups
//     (statistics and map votes), ranking, every hint, the upserts and the run's bookkeeping;
//   - a full run (aggregate --full): the same after rebuilding the rollups from every event.
//
// It reports the times, each run's ratio to each floor, the full run's events per second, the
// average size of a profile's style_hint JSON (bytes) and, on Linux, the process's peak RSS
// during a run and during a full run (MB, VmHWM reset before each; the load's peak is logged
// apart, since /usr/bin/time's maximum covers the seeding too).
//
//	TEST_DATABASE_URL=postgres://… go test ./app/learning -run '^$' -bench Aggregate -benchtime 3x -timeout 30m
//
// BENCH_DATABASE_URL, when set, is used instead of TEST_DATABASE_URL. At 10,000,000 events
// (BENCH_EVENTS=10000000 BENCH_FORMS=20000 or 300000) the load takes a while and the schema
// several GB; run one benchmark with -benchtime 1x, and the test binary (go test -c) under
// /usr/bin/time -v for the process's peak RSS.
func BenchmarkAggregate(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	cfg, err := config.Load(func(string) string { return "" })
	require.NoError(b, err)
	r := learning.NewRunner(db, cfg, metrics.New(), storetest.Logger(b))
	b.Logf("peak RSS so far (the load): %.0f MB", resetPeakRSS())

	// Warm up: the first run creates the profiles; later runs rewrite them, as in production.
	first, err := r.Run(ctx, learning.RunParams{Days: benchDays})
	require.NoError(b, err)
	require.NotZero(b, first.EventsRead)
	b.Logf("%d profiles, source mix %v over %d events; peak RSS of the first run %.0f MB",
		first.ProfilesUpdated, first.SourceMix.V, first.EventsRead, resetPeakRSS())

	var floor, heap, run, full time.Duration
	var runRSS, fullRSS float64
	var events int64
	for b.Loop() {
		vacuumRollups(b, db)
		// The run's window: whole UTC days (the seed's events all lie in it, however long
		// the load took).
		since := time.Now().UTC().AddDate(0, 0, -benchDays).Truncate(24 * time.Hour)
		start := time.Now()
		forms := groupBy(b, db, "COUNT(*)", since)
		floor += time.Since(start)
		require.NotZero(b, forms)

		start = time.Now()
		require.Equal(b, forms, groupBy(b, db, "SUM(duration_ms)", since))
		heap += time.Since(start)

		resetPeakRSS()
		start = time.Now()
		_, err := r.Run(ctx, learning.RunParams{Days: benchDays})
		run += time.Since(start)
		require.NoError(b, err)
		runRSS = max(runRSS, resetPeakRSS())

		start = time.Now()
		done, err := r.Run(ctx, learning.RunParams{Days: benchDays, Full: true})
		full += time.Since(start)
		require.NoError(b, err)
		fullRSS = max(fullRSS, resetPeakRSS())
		events += done.EventsRead
	}
	n := float64(b.N)
	b.ReportMetric(float64(floor.Milliseconds())/n, "floor-ms/op")
	b.ReportMetric(float64(heap.Milliseconds())/n, "heapfloor-ms/op")
	b.ReportMetric(float64(run.Milliseconds())/n, "run-ms/op")
	b.ReportMetric(float64(full.Milliseconds())/n, "fullrun-ms/op")
	b.ReportMetric(full.Seconds()/heap.Seconds(), "full-x-heapfloor")
	b.ReportMetric(run.Seconds()/heap.Seconds(), "run-x-heapfloor")
	b.ReportMetric(float64(events)/full.Seconds(), "full-events/s")
	var hintBytes float64
	require.NoError(b, db.Raw("SELECT AVG(octet_length(style_hint::text)) FROM form_profiles").Scan(&hintBytes).Error)
	b.ReportMetric(hintBytes, "hint-B/profile")
	// What a run writes when every hint changes, as any run after new data does (the refitted
	// model moves every form's posteriors): its floor against the heap read.
	every := hintFloor(b, db, "style_hint IS NOT NULL")
	b.ReportMetric(float64(every.Milliseconds()), "every-hint-jsonb-ms")
	b.ReportMetric(every.Seconds()/(heap.Seconds()/n), "every-hint-jsonb-x-heapfloor")
	if runRSS > 0 {
		b.ReportMetric(runRSS, "run-peakRSS-MB")
		b.ReportMetric(fullRSS, "fullrun-peakRSS-MB")
		b.Logf("the process's peak RSS over every phase so far: %.0f MB", max(resetPeakRSS(), peakRSS))
	}
}

// peakRSS is the highest peak resetPeakRSS has read: the resets hide it from the kernel's own
// maximum (getrusage, /usr/bin/time), which then covers only the last phase.
var peakRSS float64

// resetPeakRSS returns the process's peak resident set size in MB (VmHWM) since the last reset
// and resets it to the current size (clear_refs 5), after handing the free heap back to the
// system. Outside Linux it returns 0.
func resetPeakRSS() float64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	var kb float64
	for line := range strings.Lines(string(status)) {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			_, _ = fmt.Sscanf(rest, "%f", &kb)
		}
	}
	debug.FreeOSMemory()
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
	peakRSS = max(peakRSS, kb/1024)
	return kb / 1024
}

// BenchmarkAggregateIncremental: on the same data, 10,000 new events arrive (copies of
// existing ones, received now) before each run; it reports the run that folds them (the
// cells they touched) against a full run (aggregate --full) on the same data, and the
// profiles each wrote. It also reports the floor of any run that stores those hints
// (hintFloor): Postgres parsing the incremental run's hints into jsonb, with nothing else.
func BenchmarkAggregateIncremental(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	cfg, err := config.Load(func(string) string { return "" })
	require.NoError(b, err)
	r := learning.NewRunner(db, cfg, metrics.New(), storetest.Logger(b))
	_, err = r.Run(ctx, learning.RunParams{Days: benchDays})
	require.NoError(b, err)

	var inc, full, floor time.Duration
	var written int
	for b.Loop() {
		vacuumRollups(b, db)
		require.NoError(b, db.Exec(`INSERT INTO autofill_events (id, event_id, user_id, host, schema_hash, host_family,
			suggested_map, final_map, gen_style_id, edit_stats, duration_ms, validation_errors, status, feedback_status,
			segment_key, discipline, policy, propensity, created_at, final_map_hash, edit_total)
			SELECT gen_random_uuid(), gen_random_uuid(), user_id, host, schema_hash, host_family, suggested_map, final_map,
				gen_style_id, edit_stats, duration_ms, validation_errors, status, feedback_status, segment_key, discipline,
				policy, propensity, now(), final_map_hash, edit_total
			FROM autofill_events TABLESAMPLE SYSTEM (2) LIMIT 10000`).Error)
		start := time.Now()
		run, err := r.Run(ctx, learning.RunParams{Days: benchDays})
		inc += time.Since(start)
		require.NoError(b, err)
		written += run.HintsChanged
		floor += hintFloor(b, db, "style_hint->>'run_id' = ?", run.ID)

		start = time.Now()
		_, err = r.Run(ctx, learning.RunParams{Days: benchDays, Full: true})
		full += time.Since(start)
		require.NoError(b, err)
	}
	n := float64(b.N)
	b.ReportMetric(float64(inc.Milliseconds())/n, "incremental-ms/op")
	b.ReportMetric(float64(full.Milliseconds())/n, "fullrun-ms/op")
	b.ReportMetric(inc.Seconds()/full.Seconds(), "incremental/full")
	b.ReportMetric(float64(written)/n, "hints-changed/op")
	b.ReportMetric(float64(floor.Milliseconds())/n, "hint-jsonb-ms/op")
}

// hintFloor times, outside the benchmark's clock, what storing the hints of the profiles that
// match where costs Postgres at the least: their text, already in a table of its own, parsed
// into a jsonb column (form_profiles.style_hint's type). No run that stores each changed
// form's hint can take less.
func hintFloor(b *testing.B, db *gorm.DB, where string, args ...any) time.Duration {
	b.Helper()
	b.StopTimer()
	defer b.StartTimer()
	var took time.Duration
	require.NoError(b, db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`CREATE TEMP TABLE floor_text ON COMMIT DROP AS
			SELECT style_hint::text AS hint FROM form_profiles WHERE `+where, args...).Error; err != nil {
			return err
		}
		if err := tx.Exec("CREATE TEMP TABLE floor_jsonb (hint jsonb) ON COMMIT DROP").Error; err != nil {
			return err
		}
		start := time.Now()
		err := tx.Exec("INSERT INTO floor_jsonb SELECT hint::jsonb FROM floor_text").Error
		took = time.Since(start)
		return err
	}))
	return took
}

// vacuumRollups does, before a timed run, what autovacuum does between runs in production: a
// fold deletes and inserts the cells it recounts, a full run every cell, and a run rewrites
// the profiles whose hint changed. The Postgres these benchmarks ran on first had autovacuum
// off: after a few iterations learning_cells held 5.8 million dead rows beside 372,000 live
// ones (1.4 GB), and the run's window statement read them all.
func vacuumRollups(b *testing.B, db *gorm.DB) {
	b.Helper()
	b.StopTimer()
	defer b.StartTimer()
	require.NoError(b, db.Exec("VACUUM ANALYZE learning_cells, learning_map_days, learning_maps, learning_dirty, learning_new, form_profiles").Error)
}

// groupBy runs a bare GROUP BY per form over the window with one aggregate, reads it to the
// end and returns the number of groups. It gets the memory a run gives itself (SET LOCAL
// work_mem and jit in aggregate), so that both hash instead of sorting on disk.
func groupBy(b *testing.B, db *gorm.DB, aggregate string, since time.Time) int {
	groups := 0
	err := db.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL work_mem = '128MB'").Error; err != nil {
			return err
		}
		if err := tx.Exec("SET LOCAL jit = off").Error; err != nil {
			return err
		}
		rows, err := tx.Raw(`SELECT host, schema_hash, `+aggregate+` FROM autofill_events
			WHERE created_at >= ? GROUP BY host, schema_hash`, since).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				host, schema string
				n            sql.NullInt64
			)
			if err := rows.Scan(&host, &schema, &n); err != nil {
				return err
			}
			groups++
		}
		return rows.Err()
	})
	require.NoError(b, err)
	return groups
}

var bench struct {
	once   sync.Once
	db     *gorm.DB
	admin  *sql.DB
	schema string
	keep   bool
	err    error
}

// benchDB returns the benchmark's database, loading it on first use: a schema of its own,
// migrated, with the demo generator's events written by COPY, then vacuumed and analysed.
// TestMain drops it when the process ends. BENCH_SCHEMA names a schema to use instead, which
// is loaded only when it holds no events and is kept afterwards (drop it yourself): a 10M
// load takes longer than the runs it serves.
func benchDB(b *testing.B) *gorm.DB {
	base := os.Getenv("BENCH_DATABASE_URL")
	if base == "" {
		base = os.Getenv("TEST_DATABASE_URL")
	}
	if !strings.HasPrefix(base, "postgres") {
		b.Skip("BenchmarkAggregate needs Postgres: set BENCH_DATABASE_URL or TEST_DATABASE_URL")
	}
	bench.once.Do(func() { bench.err = loadBench(base) })
	require.NoError(b, bench.err)
	return bench.db
}

func loadBench(base string) error {
	ctx := context.Background()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return err
	}
	bench.admin = admin
	bench.schema = fmt.Sprintf("bench_aggregate_%d", os.Getpid())
	create := "CREATE SCHEMA "
	if name := os.Getenv("BENCH_SCHEMA"); name != "" {
		bench.schema, bench.keep, create = name, true, "CREATE SCHEMA IF NOT EXISTS "
	}
	if _, err := admin.ExecContext(ctx, create+pgx.Identifier{bench.schema}.Sanitize()); err != nil {
		return fmt.Errorf("create bench schema: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		return err
	}
	q := u.Query()
	q.Set("search_path", bench.schema)
	u.RawQuery = q.Encode()
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"DATABASE_URL": u.String(), "APP_ENV": "test"}[k]
	})
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	bench.db = db
	if err := migrations.Up(ctx, db); err != nil {
		return err
	}
	var loaded int64
	if err := db.Raw("SELECT COUNT(*) FROM (SELECT 1 FROM autofill_events LIMIT 1) t").Scan(&loaded).Error; err != nil {
		return err
	}
	if loaded > 0 {
		fmt.Fprintf(os.Stderr, "bench: schema %s is loaded already: using its events\n", bench.schema)
		return nil
	}
	events, forms, err := benchSize()
	if err != nil {
		return err
	}
	start := time.Now()
	res, err := seeds.Seed(ctx, db, seeds.Options{Events: events, Forms: forms, Days: benchDays, Seed: seeds.DefaultSeed})
	if err != nil {
		return fmt.Errorf("load bench events: %w", err)
	}
	seeded := time.Since(start)
	start = time.Now()
	if err := db.Exec("VACUUM ANALYZE autofill_events").Error; err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bench: seeded %d events over %d forms in %s (writing them %s, %.0f events/s), vacuum analyze %s\n",
		res.Events, len(res.World.Forms), seeded.Round(time.Second), res.Elapsed.Round(time.Second),
		float64(res.Events)/res.Elapsed.Seconds(), time.Since(start).Round(time.Second))
	return nil
}

// dropBench removes the benchmark's schema, if one was made.
func dropBench() {
	if bench.admin == nil {
		return
	}
	if bench.db != nil {
		store.Close(bench.db)
	}
	if bench.keep {
		fmt.Fprintf(os.Stderr, "bench: schema %s kept\n", bench.schema)
		_ = bench.admin.Close()
		return
	}
	_, _ = bench.admin.Exec("DROP SCHEMA IF EXISTS " + bench.schema + " CASCADE")
	_ = bench.admin.Close()
}

func TestMain(m *testing.M) {
	code := m.Run()
	dropBench()
	os.Exit(code)
}
