package adminapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/adminapi"
	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/metrics"
	"github.com/applylens/learning/app/router"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/seeds"
)

// server is the real engine with a Runner, an admin token and a plain user's token.
type server struct {
	t            *testing.T
	h            http.Handler
	runner       *learning.Runner
	admin, plain string
}

func newServer(t *testing.T, db *gorm.DB) *server {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"APP_ENV": "test", "AGGREGATOR_DAYS": "21", "LEARNING_POLICY": "threshold"}[k]
	})
	require.NoError(t, err)
	m := metrics.New()
	runner := learning.NewRunner(db, cfg, m, storetest.Logger(t))
	e, err := router.New(router.Deps{Config: cfg, DB: db, Log: storetest.Logger(t), Metrics: m, Runner: runner})
	require.NoError(t, err)
	token := func(email string, admin bool) string {
		u, err := account.CreateUser(ctx, db, account.NewUser{Email: email, Admin: admin, Password: "correct horse"})
		require.NoError(t, err)
		tok, err := account.IssueToken(ctx, db, u.ID, "test")
		require.NoError(t, err)
		return tok.Plain
	}
	return &server{t: t, h: e, runner: runner, admin: token("admin@example.test", true), plain: token("user@example.test", false)}
}

// do sends a request and decodes the JSON reply.
func (s *server) do(method, path, token, body string) (int, map[string]any, http.Header) {
	s.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		if !strings.Contains(token, " ") { // a bare token; a value with a space is the whole header
			token = "Bearer " + token
		}
		req.Header.Set("Authorization", token)
	}
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, req)
	var out map[string]any
	require.NoError(s.t, json.Unmarshal(w.Body.Bytes(), &out), w.Body.String())
	return w.Code, out, w.Header()
}

func TestRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := newServer(t, db)
		cases := []struct {
			name, method, path, token, body string
			status                          int
			error                           string
		}{
			{"no token", http.MethodPost, adminapi.PathRunCreate, "", "", http.StatusUnauthorized, "missing bearer token"},
			{"bad token", http.MethodPost, adminapi.PathRunCreate, "alk_nope", "", http.StatusUnauthorized, "invalid or revoked token"},
			{"not an admin", http.MethodPost, adminapi.PathRunCreate, s.plain, "", http.StatusForbidden, "this needs an admin"},
			{"not an admin, show", http.MethodGet, adminapi.PathRunShowBase + "x", s.plain, "", http.StatusForbidden, "this needs an admin"},
			{"body not JSON", http.MethodPost, adminapi.PathRunCreate, s.admin, "days=3", http.StatusUnprocessableEntity, "does not validate"},
			{"negative days", http.MethodPost, adminapi.PathRunCreate, s.admin, `{"days": -1}`, http.StatusUnprocessableEntity, "does not validate"},
			{"unknown run", http.MethodGet, adminapi.PathRunShowBase + "nope", s.admin, "", http.StatusNotFound, "no aggregator run"},
			// The scheme's case does not matter (RFC 9110): the token is read, and admitted.
			{"scheme in lower case", http.MethodGet, adminapi.PathRunShowBase + "nope", "bearer " + s.admin, "", http.StatusNotFound, "no aggregator run"},
			{"scheme in capitals, bad token", http.MethodGet, adminapi.PathRunShowBase + "nope", "BEARER alk_nope", "", http.StatusUnauthorized, "invalid or revoked token"},
			{"scheme without a token", http.MethodGet, adminapi.PathRunShowBase + "nope", "Bearer  ", "", http.StatusUnauthorized, "missing bearer token"},
			{"another scheme", http.MethodGet, adminapi.PathRunShowBase + "nope", "Basic " + s.admin, "", http.StatusUnauthorized, "missing bearer token"},
		}
		for _, tc := range cases {
			status, body, _ := s.do(tc.method, tc.path, tc.token, tc.body)
			require.Equal(t, tc.status, status, tc.name)
			require.Contains(t, body["error"], tc.error, tc.name)
		}
		// A value of the wrong type names its field.
		status, body, _ := s.do(http.MethodPost, adminapi.PathRunCreate, s.admin, `{"days": "30"}`)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Equal(t, "days", body["fields"].([]any)[0].(map[string]any)["field"])
		// A misspelt field is named: it must not start a run over the default window.
		status, body, _ = s.do(http.MethodPost, adminapi.PathRunCreate, s.admin, `{"dayz": 5}`)
		require.Equal(t, http.StatusUnprocessableEntity, status)
		require.Equal(t, "dayz", body["fields"].([]any)[0].(map[string]any)["field"])
		for _, body := range []string{`{"days": 3} {"days": 4}`, `{"days": 3}}`, `{"days": 3}]`} {
			status, _, _ = s.do(http.MethodPost, adminapi.PathRunCreate, s.admin, body)
			require.Equal(t, http.StatusUnprocessableEntity, status, "one object: %s", body)
		}
		status, _, _ = s.do(http.MethodPost, adminapi.PathRunCreate, s.admin, `{"days": 3}`+strings.Repeat(" ", 8<<10))
		require.Equal(t, http.StatusRequestEntityTooLarge, status, "trailing space over the limit")
		// A body over the limit is a 413, however it is sent.
		status, body, _ = s.do(http.MethodPost, adminapi.PathRunCreate, s.admin, `{"days": 3, "pad": "`+strings.Repeat("x", 8<<10)+`"}`)
		require.Equal(t, http.StatusRequestEntityTooLarge, status)
		require.Contains(t, body["error"], "larger than")
		require.Zero(t, storetest.Count(t, db, "aggregator_runs"))
	})
}

