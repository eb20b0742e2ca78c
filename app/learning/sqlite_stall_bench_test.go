package learning_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/metrics"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/store"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/migrations"
	"github.com/applylens/learning/seeds"
)

// stallEvents is the size of the SQLite stall benchmark's database: the size at which issue 13
// saw a run stall writes and dashboard reads for 4–6 s.
const stallEvents = 320_000

// Each probe (a sync, a dashboard read) waits probeEvery after the previous one ends; the
// baseline probes for baselineFor with no run.
const (
	probeEvery  = 10 * time.Millisecond
	baselineFor = 10 * time.Second
)

// BenchmarkSQLiteWritesDuringRun measures what an aggregator run does to the service on SQLite,
// which has one writer. It seeds the demo's events into a temporary SQLite file, runs the
// aggregator once (the profiles exist, as in production) and builds the dashboard's rollup.
// Then, for each way of writing a run (in one transaction; in pieces, the default), each
// iteration probes with a sync (learning.SaveEvents of five events of a seeded form, as the
// ingest handler calls it) every 10 ms and a dashboard read (report.LoadOverview, the overview
// page's queries, with one MixCache as serve has) every 10 ms: first for 10 s with no run (the
// baseline), then while a run proceeds. It reports the run's duration, its write phase (from its
// first progress report to its end), and the max and p99 latency of the syncs and the reads
// during the run and in the baseline.
//
// It runs only when BENCH_SQLITE_EVENTS is set: to a number of events, or to "default" for
// 320,000 (seeding them takes minutes):
//
//	BENCH_SQLITE_EVENTS=default go test ./app/learning -run '^$' -bench SQLiteWritesDuringRun -benchtime 1x -timeout 60m
func BenchmarkSQLiteWritesDuringRun(b *testing.B) {
	n := stallSize(b)
	ctx := context.Background()
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"DATABASE_URL": "sqlite:" + filepath.Join(b.TempDir(), "stall.db"), "APP_ENV": "test"}[k]
	})
	require.NoError(b, err)
	db, err := store.Open(ctx, cfg, storetest.Logger(b))
	require.NoError(b, err)
	b.Cleanup(func() { store.Close(db) })
	require.NoError(b, migrations.Up(ctx, db))
	start := time.Now()
	seeded, err := seeds.Seed(ctx, db, seeds.Options{Events: n, Seed: seeds.DefaultSeed})
	require.NoError(b, err)
	b.Logf("seeded %d events in %s", seeded.Events, time.Since(start).Round(time.Millisecond))
	r := learning.NewRunner(db, cfg, metrics.New(), storetest.Logger(b))
	first, err := r.Run(ctx, learning.RunParams{Days: 30, Trigger: learning.TriggerCLI})
	require.NoError(b, err)
	b.Logf("first run (%s policy): %d events, %d profiles in %d ms", cfg.LearningPolicy, first.EventsRead, first.ProfilesUpdated, *first.DurationMS)
	_, err = report.Rebuild(ctx, db)
	require.NoError(b, err)

	mix := &report.MixCache{}
	read := func() error {
		_, err := report.LoadOverview(ctx, db, mix, 30, time.Now().UTC())
		return err
	}
	write := syncWrite(b, db, seeded.Users[0].ID)

	for _, mode := range []struct {
		name   string
		pieces bool
	}{{"one-transaction", false}, {"pieces", true}} {
		b.Run(mode.name, func(b *testing.B) {
			defer learning.SetSQLiteInPieces(mode.pieces)()
			var base, during probes
			var runs, writing time.Duration
			for b.Loop() {
				// The first read after a run recomputes the profile mix: do it before the baseline.
				require.NoError(b, read())
				base.add(probe(baselineFor, read, write))
				run, took, wrote := runProbed(b, r, &during, read, write)
				require.Equal(b, learning.StatusOK, run.Status, "run error: %v", run.Error)
				runs += took
				writing += wrote
			}
			iters := time.Duration(b.N)
			b.ReportMetric(ms(runs/iters), "run-ms")
			b.ReportMetric(ms(writing/iters), "writephase-ms")
			during.report(b, "run")
			base.report(b, "base")
		})
	}
}

