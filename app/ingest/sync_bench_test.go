package ingest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/ingest"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/metrics"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/router"
	"github.com/applylens/learning/app/store/storetest"
)

const benchBatch = 50

// benchBody is a realistic 50-event batch with fresh event ids.
func benchBody(i int) []byte {
	titles := []string{"Senior Backend Engineer", "Software Engineer", "Junior Data Analyst", "Summer Intern", ""}
	styles := []string{"concise_bullets_v1", "narrative_para_v1", "confident_detailed_v1"}
	events := make([]map[string]any, benchBatch)
	for j := range events {
		host := fmt.Sprintf("acme%d.wd5.myworkdayjobs.com", (i*benchBatch+j)%200)
		e := map[string]any{
			"event_id": uuid.NewString(), "host": host, "schema_hash": fmt.Sprintf("wd-%d", j%7),
			"suggested_map": map[string]string{"#first": "first_name", "#last": "last_name", "#email": "email"},
			"final_map":     map[string]string{"#first": "first_name", "#last": "last_name", "#email": "email", "#phone": "phone"},
			"gen_style_id":  styles[j%3], "policy": "exploit", "status": "ok", "duration_ms": 2000 + j,
			"edit_stats": map[string]any{"total_chars_added": j, "total_chars_deleted": 3, "per_field": map[string]any{}},
		}
		if t := titles[j%len(titles)]; t != "" {
			e["job"] = map[string]any{"title": t}
		}
		events[j] = e
	}
	b, _ := json.Marshal(map[string]any{"host": "acme0.wd5.myworkdayjobs.com", "schema_hash": "wd-0", "events": events})
	return b
}

// BenchmarkSync posts 50-event batches through the real engine to Postgres, next to a bare
// multi-row INSERT of the same rows in the same run. Both report events/s.
//
//	TEST_DATABASE_URL=postgres://… go test ./app/ingest -run '^$' -bench Sync -benchtime 200x
func BenchmarkSync(b *testing.B) {
	if os.Getenv("TEST_DATABASE_URL") == "" {
		b.Skip("set TEST_DATABASE_URL to a Postgres database")
	}
	pg := storetest.Backend{Name: "postgres"}
	db := pg.New(b)
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"APP_ENV": "test", "API_RATE_LIMIT_PER_MIN": "0", "LOG_LEVEL": "error"}[k]
	})
	require.NoError(b, err)
	engine, err := router.New(router.Deps{Config: cfg, DB: db, Log: storetest.Logger(b), Metrics: metrics.New()})
	require.NoError(b, err)
	u, err := account.CreateUser(b.Context(), db, account.NewUser{Email: "bench@example.com"})
	require.NoError(b, err)
	tok, err := account.IssueToken(b.Context(), db, u.ID, "bench")
	require.NoError(b, err)

	b.Run("api", func(b *testing.B) {
		bodies := make([][]byte, b.N)
		for i := range bodies {
			bodies[i] = benchBody(i)
		}
		b.ResetTimer()
		start := time.Now()
		for i := 0; i < b.N; i++ {
			req := httptest.NewRequest(http.MethodPost, ingest.PathSync, bytes.NewReader(bodies[i]))
			req.Header.Set("Authorization", "Bearer "+tok.Plain)
			req.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			engine.ServeHTTP(w, req)
			if w.Code != http.StatusAccepted {
				b.Fatalf("status %d: %s", w.Code, w.Body.String())
			}
		}
		b.ReportMetric(float64(b.N*benchBatch)/time.Since(start).Seconds(), "events/s")
	})

	b.Run("bare_insert", func(b *testing.B) {
		// The same rows as the API stores (every column gorm writes), as one multi-row INSERT.
		columns := []string{"id", "event_id", "user_id", "host", "schema_hash", "host_family", "suggested_map", "final_map",
			"gen_style_id", "edit_stats", "duration_ms", "validation_errors", "status", "application_id", "feedback_status",
			"edit_chars", "segment_key", "policy", "propensity", "occurred_at", "feedback_at", "created_at",
			"final_map_hash", "edit_total"}
		stmts := make([]string, b.N)
		args := make([][]any, b.N)
		for i := 0; i < b.N; i++ {
			var req struct{ Events []map[string]any }
			require.NoError(b, json.Unmarshal(benchBody(i), &req))
			var rows []string
			for j, e := range req.Events {
				ph := make([]string, len(columns))
				for k := range ph {
					ph[k] = fmt.Sprintf("$%d", j*len(columns)+k+1)
				}
				rows = append(rows, "("+strings.Join(ph, ",")+")")
				sm, _ := json.Marshal(e["suggested_map"])
				fm, _ := json.Marshal(e["final_map"])
				es, _ := json.Marshal(e["edit_stats"])
				var seg any
				if job, ok := e["job"].(map[string]any); ok {
					seg = learning.SegmentOf(job["title"].(string))
				}
				var finalMap models.StringMap
				require.NoError(b, json.Unmarshal(fm, &finalMap))
				edits := int(e["edit_stats"].(map[string]any)["total_chars_added"].(float64)) + 3
				args[i] = append(args[i], uuid.Must(uuid.NewV7()).String(), e["event_id"], u.ID, e["host"], e["schema_hash"], "workday",
					string(sm), string(fm), e["gen_style_id"], string(es), e["duration_ms"], "{}", "ok", nil, nil,
					nil, seg, "exploit", nil, nil, nil, time.Now().UTC(), learning.FinalMapHash(finalMap), edits)
			}
			stmts[i] = "INSERT INTO autofill_events (" + strings.Join(columns, ",") + ") VALUES " + strings.Join(rows, ",")
		}
		sqlDB, err := db.DB()
		require.NoError(b, err)
		b.ResetTimer()
		start := time.Now()
		for i := 0; i < b.N; i++ {
			if _, err := sqlDB.Exec(stmts[i], args[i]...); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*benchBatch)/time.Since(start).Seconds(), "events/s")
	})
}
