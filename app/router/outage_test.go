package router_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/admin"
	"github.com/applylens/learning/app/adminapi"
	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/ingest"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/metrics"
	"github.com/applylens/learning/app/router"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/migrations"
)

// TestDatabaseOutageAnswers503: a server whose Postgres goes away (a TCP relay in front of it
// is cut: connections reset, new ones refused) answers every endpoint that needs the database
// with 503 and Retry-After, in JSON under /api and as a page under /admin, never a 500; when
// Postgres is back, it serves again without a restart.
func TestDatabaseOutageAnswers503(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		if b.Name != "postgres" {
			t.Skip("a network outage needs a database server; SQLite's busy file is TestUnavailable in app/store")
		}
		ctx := context.Background()
		direct, _ := b.Open(t)
		require.NoError(t, migrations.Up(ctx, direct))
		target, err := url.Parse(b.URL(t))
		require.NoError(t, err)
		// The database URL of the schema migrated above, through the relay.
		sqlDB, _ := direct.DB()
		var searchPath string
		require.NoError(t, sqlDB.QueryRow("SHOW search_path").Scan(&searchPath))
		relay := newRelay(t, target.Host)
		through := *target
		through.Host = relay.addr
		q := through.Query()
		q.Set("search_path", searchPath)
		through.RawQuery = q.Encode()

		cfg, err := config.Load(func(k string) string {
			return map[string]string{"APP_ENV": "test", "DATABASE_URL": through.String()}[k]
		})
		require.NoError(t, err)
		db := storetest.OpenConfig(t, cfg)
		m := metrics.New()
		runner := learning.NewRunner(db, cfg, m, storetest.Logger(t))
		e, err := router.New(router.Deps{Config: cfg, DB: db, Log: storetest.Logger(t), Metrics: m, Runner: runner})
		require.NoError(t, err)
		u, err := account.CreateUser(ctx, db, account.NewUser{Email: "admin@example.test", Admin: true, Password: "correct horse"})
		require.NoError(t, err)
		tok, err := account.IssueToken(ctx, db, u.ID, "test")
		require.NoError(t, err)
		sync := string(storetest.Testdata(t, "sync_shipped_client.json"))

		signedIn, anonymous := map[string]*http.Cookie{}, map[string]*http.Cookie{}
		sendAs := func(cookies map[string]*http.Cookie, method, path, contentType, body string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(method, path, strings.NewReader(body))
			if contentType != "" {
				req.Header.Set("Content-Type", contentType)
			}
			if strings.HasPrefix(path, "/api/") {
				req.Header.Set("Authorization", "Bearer "+tok.Plain)
			}
			for _, ck := range cookies {
				req.AddCookie(ck)
			}
			w := httptest.NewRecorder()
			e.ServeHTTP(w, req)
			for _, ck := range w.Result().Cookies() {
				cookies[ck.Name] = ck
			}
			return w
		}
		send := func(method, path, contentType, body string) *httptest.ResponseRecorder {
			return sendAs(signedIn, method, path, contentType, body)
		}
		csrf := regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
		loginForm := func(cookies map[string]*http.Cookie) string {
			w := sendAs(cookies, http.MethodGet, admin.PathLogin, "", "")
			require.Equal(t, http.StatusOK, w.Code)
			m := csrf.FindStringSubmatch(w.Body.String())
			require.Len(t, m, 2)
			return url.Values{"email": {"admin@example.test"}, "password": {"correct horse"}, "csrf_token": {m[1]}}.Encode()
		}
		w := send(http.MethodPost, admin.PathLogin, "application/x-www-form-urlencoded", loginForm(signedIn))
		require.Equal(t, http.StatusSeeOther, w.Code, w.Body.String())
		require.Equal(t, http.StatusAccepted, send(http.MethodPost, ingest.PathSync, "application/json", sync).Code)
		form := loginForm(anonymous)

		relay.down()
		for _, r := range []struct{ method, path, contentType, body string }{
			{http.MethodPost, ingest.PathSync, "application/json", sync},
			{http.MethodPost, ingest.PathFeedback, "application/json", `{"event_id":"0193a1b2-0000-7000-8000-000000000001","feedback_status":"helpful"}`},
			{http.MethodPost, ingest.PathLegacyFeedback, "application/json", `{"host":"boards.greenhouse.io","schema_hash":"bfeb90","status":"helpful"}`},
			{http.MethodGet, ingest.PathProfile + "?host=boards.greenhouse.io&schema_hash=bfeb90", "", ""},
			{http.MethodGet, ingest.PathExplainStyle + "?host=boards.greenhouse.io&schema_hash=bfeb90", "", ""},
			{http.MethodPost, adminapi.PathRunCreate, "", ""},
			{http.MethodGet, adminapi.PathRunShowBase + "0193a1b2-0000-7000-8000-000000000001", "", ""},
			{http.MethodGet, "/readyz", "", ""},
			{http.MethodGet, "/admin", "", ""},
			{http.MethodGet, "/admin/profiles", "", ""},
			{http.MethodGet, "/admin/events", "", ""},
			{http.MethodGet, "/admin/runs", "", ""},
			{http.MethodGet, "/admin/styles", "", ""},
			{http.MethodGet, "/admin/tokens", "", ""},
		} {
			w := send(r.method, r.path, r.contentType, r.body)
			require.Equal(t, http.StatusServiceUnavailable, w.Code, "%s %s: %s", r.method, r.path, w.Body.String())
			require.Equal(t, "5", w.Header().Get("Retry-After"), "%s %s", r.method, r.path)
			if strings.HasPrefix(r.path, "/api/") {
				require.Contains(t, w.Body.String(), `"error":"the database is unavailable: try again shortly"`)
			}
			require.NotContains(t, w.Body.String(), "127.0.0.1", "no connection detail in the reply")
		}
		w = sendAs(anonymous, http.MethodPost, admin.PathLogin, "application/x-www-form-urlencoded", form)
		require.Equal(t, http.StatusServiceUnavailable, w.Code, "signing in: %s", w.Body.String())
		require.Equal(t, "5", w.Header().Get("Retry-After"))
		require.Equal(t, http.StatusOK, send(http.MethodGet, "/healthz", "", "").Code, "the process is up")

		relay.up()
		require.Eventually(t, func() bool {
			return send(http.MethodPost, ingest.PathSync, "application/json", sync).Code == http.StatusAccepted
		}, 10*time.Second, 50*time.Millisecond, "serves again once Postgres is back")
		require.Equal(t, http.StatusOK, send(http.MethodGet, "/readyz", "", "").Code)
		runner.Wait()
	})
}

