package ingest_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/ingest"
	"github.com/applylens/learning/app/store/storetest"
)

const extOrigin = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"

// TestSessionCookieOnTheAPI: the shipped service worker (credentials: "include", no
// Authorization) works once its user has signed in, and the cookie opens nothing to a web
// page: from a job site's origin, as a cross-site request or as a form post it is refused and
// nothing is stored.
func TestSessionCookieOnTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, map[string]string{"API_COOKIE_ORIGINS": extOrigin, "API_CORS_ORIGINS": "https://boards.greenhouse.io"})
		ck := a.signIn("dana@example.com", "a long password")
		body := storetest.Testdata(t, "sync_shipped_client.json")
		jsonCT := map[string]string{"Content-Type": "application/json"}
		events := func() int64 { return storetest.Count(t, db, "autofill_events") }

		refused := []struct {
			name    string
			method  string
			path    string
			headers map[string]string
			body    []byte
			status  int
		}{
			{"a job site's origin", http.MethodPost, ingest.PathSync, map[string]string{"Content-Type": "application/json", "Origin": "https://boards.greenhouse.io"}, body, http.StatusForbidden},
			{"another extension", http.MethodPost, ingest.PathSync, map[string]string{"Content-Type": "application/json", "Origin": "chrome-extension://someoneelse"}, body, http.StatusForbidden},
			{"an opaque origin", http.MethodPost, ingest.PathSync, map[string]string{"Content-Type": "application/json", "Origin": "null"}, body, http.StatusForbidden},
			{"cross-site without origin", http.MethodPost, ingest.PathSync, map[string]string{"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}, body, http.StatusForbidden},
			{"a form post", http.MethodPost, ingest.PathSync, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, body, http.StatusUnsupportedMediaType},
			{"a text/plain post", http.MethodPost, ingest.PathSync, map[string]string{"Content-Type": "text/plain"}, body, http.StatusUnsupportedMediaType},
			{"no content type", http.MethodPost, ingest.PathSync, nil, body, http.StatusUnsupportedMediaType},
			{"a form post of a rating", http.MethodPost, ingest.PathLegacyFeedback, map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example"},
				[]byte(`{"host":"boards.greenhouse.io","schema_hash":"x","status":"helpful"}`), http.StatusUnsupportedMediaType},
			{"an empty post without a type", http.MethodPost, ingest.PathSync, nil, nil, http.StatusUnsupportedMediaType},
			{"a profile read from a web page", http.MethodGet, ingest.PathProfile + "?host=boards.greenhouse.io&schema_hash=x", map[string]string{"Origin": "https://evil.example"}, nil, http.StatusForbidden},
		}
		for _, c := range refused {
			r := a.withCookie(ck, c.method, c.path, c.body, c.headers)
			require.Equal(t, c.status, r.Status, "%s: %s", c.name, r.Raw)
			require.Empty(t, r.Header.Get("Access-Control-Allow-Credentials"), c.name)
			require.Zero(t, events(), "%s stored nothing", c.name)
		}

		// No cookie and no token.
		r := a.withCookie(nil, http.MethodPost, ingest.PathSync, body, jsonCT)
		require.Equal(t, http.StatusUnauthorized, r.Status)
		// A forged cookie is no sign-in.
		r = a.withCookie(&http.Cookie{Name: ck.Name, Value: ck.Value + "x"}, http.MethodPost, ingest.PathSync, body, jsonCT)
		require.Equal(t, http.StatusUnauthorized, r.Status)

		// The service worker: no Origin (or its own), JSON, the cookie.
		r = a.withCookie(ck, http.MethodPost, ingest.PathSync, body, jsonCT)
		require.Equal(t, http.StatusAccepted, r.Status, r.Raw)
		n := events()
		require.Positive(t, n)
		r = a.withCookie(ck, http.MethodPost, ingest.PathSync, body, map[string]string{"Content-Type": "application/json; charset=utf-8", "Origin": extOrigin, "Sec-Fetch-Site": "cross-site"})
		require.Equal(t, http.StatusAccepted, r.Status, r.Raw)
		require.Equal(t, extOrigin, r.Header.Get("Access-Control-Allow-Origin"))
		require.Equal(t, "true", r.Header.Get("Access-Control-Allow-Credentials"))
		require.Equal(t, n, events(), "the replay is stored once")
		var owner string
		require.NoError(t, db.Table("autofill_events").Select("user_id").Limit(1).Scan(&owner).Error)
		require.Equal(t, a.userID, owner, "stored as the signed-in user")
		r = a.withCookie(ck, http.MethodGet, ingest.PathProfile+"?host=boards.greenhouse.io&schema_hash=x", nil, map[string]string{"Origin": extOrigin})
		require.Equal(t, http.StatusOK, r.Status, r.Raw)

		// CORS: the extension may send credentials, a content script's job site only a token.
		w := a.doWithHeaders(http.MethodOptions, ingest.PathSync, map[string]string{"Origin": extOrigin, "Access-Control-Request-Method": "POST"})
		require.Equal(t, http.StatusNoContent, w.Code)
		require.Equal(t, "true", w.Header().Get("Access-Control-Allow-Credentials"))
		w = a.doWithHeaders(http.MethodOptions, ingest.PathSync, map[string]string{"Origin": "https://boards.greenhouse.io", "Access-Control-Request-Method": "POST"})
		require.Equal(t, "https://boards.greenhouse.io", w.Header().Get("Access-Control-Allow-Origin"))
		require.Empty(t, w.Header().Get("Access-Control-Allow-Credentials"))
		require.Contains(t, w.Header().Get("Access-Control-Allow-Headers"), "Authorization")
		// A content script calls with its token from the job site (no cookie).
		r = a.do(http.MethodGet, ingest.PathProfile+"?host=boards.greenhouse.io&schema_hash=x", nil, a.token)
		require.Equal(t, http.StatusOK, r.Status)
		req := a.withCookie(nil, http.MethodGet, ingest.PathProfile+"?host=boards.greenhouse.io&schema_hash=x", nil,
			map[string]string{"Origin": "https://boards.greenhouse.io", "Authorization": "Bearer " + a.token})
		require.Equal(t, http.StatusOK, req.Status)
		require.Equal(t, "https://boards.greenhouse.io", req.Header.Get("Access-Control-Allow-Origin"))
	})
}
