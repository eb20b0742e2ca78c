package ingest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/ingest"
	"github.com/applylens/learning/app/store/storetest"
)

// openAPIDoc is the served contract, decoded.
type openAPIDoc struct {
	Paths      map[string]map[string]operation `json:"paths"`
	Components struct {
		Schemas map[string]map[string]any `json:"schemas"`
	} `json:"components"`
}

type operation struct {
	Responses map[string]struct {
		Content map[string]struct {
			Schema map[string]any `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

// TestContract replays every request the real clients make (testdata/realclient_requests.json)
// through the real engine, signed in by the session cookie and by a bearer token, and checks
// each reply against the served OpenAPI document (every route, status and field) and against
// the fields the clients read (../shared/fixtures/realclient/README.md).
func TestContract(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, nil)
		r := a.do(http.MethodGet, ingest.PathOpenAPI, nil, "")
		require.Equal(t, http.StatusOK, r.Status, "the document is public")
		var doc openAPIDoc
		require.NoError(t, json.Unmarshal([]byte(r.Raw), &doc))
		require.Equal(t, "3.1.0", r.Body["openapi"])

		// Every route of the extension API is documented, and nothing else.
		var routes []string
		for _, rt := range a.engine.Routes() {
			if strings.HasPrefix(rt.Path, "/api/extension/") && rt.Method != http.MethodOptions {
				routes = append(routes, rt.Method+" "+rt.Path)
			}
		}
		var documented []string
		for p, ops := range doc.Paths {
			for m := range ops {
				documented = append(documented, strings.ToUpper(m)+" "+p)
			}
		}
		slices.Sort(routes)
		slices.Sort(documented)
		require.Equal(t, routes, documented)

		storeProfile(t, db, "boards.greenhouse.io", "bfeb90", 0.9, 25, 20, sampleHint())
		cookie := a.signIn("dana@example.com", "a long password")
		_, token := a.newUser("lee@example.com")
		for _, auth := range []string{"cookie", "bearer"} {
			for i, rq := range realRequests(t) {
				req := httptest.NewRequest(rq.Method, rq.Path, strings.NewReader(string(orNull(rq.Body))))
				for k, v := range rq.ClientHeaders {
					req.Header.Set(k, v)
				}
				if auth == "cookie" {
					req.AddCookie(cookie)
				} else {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				if len(rq.Body) == 0 || string(rq.Body) == "null" {
					req.Body = http.NoBody
				}
				got := a.serve(req)
				name := fmt.Sprintf("%s #%d %s %s (%s)", auth, i, rq.Method, rq.Path, rq.Caller)
				path := strings.SplitN(rq.Path, "?", 2)[0]
				op, ours := doc.Paths[path][strings.ToLower(rq.Method)]
				if !ours {
					// generate-form-answers and applications belong to the main ApplyLens API
					// (README: the reverse proxy sends them there).
					require.Equal(t, http.StatusNotFound, got.Status, name)
					continue
				}
				res, ok := op.Responses[strconv.Itoa(got.Status)]
				require.True(t, ok, "%s: status %d is not documented: %s", name, got.Status, got.Raw)
				require.Less(t, got.Status, 300, "%s: %s", name, got.Raw)
				var body any
				require.NoError(t, json.Unmarshal([]byte(got.Raw), &body), name)
				checkSchema(t, doc, res.Content["application/json"].Schema, body, name+": reply")
				if path == ingest.PathProfile {
					checkProfileAsRead(t, got.Body, name)
				}
			}
		}

		// The README's table, beyond the replayed requests: explain-style's segment_key for the
		// web app's settings page, and the original's batch counter.
		for _, q := range []string{"host=boards.greenhouse.io&schema_hash=bfeb90", "host=boards.greenhouse.io&schema_hash=bfeb90&segment_key=senior", "host=x.example&schema_hash=none"} {
			got := a.withCookie(cookie, http.MethodGet, ingest.PathExplainStyle+"?"+q, nil, nil)
			require.Equal(t, http.StatusOK, got.Status)
			var body any
			require.NoError(t, json.Unmarshal([]byte(got.Raw), &body))
			checkSchema(t, doc, doc.Paths[ingest.PathExplainStyle]["get"].Responses["200"].Content["application/json"].Schema, body, "explain "+q)
			seg, present := got.Body["segment_key"]
			require.True(t, present)
			require.True(t, seg == nil || seg != "", "segment_key is a segment or null, never \"\"")
		}
		m := a.do(http.MethodGet, "/metrics", nil, "")
		require.Regexp(t, regexp.MustCompile(`applylens_autofill_runs_total\{status="persisted"\} \d+`), m.Raw)

		// Without the cookie and without a token (credentials "omit"), a client is refused: the
		// clients other than the shipped service worker need the one-line Bearer change.
		require.Equal(t, http.StatusUnauthorized, a.do(http.MethodGet, "/api/extension/learning/profile?host=boards.greenhouse.io&schema_hash=bfeb90", nil, "").Status)
	})
}

func orNull(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}

// checkProfileAsRead checks the profile fields of the README's table, as the clients read them.
func checkProfileAsRead(t *testing.T, p map[string]any, name string) {
	t.Helper()
	require.NotEmpty(t, p["canonical_map"], name)
	require.EqualValues(t, 20, p["event_count"], "%s: the panel's \"Learned from N previous applications\"", name)
	require.InDelta(t, 0.9, p["success_rate"], 1e-9, name)
	require.NotEmpty(t, p["last_seen_at"], name)
	h := p["style_hint"].(map[string]any)
	require.Contains(t, []any{"concise_bullets_v1", "narrative_para_v1"}, h["gen_style_id"], "%s: a draw among the candidates", name)
	require.Equal(t, "concise_bullets_v1", h["preferred_style_id"], name)
	require.EqualValues(t, 1, h["confidence"], name)
	ss := h["style_stats"].(map[string]any)
	comps := ss["competitors"].([]any)
	require.NotEmpty(t, comps, "%s: the bandit explores over these", name)
	for _, c := range comps {
		require.NotEmpty(t, c.(map[string]any)["styleId"], name)
	}
	own := ss[h["preferred_style_id"].(string)].(map[string]any)
	for _, k := range []string{"helpful", "total_runs", "avg_edit_chars"} {
		require.NotNil(t, own[k], "%s: style_stats[preferred].%s", name, k)
	}
	for _, k := range []string{"summary_style", "max_length", "tone"} {
		require.NotNil(t, h[k], "%s: style_hint.%s", name, k)
	}
}

// checkSchema checks a decoded JSON value against a JSON Schema of the document: the keywords
// the document uses ($ref, type with null, const, enum, required, properties,
// additionalProperties, items, oneOf). A field the schema does not declare fails (unless
// additionalProperties allows it): the document lists every reply field.
func checkSchema(t *testing.T, doc openAPIDoc, s map[string]any, v any, at string) {
	t.Helper()
	require.NotNil(t, s, "%s: no schema", at)
	if ref, ok := s["$ref"].(string); ok {
		name := strings.TrimPrefix(ref, "#/components/schemas/")
		target, ok := doc.Components.Schemas[name]
		require.True(t, ok, "%s: %s is not defined", at, ref)
		checkSchema(t, doc, target, v, at)
		return
	}
	if alts, ok := s["oneOf"].([]any); ok {
		matched := 0
		for _, alt := range alts {
			if matches(doc, alt.(map[string]any), v) {
				matched++
			}
		}
		require.Equal(t, 1, matched, "%s: %v matches %d of oneOf", at, v, matched)
		for _, alt := range alts {
			if matches(doc, alt.(map[string]any), v) {
				checkSchema(t, doc, alt.(map[string]any), v, at)
			}
		}
		return
	}
	if c, ok := s["const"]; ok {
		require.Equal(t, c, v, at)
	}
	if enum, ok := s["enum"].([]any); ok {
		require.Contains(t, enum, v, at)
	}
	if typ, ok := s["type"]; ok {
		require.True(t, typeOK(typ, v), "%s: %v (%T) is not %v", at, v, v, typ)
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, req := range asStrings(s["required"]) {
			_, ok := x[req]
			require.True(t, ok, "%s: required field %s is missing", at, req)
		}
		for k, val := range x {
			if ps, ok := props[k].(map[string]any); ok {
				checkSchema(t, doc, ps, val, at+"."+k)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case map[string]any:
				checkSchema(t, doc, ap, val, at+"."+k)
			case nil:
				if s["properties"] != nil {
					require.Fail(t, "undocumented field", "%s.%s is not in the document", at, k)
				}
			}
		}
	case []any:
		if items, ok := s["items"].(map[string]any); ok {
			for i, e := range x {
				checkSchema(t, doc, items, e, fmt.Sprintf("%s[%d]", at, i))
			}
		}
	}
}

// matches reports whether v fits a schema's type (for oneOf).
func matches(doc openAPIDoc, s map[string]any, v any) bool {
	if ref, ok := s["$ref"].(string); ok {
		s = doc.Components.Schemas[strings.TrimPrefix(ref, "#/components/schemas/")]
	}
	typ, ok := s["type"]
	return !ok || typeOK(typ, v)
}

func typeOK(typ any, v any) bool {
	for _, t := range asStrings(typ) {
		switch t {
		case "null":
			if v == nil {
				return true
			}
		case "object":
			if _, ok := v.(map[string]any); ok {
				return true
			}
		case "array":
			if _, ok := v.([]any); ok {
				return true
			}
		case "string":
			if _, ok := v.(string); ok {
				return true
			}
		case "boolean":
			if _, ok := v.(bool); ok {
				return true
			}
		case "number":
			if _, ok := v.(float64); ok {
				return true
			}
		case "integer":
			if f, ok := v.(float64); ok && f == float64(int64(f)) {
				return true
			}
		}
	}
	return false
}

func asStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, e.(string))
		}
		return out
	}
	return nil
}
