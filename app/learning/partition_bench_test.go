package learning_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/seeds"
)

// BenchmarkRetention compares the two ways retention removes a month of events on Postgres:
// dropping its partition (learning.DropPartitions, then PurgeEvents for what is left and the
// replay keys) against deleting its rows by range in batches (PurgeEvents alone, as SQLite and
// an unpartitioned table do). Each iteration seeds BENCH_RETAIN_EVENTS demo events (default
// 100,000, over the last 20 days: all in the first partition) into a fresh schema, untimed,
// then removes every one of them. Both variants include deleting the keys.
//
//	TEST_DATABASE_URL=postgres://… go test ./app/learning -run '^$' -bench Retention -benchtime 3x
func BenchmarkRetention(b *testing.B) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		b.Skip("set TEST_DATABASE_URL to a Postgres database")
	}
	events, err := storetest.BenchSize("BENCH_RETAIN_EVENTS", 100_000)
	require.NoError(b, err)
	pg := storetest.Backend{Name: "postgres"}
	ctx := context.Background()
	for _, drop := range []bool{true, false} {
		name := "delete"
		if drop {
			name = "drop"
		}
		b.Run(name, func(b *testing.B) {
			var took, dropping time.Duration
			for range b.N {
				b.StopTimer()
				db := pg.New(b)
				_, err := seeds.Seed(ctx, db, seeds.Options{Events: events, Days: 20, Seed: seeds.DefaultSeed})
				require.NoError(b, err)
				require.NoError(b, db.Exec("VACUUM ANALYZE autofill_events").Error)
				// The first partition ends on the first of the month after tomorrow (the
				// template's conversion): every seeded row is before it.
				t := time.Now().UTC().Add(24 * time.Hour)
				bound := time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
				b.StartTimer()
				start := time.Now()
				if drop {
					dropped, err := learning.DropPartitions(ctx, db, bound)
					require.NoError(b, err)
					require.Contains(b, dropped, "autofill_events_history")
					dropping += time.Since(start)
				}
				deleted, err := learning.PurgeEvents(ctx, db, bound)
				require.NoError(b, err)
				took += time.Since(start)
				b.StopTimer()
				if !drop {
					require.EqualValues(b, events, deleted)
				}
				var left int64
				require.NoError(b, db.Raw("SELECT (SELECT COUNT(*) FROM autofill_events) + (SELECT COUNT(*) FROM autofill_event_keys)").Scan(&left).Error)
				require.Zero(b, left)
				b.StartTimer()
			}
			b.ReportMetric(float64(events*b.N)/took.Seconds(), "events/s")
			if drop {
				b.ReportMetric(float64(dropping.Milliseconds())/float64(b.N), "drop-ms/op") // the rest: the keys' delete
			}
		})
	}
}
