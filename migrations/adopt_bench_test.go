package migrations_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/migrations"
	"github.com/applylens/learning/seeds"
)

// legacyEvents fills a Phase 5.0 database of the original service with n events over four
// hosts (three families and a career site), 2,000 forms and 60 days, two users, three styles,
// ratings on two thirds: what a production database of the original service holds.
const legacyEvents = `INSERT INTO autofill_events (user_id, host, schema_hash, suggested_map, final_map, gen_style_id,
	edit_stats, duration_ms, status, created_at, feedback_status, edit_chars)
SELECT CASE WHEN g % 2 = 0 THEN 'u-7f3c2a' ELSE '109876543210987654321' END,
	(ARRAY['boards.greenhouse.io','jobs.lever.co','acme.wd5.myworkdayjobs.com','careers.example.com'])[1 + g % 4],
	'form-' || (g % 2000),
	'{"input[name=first_name]":"first_name"}',
	jsonb_build_object('input[name=first_name]', 'first_name', 'input[name=email]', CASE WHEN g % 7 = 0 THEN 'email' ELSE 'mail' END),
	(ARRAY['concise_bullets_v1','narrative_para_v1','confident_detailed_v1'])[1 + g % 3],
	jsonb_build_object('total_chars_added', g % 50, 'total_chars_deleted', g % 13, 'per_field', '{}'::jsonb),
	1000 + g % 2000, 'ok', now() - (g % 60) * interval '1 day' - (g % 86400) * interval '1 second',
	(ARRAY['helpful','unhelpful',NULL])[1 + g % 3], g % 40
FROM generate_series(1, ?) g`

// BenchmarkAdoptLegacy adopts a database of the original service (the Phase 5.0 fixture and
// BENCH_LEGACY_EVENTS generated events, default 1,000,000) on Postgres, as `migrate up` and a
// serving replica do, and reports:
//
//   - schema_s: the steps (migrate up's first part), after which the schema is current and serve
//     answers /readyz;
//
//   - backfill_s and backfill_rows/s: the backfill of the rows' new columns that follows;
//
//   - sync_p50_ms and sync_max_ms: one event stored through the writers every 100 ms while the
//     backfill runs (the service serves meanwhile).
//
//     TEST_DATABASE_URL=postgres://… go test ./migrations -run '^$' -bench AdoptLegacy -benchtime 1x -timeout 30m
func BenchmarkAdoptLegacy(b *testing.B) {
	pg := storetest.Postgres(b, "the legacy fixture is a Postgres dump")
	n := 1_000_000
	if s := os.Getenv("BENCH_LEGACY_EVENTS"); s != "" {
		var err error
		n, err = strconv.Atoi(s)
		require.NoError(b, err, "BENCH_LEGACY_EVENTS")
	}
	ctx := context.Background()
	var schema, backfill time.Duration
	var syncs []time.Duration
	for b.Loop() {
		b.StopTimer()
		db, _ := pg.Open(b)
		require.NoError(b, db.Exec(string(storetest.Testdata(b, "legacy_phase50_postgres.sql"))).Error)
		require.NoError(b, db.Exec(legacyEvents, n).Error)
		require.NoError(b, db.Exec("VACUUM ANALYZE autofill_events").Error)
		b.StartTimer()

		start := time.Now()
		require.NoError(b, migrations.UpSchema(ctx, db))
		st, err := migrations.ReadStatus(ctx, db)
		require.NoError(b, err)
		require.True(b, st.Current(), "ready: /readyz answers 200")
		require.True(b, st.Backfill.Pending)
		schema += time.Since(start)

		stop := make(chan struct{})
		var wg sync.WaitGroup
		var syncErr error
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(100 * time.Millisecond):
				}
				t0 := time.Now()
				if _, err := seeds.Insert(ctx, db, []seeds.Ev{{Host: "boards.greenhouse.io", SchemaHash: "form-1"}}); err != nil {
					syncErr = err
					return
				}
				syncs = append(syncs, time.Since(t0))
			}
		})
		start = time.Now()
		done, err := migrations.RunBackfill(ctx, db, true, nil)
		backfill += time.Since(start)
		close(stop)
		wg.Wait()
		require.NoError(b, err)
		require.NoError(b, syncErr, "a write during the backfill")
		require.False(b, done.Pending)
	}
	b.ReportMetric(schema.Seconds()/float64(b.N), "schema_s")
	b.ReportMetric(backfill.Seconds()/float64(b.N), "backfill_s")
	b.ReportMetric(float64(n)*float64(b.N)/backfill.Seconds(), "backfill_rows/s")
	if len(syncs) > 0 {
		slices.Sort(syncs)
		b.ReportMetric(float64(syncs[len(syncs)/2].Microseconds())/1000, "sync_p50_ms")
		b.ReportMetric(float64(syncs[len(syncs)-1].Microseconds())/1000, "sync_max_ms")
	}
}
