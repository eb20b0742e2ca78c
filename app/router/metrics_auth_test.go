package router_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/metrics"
	"github.com/applylens/learning/app/router"
	"github.com/applylens/learning/app/store/storetest"
)

// TestMetricsToken: with METRICS_TOKEN set, /metrics answers only a request bearing it, under
// any case of the scheme (RFC 9110), and refuses a wrong or missing one with 401.
func TestMetricsToken(t *testing.T) {
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"APP_ENV": "test", "METRICS_TOKEN": "m-secret"}[k]
	})
	require.NoError(t, err)
	db := storetest.Backend{Name: "sqlite"}.New(t)
	e, err := router.New(router.Deps{Config: cfg, DB: db, Log: storetest.Logger(t), Metrics: metrics.New()})
	require.NoError(t, err)
	for header, want := range map[string]int{
		"":                   http.StatusUnauthorized,
		"Bearer wrong":       http.StatusUnauthorized,
		"Bearer m-secre":     http.StatusUnauthorized,
		"Basic m-secret":     http.StatusUnauthorized,
		"Bearer m-secret":    http.StatusOK,
		"bearer m-secret":    http.StatusOK,
		"BEARER   m-secret ": http.StatusOK,
	} {
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		if header != "" {
			req.Header.Set("Authorization", header)
		}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, req)
		require.Equal(t, want, w.Code, "Authorization: %q", header)
	}
}