// relay forwards TCP connections to a target; down cuts every connection and refuses new
// ones (the port is closed), up listens on the same port again.
type relay struct {
	t      *testing.T
	addr   string
	target string

	mu    sync.Mutex
	ln    net.Listener
	conns []net.Conn
}

func newRelay(t *testing.T, target string) *relay {
	r := &relay{t: t, target: target}
	r.listen("127.0.0.1:0")
	r.addr = r.ln.Addr().String()
	t.Cleanup(r.down)
	return r
}

func (r *relay) listen(addr string) {
	ln, err := net.Listen("tcp", addr)
	require.NoError(r.t, err)
	r.mu.Lock()
	r.ln = ln
	r.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			d, err := net.Dial("tcp", r.target)
			if err != nil {
				_ = c.Close()
				continue
			}
			r.mu.Lock()
			r.conns = append(r.conns, c, d)
			r.mu.Unlock()
			go func() { _, _ = io.Copy(d, c); _ = d.Close() }()
			go func() { _, _ = io.Copy(c, d); _ = c.Close() }()
		}
	}()
}

func (r *relay) down() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.ln != nil {
		_ = r.ln.Close()
		r.ln = nil
	}
	for _, c := range r.conns {
		_ = c.Close()
	}
	r.conns = nil
}

func (r *relay) up() { r.listen(r.addr) }