func TestRunAndFollow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := newServer(t, db)
		_, err := seeds.Insert(context.Background(), db,
			seeds.Ev{Host: "boards.greenhouse.io", SchemaHash: "a", Style: "concise_bullets_v1", Feedback: "helpful"}.Times(5))
		require.NoError(t, err)

		status, body, header := s.do(http.MethodPost, adminapi.PathRunCreate, s.admin, "")
		require.Equal(t, http.StatusAccepted, status, body)
		id, _ := body["run_id"].(string)
		require.NotEmpty(t, id)
		require.Equal(t, adminapi.PathRunShowBase+id, header.Get("Location"))
		s.runner.Wait()

		status, run, _ := s.do(http.MethodGet, adminapi.PathRunShowBase+id, s.admin, "")
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, id, run["id"])
		require.Equal(t, "ok", run["status"])
		require.Equal(t, "admin", run["trigger"])
		require.EqualValues(t, 21, run["days"], "AGGREGATOR_DAYS when the body names none")
		require.EqualValues(t, 1, run["forms_total"])
		require.EqualValues(t, 1, run["forms_done"])
		require.EqualValues(t, 5, run["events_read"])
		require.Equal(t, map[string]any{"form": 1.0, "segment": 0.0, "family": 0.0, "global": 0.0, "none": 0.0}, run["source_mix"])
		require.Nil(t, run["error"])
		require.NotNil(t, run["finished_at"])

		status, body, _ = s.do(http.MethodPost, adminapi.PathRunCreate, s.admin, `{"days": 0}`)
		require.Equal(t, http.StatusAccepted, status)
		s.runner.Wait()
		_, run, _ = s.do(http.MethodGet, adminapi.PathRunShowBase+body["run_id"].(string), s.admin, "")
		require.EqualValues(t, 0, run["days"])
	})
}

// TestConflictWhileAnotherProcessRuns holds the aggregator's lock from the test (another
// process's run, recorded as running): every POST answers 409 with that run's id.
func TestConflictWhileAnotherProcessRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		s := newServer(t, db)
		held, release, err := seeds.AggregatorElsewhere(context.Background(), db)
		require.NoError(t, err)

		for range 2 {
			status, body, _ := s.do(http.MethodPost, adminapi.PathRunCreate, s.admin, "")
			require.Equal(t, http.StatusConflict, status)
			require.Equal(t, held, body["run_id"])
			require.Equal(t, "another aggregator run is in progress", body["error"])
		}
		status, run, _ := s.do(http.MethodGet, adminapi.PathRunShowBase+held, s.admin, "")
		require.Equal(t, http.StatusOK, status)
		require.Equal(t, "running", run["status"])
		require.EqualValues(t, 1, storetest.Count(t, db, "aggregator_runs"))

		require.NoError(t, release())
		status, _, _ = s.do(http.MethodPost, adminapi.PathRunCreate, s.admin, "")
		require.Equal(t, http.StatusAccepted, status)
		s.runner.Wait()
	})
}

// TestConflictWithOwnRun starts a real run and holds it before it reads the profiles (an
// exclusive table lock from the test), then POSTs again: 409 with the first run's id, which
// shows as running until the lock goes. Postgres only: on SQLite a lock that stops a run also
// stops the POST that starts it (one writer, one connection); TestConflictWhileAnotherProcessRuns
// covers the 409 there.
func TestConflictWithOwnRun(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		if db.Dialector.Name() != "postgres" {
			t.Skip("needs a table lock that leaves the runs table writable (Postgres)")
		}
		s := newServer(t, db)
		blocker := db.Begin()
		require.NoError(t, blocker.Error)
		require.NoError(t, blocker.Exec("LOCK TABLE form_profiles IN ACCESS EXCLUSIVE MODE").Error)

		status, body, _ := s.do(http.MethodPost, adminapi.PathRunCreate, s.admin, "")
		require.Equal(t, http.StatusAccepted, status)
		first := body["run_id"].(string)
		status, body, _ = s.do(http.MethodPost, adminapi.PathRunCreate, s.admin, "")
		require.Equal(t, http.StatusConflict, status)
		require.Equal(t, first, body["run_id"])
		_, run, _ := s.do(http.MethodGet, adminapi.PathRunShowBase+first, s.admin, "")
		require.Equal(t, "running", run["status"])

		require.NoError(t, blocker.Rollback().Error)
		s.runner.Wait()
		_, run, _ = s.do(http.MethodGet, adminapi.PathRunShowBase+first, s.admin, "")
		require.Equal(t, "ok", run["status"])
	})
}
