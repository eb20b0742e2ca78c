package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/metrics"
	"github.com/applylens/learning/app/router"
	"github.com/applylens/learning/app/store/storetest"
)

// api is the real engine over a real database, with a user and a token.
type api struct {
	t       *testing.T
	db      *gorm.DB
	engine  *gin.Engine
	metrics *metrics.Metrics
	token   string
	userID  string
}

func testConfig(t *testing.T, env map[string]string) config.Config {
	t.Helper()
	cfg, err := config.Load(func(k string) string {
		if k == "APP_ENV" {
			return "test"
		}
		if v, ok := env[k]; ok || k != "LEARNING_POLICY" {
			return v
		}
		return "threshold" // these tests pin the original rules; bayes has its own

	})
	require.NoError(t, err)
	return cfg
}

func newAPI(t *testing.T, db *gorm.DB, env map[string]string) *api {
	t.Helper()
	cfg := testConfig(t, env)
	m := metrics.New()
	e, err := router.New(router.Deps{Config: cfg, DB: db, Log: storetest.Logger(t), Metrics: m})
	require.NoError(t, err)
	a := &api{t: t, db: db, engine: e, metrics: m}
	a.userID, a.token = a.newUser("dana@example.com")
	return a
}

func (a *api) newUser(email string) (string, string) {
	a.t.Helper()
	u, err := account.CreateUser(context.Background(), a.db, account.NewUser{Email: email})
	require.NoError(a.t, err)
	tok, err := account.IssueToken(context.Background(), a.db, u.ID, "test")
	require.NoError(a.t, err)
	return u.ID, tok.Plain
}

type reply struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

func (a *api) do(method, path string, body any, token string) reply {
	a.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		r = bytes.NewReader(b)
	case string:
		r = bytes.NewReader([]byte(b))
	default:
		j, err := json.Marshal(b)
		require.NoError(a.t, err)
		r = bytes.NewReader(j)
	}
	req := httptest.NewRequest(method, path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return a.serve(req)
}

// serve runs a request through the engine and reads its JSON reply.
func (a *api) serve(req *http.Request) reply {
	a.t.Helper()
	w := httptest.NewRecorder()
	a.engine.ServeHTTP(w, req)
	out := reply{Status: w.Code, Header: w.Header(), Raw: w.Body.String()}
	if len(w.Body.Bytes()) > 0 && w.Body.Bytes()[0] == '{' {
		require.NoError(a.t, json.Unmarshal(w.Body.Bytes(), &out.Body), w.Body.String())
	}
	return out
}

func (a *api) post(path string, body any) reply { return a.do(http.MethodPost, path, body, a.token) }
func (a *api) get(path string) reply            { return a.do(http.MethodGet, path, nil, a.token) }

// fieldsOf lists the field paths of a 422 reply.
func fieldsOf(r reply) []string {
	var out []string
	fs, _ := r.Body["fields"].([]any)
	for _, f := range fs {
		out = append(out, f.(map[string]any)["field"].(string))
	}
	return out
}

// fixture returns a payload of testdata/ as a generic JSON value to edit.
func fixture(t *testing.T, name string) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, json.Unmarshal(storetest.Testdata(t, name), &v))
	return v
}

func (a *api) doWithHeaders(method, path string, headers map[string]string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, path, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	a.engine.ServeHTTP(w, req)
	return w
}

// signIn signs a user in through the real sign-in page and returns the session cookie, as
// the browser holds it.
func (a *api) signIn(email, password string) *http.Cookie {
	a.t.Helper()
	ctx := context.Background()
	u, err := account.UserByEmail(ctx, a.db, email)
	require.NoError(a.t, err)
	require.NoError(a.t, account.SetPassword(ctx, a.db, u.ID, password, false))
	w := httptest.NewRecorder()
	a.engine.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/login", nil))
	require.Equal(a.t, http.StatusOK, w.Code)
	doc, err := goquery.NewDocumentFromReader(w.Body)
	require.NoError(a.t, err)
	form := url.Values{"email": {email}, "password": {password},
		"csrf_token": {doc.Find(`input[name="csrf_token"]`).AttrOr("value", "")}}
	req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, ck := range w.Result().Cookies() {
		req.AddCookie(ck)
	}
	w = httptest.NewRecorder()
	a.engine.ServeHTTP(w, req)
	require.Equal(a.t, http.StatusSeeOther, w.Code, w.Body.String())
	for _, ck := range w.Result().Cookies() {
		if ck.Name == "applylens_session" && ck.Value != "" {
			return ck
		}
	}
	a.t.Fatal("no session cookie")
	return nil
}

// withCookie sends a request as a browser does with credentials: "include": the session
// cookie, the headers given, and no Authorization.
func (a *api) withCookie(ck *http.Cookie, method, path string, body []byte, headers map[string]string) reply {
	a.t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, r)
	if ck != nil {
		req.AddCookie(ck)
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	return a.serve(req)
}
