package seeds_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/seeds"
)

// BenchmarkSeed times a full seeding run into a fresh, migrated database of each backend
// (every index in place, one transaction). SEED_BENCH_EVENTS sets its size (default
// 1,000,000 on Postgres, 100,000 on SQLite); run it with -benchtime 1x:
//
//	TEST_DATABASE_URL=… go test ./seeds -run '^$' -bench Seed -benchtime 1x
//
// On Postgres it then copies the seeded events into another fresh database with a bare COPY
// of their binary dump, with the seed's own index and key handling (seeds.CopyBaseline), and
// reports that COPY's rows per second and the seed's share of it (seed-%-of-copy). The dump
// needs about as much disk under $TMPDIR as the events table.
func BenchmarkSeed(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			n := 100_000
			if be.Name == "postgres" {
				n = 1_000_000
			}
			n, err := storetest.BenchSize("SEED_BENCH_EVENTS", n)
			require.NoError(b, err)
			var total time.Duration
			var db *gorm.DB
			for b.Loop() {
				b.StopTimer()
				db = be.New(b)
				b.StartTimer()
				res, err := seeds.Seed(context.Background(), db, seeds.Options{Events: n, Seed: seeds.DefaultSeed})
				require.NoError(b, err)
				require.Equal(b, n, res.Events)
				total += res.Elapsed
			}
			seeded := float64(n) * float64(b.N) / total.Seconds()
			b.ReportMetric(seeded, "events/s")
			if be.Name != "postgres" {
				return
			}
			b.StopTimer()
			rows, took, err := seeds.CopyBaseline(context.Background(), db, be.New(b), b.TempDir())
			require.NoError(b, err)
			require.Equal(b, int64(n), rows)
			copied := float64(rows) / took.Seconds()
			b.Logf("seed: %d events in %s (%.0f/s); bare COPY: %s (%.0f/s)", n, (total / time.Duration(b.N)).Round(time.Second), seeded, took.Round(time.Second), copied)
			b.ReportMetric(copied, "copy-events/s")
			b.ReportMetric(100*seeded/copied, "seed-%-of-copy")
		})
	}
}