// runProbed runs the aggregator while probing, adds the probes' latencies to p, and returns
// the finished run, its duration and the duration of its write phase (from its first progress
// report, which comes when it starts writing, to its end).
func runProbed(b *testing.B, r *learning.Runner, p *probes, read, write func() error) (*models.AggregatorRun, time.Duration, time.Duration) {
	ctx := context.Background()
	stop := make(chan struct{})
	done := make(chan probes)
	go func() { done <- probeUntil(stop, read, write) }()
	began := time.Now()
	id, err := r.Start(ctx, learning.RunParams{Days: 30, Trigger: learning.TriggerCLI})
	require.NoError(b, err)
	var writing time.Time
	for {
		run, err := r.Get(ctx, id)
		require.NoError(b, err)
		if run.Status != learning.StatusRunning {
			end := time.Now()
			close(stop)
			p.add(<-done)
			require.False(b, writing.IsZero(), "the run never reported writing")
			return run, end.Sub(began), end.Sub(writing)
		}
		if writing.IsZero() && run.FormsTotal > 0 {
			writing = time.Now()
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// stallSize reads BENCH_SQLITE_EVENTS, or skips.
func stallSize(b *testing.B) int {
	v := os.Getenv("BENCH_SQLITE_EVENTS")
	switch v {
	case "":
		b.Skip("set BENCH_SQLITE_EVENTS (a number of events, or default for 320000) to run the SQLite stall benchmark")
	case "default":
		return stallEvents
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1000 {
		b.Fatalf("BENCH_SQLITE_EVENTS must be default or a number of events of at least 1000 (got %q)", v)
	}
	return n
}

// syncWrite stores a batch of five new events of a seeded form, as a sync does.
func syncWrite(b *testing.B, db *gorm.DB, userID string) func() error {
	var form models.FormProfile
	require.NoError(b, db.Order("host, schema_hash").Take(&form).Error)
	return func() error {
		batch := make([]models.AutofillEvent, 5)
		for i := range batch {
			batch[i] = models.AutofillEvent{Host: form.Host, SchemaHash: form.SchemaHash, Status: "ok"}
		}
		_, err := learning.SaveEvents(context.Background(), db, userID, batch, nil)
		return err
	}
}

// probes are the latencies of the reads and the writes of a window.
type probes struct{ reads, writes []time.Duration }

func (p *probes) add(q probes) {
	p.reads = append(p.reads, q.reads...)
	p.writes = append(p.writes, q.writes...)
}

func (p *probes) report(b *testing.B, prefix string) {
	for _, s := range []struct {
		name string
		took []time.Duration
	}{{"write", p.writes}, {"read", p.reads}} {
		slices.Sort(s.took)
		require.NotEmpty(b, s.took)
		b.ReportMetric(ms(s.took[len(s.took)-1]), prefix+"-"+s.name+"-max-ms")
		b.ReportMetric(ms(s.took[(len(s.took)*99)/100]), prefix+"-"+s.name+"-p99-ms")
		b.ReportMetric(float64(len(s.took)), prefix+"-"+s.name+"s")
	}
}

// probe measures reads and writes for d.
func probe(d time.Duration, read, write func() error) probes {
	stop := make(chan struct{})
	time.AfterFunc(d, func() { close(stop) })
	return probeUntil(stop, read, write)
}

// probeUntil calls read and write, each in its own loop with probeEvery between a call's end
// and the next's start, until stop is closed, and returns their latencies. A call that fails
// panics: the benchmark measures a service that works.
func probeUntil(stop <-chan struct{}, read, write func() error) probes {
	var p probes
	var wg sync.WaitGroup
	loop := func(op func() error, took *[]time.Duration) {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			start := time.Now()
			if err := op(); err != nil {
				panic(err)
			}
			*took = append(*took, time.Since(start))
			select {
			case <-stop:
				return
			case <-time.After(probeEvery):
			}
		}
	}
	wg.Add(2)
	go loop(read, &p.reads)
	go loop(write, &p.writes)
	wg.Wait()
	return p
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
