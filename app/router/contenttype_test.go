package router_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/adminapi"
	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/ingest"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/metrics"
	"github.com/applylens/learning/app/router"
	"github.com/applylens/learning/app/store/storetest"
)

// TestJSONEndpointsRequireJSON: every JSON endpoint that takes a body refuses any other
// Content-Type with 415 naming the header, and stores nothing; application/json (any case,
// with a charset) is accepted.
func TestJSONEndpointsRequireJSON(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		cfg, err := config.Load(func(k string) string { return map[string]string{"APP_ENV": "test"}[k] })
		require.NoError(t, err)
		m := metrics.New()
		runner := learning.NewRunner(db, cfg, m, storetest.Logger(t))
		e, err := router.New(router.Deps{Config: cfg, DB: db, Log: storetest.Logger(t), Metrics: m, Runner: runner})
		require.NoError(t, err)
		u, err := account.CreateUser(ctx, db, account.NewUser{Email: "admin@example.test", Admin: true, Password: "correct horse"})
		require.NoError(t, err)
		tok, err := account.IssueToken(ctx, db, u.ID, "test")
		require.NoError(t, err)
		post := func(path, contentType, body string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
			if contentType != "" {
				req.Header.Set("Content-Type", contentType)
			}
			req.Header.Set("Authorization", "Bearer "+tok.Plain)
			w := httptest.NewRecorder()
			e.ServeHTTP(w, req)
			return w
		}
		sync := string(storetest.Testdata(t, "sync_shipped_client.json"))
		bodies := map[string]string{
			ingest.PathSync:           sync,
			ingest.PathFeedback:       `{"event_id":"0193a1b2-0000-7000-8000-000000000001","feedback_status":"helpful"}`,
			ingest.PathLegacyFeedback: `{"host":"boards.greenhouse.io","schema_hash":"bfeb90","status":"helpful"}`,
			adminapi.PathRunCreate:    `{"days":30}`,
		}
		for path, body := range bodies {
			for _, ct := range []string{"", "text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
				"multipart/form-data; boundary=x", "application/jsonp", "application/json-seq", "json", ";;"} {
				w := post(path, ct, body)
				require.Equal(t, http.StatusUnsupportedMediaType, w.Code, "%s as %q: %s", path, ct, w.Body.String())
				require.Contains(t, w.Body.String(), `"field":"Content-Type"`)
				require.Equal(t, "application/json", w.Header().Get("Accept-Post"))
			}
		}
		require.Zero(t, storetest.Count(t, db, "autofill_events"), "nothing stored")
		require.Zero(t, storetest.Count(t, db, "aggregator_runs"), "no run started")

		require.Equal(t, http.StatusAccepted, post(ingest.PathSync, "Application/JSON; charset=utf-8", sync).Code)
		require.Equal(t, http.StatusAccepted, post(adminapi.PathRunCreate, "", "").Code, "no body, no Content-Type needed")
		runner.Wait()
	})
}
