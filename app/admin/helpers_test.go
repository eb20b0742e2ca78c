package admin_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/admin"
	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/metrics"
	"github.com/applylens/learning/app/router"
	"github.com/applylens/learning/app/store/storetest"
)

const (
	adminEmail    = "admin@example.test"
	adminPassword = "correct horse battery"
)

// testConfig is a configuration for handler tests (the database is opened by storetest).
func testConfig(t testing.TB, extra map[string]string) config.Config {
	t.Helper()
	env := map[string]string{"APP_ENV": "test", "SESSION_SECRET": strings.Repeat("s", 40), "LEARNING_POLICY": "threshold"}
	for k, v := range extra {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	require.NoError(t, err)
	return cfg
}

// newEngine returns the service's real engine on db, with a real aggregator runner and an
// admin who can sign in.
func newEngine(t testing.TB, db *gorm.DB, cfg config.Config) (*gin.Engine, *learning.Runner) {
	t.Helper()
	m := metrics.New()
	log := storetest.Logger(t)
	runner := learning.NewRunner(db, cfg, m, log)
	t.Cleanup(runner.Wait)
	e, err := router.New(router.Deps{Config: cfg, DB: db, Log: log, Metrics: m, Runner: runner})
	require.NoError(t, err)
	_, err = account.EnsureAdmin(context.Background(), db, adminEmail, adminPassword)
	require.NoError(t, err)
	return e, runner
}

// mount puts the dashboard built from d on e, as router.New does.
func mount(t testing.TB, e *gin.Engine, d admin.Deps) {
	t.Helper()
	h, err := admin.New(d)
	require.NoError(t, err)
	h.Mount(e)
}

// signedIn returns a client signed in to the real engine on db, with the demo data when
// withData (see seeded).
func signedIn(t *testing.T, db *gorm.DB, withData bool) (*client, *learning.Runner) {
	t.Helper()
	e, runner := newEngine(t, db, testConfig(t, nil))
	if withData {
		seeded(t, db, runner)
	}
	c := newClient(t, e)
	c.login()
	return c, runner
}

// client is a browser for tests: it keeps cookies and reads the CSRF token of the last page.
type client struct {
	t       testing.TB
	h       http.Handler
	cookies map[string]*http.Cookie
	last    *goquery.Document
	headers map[string]string
}

func newClient(t testing.TB, h http.Handler) *client {
	return &client{t: t, h: h, cookies: map[string]*http.Cookie{}, headers: map[string]string{}}
}

// response is one reply with its parsed HTML.
type response struct {
	*http.Response
	Body string
	Doc  *goquery.Document
}

func (c *client) do(req *http.Request) response {
	c.t.Helper()
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	c.h.ServeHTTP(w, req)
	res := w.Result()
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck
		}
	}
	b, _ := io.ReadAll(res.Body)
	r := response{Response: res, Body: string(b)}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
		require.NoError(c.t, err)
		r.Doc = doc
		if res.StatusCode < 300 || res.StatusCode >= 400 {
			c.last = doc // a redirect's body is no page to submit from
		}
	}
	return r
}

func (c *client) get(path string) response {
	c.t.Helper()
	return c.do(httptest.NewRequest(http.MethodGet, path, nil))
}

// post submits a form with the CSRF token of the last page (unless the values carry one).
func (c *client) post(path string, v url.Values) response {
	c.t.Helper()
	if v == nil {
		v = url.Values{}
	}
	if _, ok := v["csrf_token"]; !ok && c.last != nil {
		if tok, ok := c.last.Find(`input[name="csrf_token"]`).First().Attr("value"); ok {
			v.Set("csrf_token", tok)
		}
	}
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// login signs in as the test admin.
func (c *client) login() {
	c.t.Helper()
	r := c.get(admin.PathLogin)
	require.Equal(c.t, http.StatusOK, r.StatusCode)
	r = c.post(admin.PathLogin, url.Values{"email": {adminEmail}, "password": {adminPassword}})
	require.Equal(c.t, http.StatusSeeOther, r.StatusCode, r.Body)
	require.Equal(c.t, admin.PathOverview, r.Header.Get("Location"))
}

// page GETs a path and requires 200.
func (c *client) page(path string) *goquery.Document {
	c.t.Helper()
	r := c.get(path)
	require.Equal(c.t, http.StatusOK, r.StatusCode, "GET %s: %s", path, r.Body)
	require.NotNil(c.t, r.Doc)
	return r.Doc
}

// text is the trimmed text of the first element with this data-testid under sel.
func text(s *goquery.Selection, testID string) string {
	return strings.TrimSpace(s.Find(`[data-testid="` + testID + `"]`).First().Text())
}

func byTestID(s interface {
	Find(string) *goquery.Selection
}, testID string) *goquery.Selection {
	return s.Find(`[data-testid="` + testID + `"]`)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
