package admin_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/admin"
	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/store"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/migrations"
	"github.com/applylens/learning/seeds"
)

// benchEvents is the size of the overview benchmark's database unless BENCH_EVENTS says
// otherwise; BENCH_FORMS sets its forms (default: the generator's one per 32 events).
const benchEvents = 1_000_000

// benchSchema keeps the benchmark's data between runs (loading a million events takes a
// while); BENCH_RELOAD=1 rebuilds it. Other sizes get a schema named after theirs
// (benchSchemaFor); nothing drops them but BENCH_RELOAD and DROP SCHEMA.
const benchSchema = "bench_dashboard_1m"

// benchSchemaFor names the schema that keeps a database of this size.
func benchSchemaFor(events, forms int) string {
	if events == benchEvents && forms == 0 {
		return benchSchema
	}
	return fmt.Sprintf("bench_dashboard_%d_%d", events, forms)
}

// benchDB opens the benchmark's Postgres schema, loading it when it does not hold its events
// yet: the demo generator's events (COPY) over 90 days, aggregated once with the default 30-day
// window, and the dashboard's rollup built.
func benchDB(b *testing.B) (*gorm.DB, config.Config) {
	b.Helper()
	events, err := storetest.BenchSize("BENCH_EVENTS", benchEvents)
	require.NoError(b, err)
	forms, err := storetest.BenchSize("BENCH_FORMS", 0)
	require.NoError(b, err)
	schema := benchSchemaFor(events, forms)
	dsn := os.Getenv("BENCH_DATABASE_URL")
	if dsn == "" {
		dsn = os.Getenv("TEST_DATABASE_URL")
	}
	if dsn == "" {
		b.Skip("set BENCH_DATABASE_URL (or TEST_DATABASE_URL) to a Postgres database to run the overview benchmark")
	}
	ctx := context.Background()
	adm, err := sql.Open("pgx", dsn)
	require.NoError(b, err)
	defer adm.Close()
	if os.Getenv("BENCH_RELOAD") == "1" {
		_, err = adm.ExecContext(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
		require.NoError(b, err)
	}
	_, err = adm.ExecContext(ctx, "CREATE SCHEMA IF NOT EXISTS "+schema)
	require.NoError(b, err)

	u, err := url.Parse(dsn)
	require.NoError(b, err)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	cfg := testConfig(b, map[string]string{"DATABASE_URL": u.String()})
	db, err := store.Open(ctx, cfg, storetest.Logger(b))
	require.NoError(b, err)
	b.Cleanup(func() { store.Close(db) })
	require.NoError(b, migrations.Up(ctx, db))

	var n int64
	require.NoError(b, db.Table("autofill_events").Count(&n).Error)
	if n < int64(events) {
		start := time.Now()
		res, err := seeds.Seed(ctx, db, seeds.Options{Events: events, Forms: forms, Days: 90, Users: 1000, Seed: 1, Reset: true, Force: true})
		require.NoError(b, err)
		b.Logf("loaded %d events over %d forms in %s", events, len(res.World.Forms), time.Since(start).Round(time.Millisecond))
		start = time.Now()
		_, err = learning.NewRunner(db, cfg, nil, storetest.Logger(b)).Run(ctx, learning.RunParams{Days: 30, Trigger: learning.TriggerCLI})
		require.NoError(b, err)
		b.Logf("aggregated in %s", time.Since(start).Round(time.Millisecond))
	}
	start := time.Now()
	_, err = report.Rebuild(ctx, db)
	require.NoError(b, err)
	b.Logf("rollup rebuilt in %s", time.Since(start).Round(time.Millisecond))
	// What autovacuum does on a live server: statistics and visibility maps.
	require.NoError(b, db.Exec("VACUUM ANALYZE").Error)
	return db, cfg
}

// BenchmarkOverview renders the overview through the real engine (session check, queries,
// templ) on a million events (BENCH_EVENTS, BENCH_FORMS: see benchEvents), per window, and
// reports the median and p95 of one render.
//
//	BENCH_DATABASE_URL=postgres://… go test ./app/admin -run '^$' -bench Overview -timeout 60m
func BenchmarkOverview(b *testing.B) {
	db, cfg := benchDB(b)
	e, _ := newEngine(b, db, cfg)
	c := newClient(b, e)
	c.login()
	for _, days := range report.WindowDays {
		b.Run(fmt.Sprintf("days=%d", days), func(b *testing.B) {
			path := fmt.Sprintf("%s?days=%d", admin.PathOverview, days)
			r := c.get(path)
			require.Equal(b, http.StatusOK, r.StatusCode)
			require.Greater(b, number(b, text(byTestID(r.Doc, "card-events"), "value")), int64(0))
			var took []time.Duration
			b.ResetTimer()
			for b.Loop() {
				start := time.Now()
				r := c.get(path)
				took = append(took, time.Since(start))
				if r.StatusCode != http.StatusOK {
					b.Fatalf("GET %s: %d", path, r.StatusCode)
				}
			}
			reportPercentiles(b, took)
		})
	}
	// The worst case: the first render after an aggregator run (or a new profile) recomputes
	// the profile mix from every hint. A run row that changes state each time forces it.
	b.Run("days=30/after-a-run", func(b *testing.B) {
		path := admin.PathOverview + "?days=30"
		id := "bench-" + time.Now().Format("150405.000000")
		run := models.AggregatorRun{ID: id, Trigger: learning.TriggerCLI, Days: 30, Status: learning.StatusOK,
			StartedAt: time.Now().UTC().Add(time.Hour), HeartbeatAt: time.Now().UTC(), SourceMix: models.NewJSON(map[string]int{})}
		require.NoError(b, db.Create(&run).Error)
		b.Cleanup(func() { db.Where("id = ?", id).Delete(&models.AggregatorRun{}) })
		var took []time.Duration
		i := 0
		for b.Loop() {
			i++
			b.StopTimer()
			require.NoError(b, db.Model(&models.AggregatorRun{}).Where("id = ?", id).Update("status", fmt.Sprintf("ok%d", i%2)).Error)
			b.StartTimer()
			start := time.Now()
			if r := c.get(path); r.StatusCode != http.StatusOK {
				b.Fatalf("GET %s: %d", path, r.StatusCode)
			}
			took = append(took, time.Since(start))
		}
		reportPercentiles(b, took)
	})
}

func reportPercentiles(b *testing.B, took []time.Duration) {
	slices.Sort(took)
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	b.ReportMetric(ms(took[len(took)/2]), "median-ms")
	b.ReportMetric(ms(took[(len(took)*95)/100]), "p95-ms")
}
