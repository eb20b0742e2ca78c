package seeds_test

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/seeds"
)

// BenchmarkSeed times a full seeding run into a fresh, migrated database of each backend
// (every index in place, one transaction). SEED_BENCH_EVENTS sets its size (default
// 1,000,000 on Postgres, 100,000 on SQLite); run it with -benchtime 1x:
//
//	TEST_DATABASE_URL=… go test ./seeds -run '^$' -bench Seed -benchtime 1x
func BenchmarkSeed(b *testing.B) {
	for _, be := range storetest.Backends() {
		b.Run(be.Name, func(b *testing.B) {
			n := 100_000
			if be.Name == "postgres" {
				n = 1_000_000
			}
			if s := os.Getenv("SEED_BENCH_EVENTS"); s != "" {
				var err error
				n, err = strconv.Atoi(s)
				require.NoError(b, err)
			}
			var total time.Duration
			for b.Loop() {
				b.StopTimer()
				db := be.New(b)
				b.StartTimer()
				res, err := seeds.Seed(context.Background(), db, seeds.Options{Events: n, Seed: seeds.DefaultSeed})
				require.NoError(b, err)
				require.Equal(b, n, res.Events)
				total += res.Elapsed
			}
			b.ReportMetric(float64(n)*float64(b.N)/total.Seconds(), "events/s")
		})
	}
}
