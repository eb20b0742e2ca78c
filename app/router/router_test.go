package router_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/metrics"
	"github.com/applylens/learning/app/router"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/migrations"
)

func TestHealthReadinessAndBasics(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		db, _ := b.Open(t)
		cfg, err := config.Load(func(k string) string {
			return map[string]string{"APP_ENV": "test", "METRICS_TOKEN": "m-secret"}[k]
		})
		require.NoError(t, err)
		e, err := router.New(router.Deps{Config: cfg, DB: db, Log: storetest.Logger(t), Metrics: metrics.New()})
		require.NoError(t, err)
		get := func(path string, header ...string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			if len(header) == 2 {
				req.Header.Set(header[0], header[1])
			}
			w := httptest.NewRecorder()
			e.ServeHTTP(w, req)
			return w
		}

		require.Equal(t, http.StatusOK, get("/healthz").Code)
		w := get("/readyz")
		require.Equal(t, http.StatusServiceUnavailable, w.Code, "an unmigrated schema is not ready")
		require.Contains(t, w.Body.String(), "schema is behind: run `migrate up`")

		require.NoError(t, migrations.Up(context.Background(), db))
		w = get("/readyz")
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		require.Contains(t, w.Body.String(), `"status":"ready"`)
		require.NotEmpty(t, w.Header().Get("X-Request-ID"))
		require.Equal(t, "abc-123", get("/healthz", "X-Request-ID", "abc-123").Header().Get("X-Request-ID"))

		require.Equal(t, http.StatusUnauthorized, get("/metrics").Code)
		w = get("/metrics", "Authorization", "Bearer m-secret")
		require.Equal(t, http.StatusOK, w.Code)
		require.Contains(t, w.Body.String(), `applylens_http_requests_total{method="GET",route="/readyz",status="200"}`)

		// Made-up methods do not grow the label set.
		for _, m := range []string{"ZZZA", "ZZZB"} {
			e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(m, "/healthz", nil))
		}
		w = get("/metrics", "Authorization", "Bearer m-secret")
		require.NotContains(t, w.Body.String(), "ZZZA")
		require.Contains(t, w.Body.String(), `applylens_http_requests_total{method="OTHER",route="unmatched",status="405"} 2`)

		w = get("/static/htmx.min.js")
		require.Equal(t, http.StatusOK, w.Code)
		require.True(t, strings.HasPrefix(w.Body.String(), "var htmx"))

		w = get("/api/nope")
		require.Equal(t, http.StatusNotFound, w.Code)
		require.Contains(t, w.Body.String(), `"error":"no such page: /api/nope"`)

		// A closed database makes readyz say so, without SQL in the reply.
		sqlDB, _ := db.DB()
		require.NoError(t, sqlDB.Close())
		w = get("/readyz")
		require.Equal(t, http.StatusServiceUnavailable, w.Code)
		require.Contains(t, w.Body.String(), "database does not answer")
	})
}

// TestReadyWhileAdopting: once the steps are applied the service is ready while the adoption
// backfill fills the rows, and /readyz says how far it is; when it is done it no longer says so.
func TestReadyWhileAdopting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		storetest.Adopting(t, db, 5)
		cfg, err := config.Load(func(k string) string { return map[string]string{"APP_ENV": "test"}[k] })
		require.NoError(t, err)
		e, err := router.New(router.Deps{Config: cfg, DB: db, Log: storetest.Logger(t), Metrics: metrics.New()})
		require.NoError(t, err)
		ready := func() map[string]any {
			w := httptest.NewRecorder()
			e.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			require.Equal(t, http.StatusOK, w.Code, w.Body.String())
			var reply map[string]any
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &reply))
			return reply
		}
		require.Equal(t, map[string]any{"rows_done": 0.0, "rows_total": 0.0, "percent": 0.0}, ready()["backfill"])
		_, err = migrations.RunBackfill(context.Background(), db, true, nil)
		require.NoError(t, err)
		reply := ready()
		require.Equal(t, "ready", reply["status"])
		require.NotContains(t, reply, "backfill")
	})
}
