package ingest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/ingest"
	"github.com/applylens/learning/app/metrics"
	"github.com/applylens/learning/app/router"
	"github.com/applylens/learning/app/store/storetest"
)

// fuzzServer is the real engine over one backend, with a token, for the fuzz targets.
type fuzzServer struct {
	backend string
	h       http.Handler
	token   string
}

// fuzzServers starts one server per backend of this run (SQLite, and Postgres when
// TEST_DATABASE_URL is set): every input goes to each, and their answers must agree.
func fuzzServers(f *testing.F) []fuzzServer {
	var out []fuzzServer
	for _, b := range storetest.Backends() {
		db := b.New(f)
		cfg, err := config.Load(func(k string) string {
			return map[string]string{"APP_ENV": "test", "API_RATE_LIMIT_PER_MIN": "0"}[k]
		})
		require.NoError(f, err)
		e, err := router.New(router.Deps{Config: cfg, DB: db, Log: storetest.Logger(f), Metrics: metrics.New()})
		require.NoError(f, err)
		u, err := account.CreateUser(context.Background(), db, account.NewUser{Email: "fuzz@example.test"})
		require.NoError(f, err)
		tok, err := account.IssueToken(context.Background(), db, u.ID, "fuzz")
		require.NoError(f, err)
		out = append(out, fuzzServer{backend: b.Name, h: e, token: tok.Plain})
	}
	return out
}

// postEverywhere sends body to path on every server and requires the same answer from all: no
// 5xx, and a 422 naming the same fields.
func postEverywhere(t *testing.T, servers []fuzzServer, path string, body []byte) {
	var first fuzzAnswer
	for i, s := range servers {
		w := s.post(path, body)
		got := fuzzAnswer{status: w.Code}
		if w.Code >= 500 {
			t.Fatalf("%s: %d for %q: %s", s.backend, w.Code, body, w.Body.String())
		}
		if w.Code == http.StatusUnprocessableEntity {
			var reply struct{ Fields []struct{ Field string } }
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &reply))
			for _, f := range reply.Fields {
				got.fields = append(got.fields, f.Field)
			}
			slices.Sort(got.fields)
		}
		if i == 0 {
			first = got
		} else if got.status != first.status || !slices.Equal(got.fields, first.fields) {
			t.Fatalf("the databases disagree on %q: %s %v, %s %v", body, servers[0].backend, first, s.backend, got)
		}
	}
}

func (s fuzzServer) post(path string, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+s.token)
	w := httptest.NewRecorder()
	s.h.ServeHTTP(w, req)
	return w
}

type fuzzAnswer struct {
	status int
	fields []string
}

// FuzzSync: whatever body is posted to /sync, no server error, no panic, and the same answer
// on both databases. The seeds are the fixtures, the real clients' sync requests and the
// probe's cases (NUL, control characters, invalid UTF-8, URLs and user info as hosts).
// .ci/run fuzzes it briefly; the seeds run with every `go test`.
func FuzzSync(f *testing.F) {
	f.Add(storetest.Testdata(f, "sync_per_event.json"))
	f.Add(storetest.Testdata(f, "sync_shipped_client.json"))
	var real []struct {
		Path string          `json:"path"`
		Body json.RawMessage `json:"request_body"`
	}
	require.NoError(f, json.Unmarshal(storetest.Testdata(f, "realclient_requests.json"), &real))
	for _, r := range real {
		if r.Path == ingest.PathSync {
			f.Add([]byte(r.Body))
		}
	}
	ev := func(s string) []byte {
		return []byte(`{"host":"boards.greenhouse.io","schema_hash":"bfeb90","events":[` + s + `]}`)
	}
	for _, s := range [][]byte{
		[]byte(`{"host":"boards.greenhouse.io","schema_hash":"bf\u0000eb90","events":[{"host":"boards.greenhouse.io","schema_hash":"x"}]}`),
		ev(`{"host":"boards.greenhouse.io","schema_hash":"a\u0000"}`),
		ev(`{"host":"boards.greenhouse.io","schema_hash":"a","suggested_map":{"#a\u0000":"x"},"final_map":{"#b":"y\u0000"}}`),
		ev(`{"host":"boards.greenhouse.io","schema_hash":"a","validation_errors":{"e\u0000":"\u0000"}}`),
		ev(`{"host":"boards.greenhouse.io","schema_hash":"a","edit_stats":{"per_field":{"#x":{"added":1,"note":"\u0000"}}}}`),
		ev(`{"host":"boards.greenhouse.io","schema_hash":"a","status":"o\u0007k","job":{"title":"Senior\u001bEngineer"}}`),
		ev("{\"host\":\"boards.greenhouse.io\",\"schema_hash\":\"bf\xffeb90\"}"),
		ev(`{"host":"https://boards.greenhouse.io/acme/jobs/4012345?gh_src=x","schema_hash":"a"}`),
		ev(`{"host":"user:pw@boards.greenhouse.io","schema_hash":"a"}`),
		ev(`{"host":"https://user:pw@evil.example/","schema_hash":"a"}`),
		ev(`{"host":"boards.greenhouse.io","schema_hash":"a","event_id":"0193a1b2-0000-7000-8000-000000000001","occurred_at":"2026-11-29T06:41:00Z"}`),
		[]byte(`{"events":[]}`), []byte(`[]`), []byte(`null`), []byte(``),
	} {
		f.Add(s)
	}
	servers := fuzzServers(f)
	f.Fuzz(func(t *testing.T, body []byte) { postEverywhere(t, servers, ingest.PathSync, body) })
}

// FuzzLegacyFeedback: the shipped client's thumbs up/down, any body: no server error, the same
// answer on both databases. The seeds include a rating of an event that exists.
func FuzzLegacyFeedback(f *testing.F) {
	f.Add(storetest.Testdata(f, "feedback_legacy.json"))
	for _, s := range []string{
		`{"host":"boards.greenhouse.io","schema_hash":"bfeb90","status":"helpful"}`,
		`{"host":"boards.greenhouse.io","schema_hash":"bfeb90","status":"unhelpful","gen_style_id":"concise_bullets_v1"}`,
		`{"host":"boards.greenhouse.io","schema_hash":"bf\u0000eb90","status":"helpful"}`,
		"{\"host\":\"boards.greenhouse.io\",\"schema_hash\":\"bf\xffeb90\",\"status\":\"helpful\"}",
		`{"host":"https://boards.greenhouse.io/acme","schema_hash":"bfeb90","status":"helpful"}`,
		`{"host":"user:pw@boards.greenhouse.io","schema_hash":"bfeb90","status":"helpful"}`,
		`{"host":"boards.greenhouse.io","schema_hash":"bfeb90","status":"meh"}`, `{}`, ``,
	} {
		f.Add([]byte(s))
	}
	servers := fuzzServers(f)
	for _, s := range servers { // an event to rate, so that the 200 path is reached too
		w := s.post(ingest.PathSync, []byte(`{"host":"boards.greenhouse.io","schema_hash":"bfeb90",
			"gen_style_id":"concise_bullets_v1","events":[{"host":"boards.greenhouse.io","schema_hash":"bfeb90","status":"ok"}]}`))
		require.Equal(f, http.StatusAccepted, w.Code, w.Body.String())
	}
	f.Fuzz(func(t *testing.T, body []byte) { postEverywhere(t, servers, ingest.PathLegacyFeedback, body) })
}
