package web

import (
	"errors"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/models"
)

const (
	userKey  = "auth_user"
	tokenKey = "auth_token"
)

// BearerToken is the token of the request's `Authorization: Bearer <token>` header, trimmed;
// ok is false when there is none. The scheme's case does not matter (RFC 9110, 11.1).
func BearerToken(c *gin.Context) (token string, ok bool) {
	scheme, rest, found := strings.Cut(strings.TrimSpace(c.GetHeader("Authorization")), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(rest)
	return token, token != ""
}

// BearerAuth admits requests carrying `Authorization: Bearer <token>` of a live token, and
// puts the token's user in the context. Revoked tokens stop working at once (no cache).
func BearerAuth(db *gorm.DB) gin.HandlerFunc {
	return func(c *gin.Context) {
		plain, ok := BearerToken(c)
		if !ok {
			Fail(c, &Error{Status: http.StatusUnauthorized, Message: "missing bearer token: send Authorization: Bearer <token>",
				Headers: map[string]string{"WWW-Authenticate": `Bearer realm="applylens"`}})
			return
		}
		tok, u, err := account.Authenticate(c.Request.Context(), db, plain)
		if errors.Is(err, account.ErrNotFound) {
			Fail(c, &Error{Status: http.StatusUnauthorized, Message: "invalid or revoked token",
				Headers: map[string]string{"WWW-Authenticate": `Bearer realm="applylens", error="invalid_token"`}})
			return
		}
		if err != nil {
			Fail(c, Internal(err))
			return
		}
		account.TouchToken(c.Request.Context(), db, tok)
		SetUser(c, u)
		c.Set(tokenKey, tok)
		c.Next()
	}
}

// PathOpenAPI is where the extension API's OpenAPI document is served (linked from My
// extension).
const PathOpenAPI = "/api/openapi.json"

// SessionUserFunc returns the user of a request's sign-in cookie, or nil when it carries no
// valid one (the pages own the cookie: admin.Handlers.SessionUser).
type SessionUserFunc func(c *gin.Context) (*models.User, error)

// ExtensionAuth admits a bearer token (BearerAuth) or, on a request that sends none, the
// sign-in cookie of a user, so that the shipped extension's service worker (which fetches with
// credentials: "include" and no Authorization header) works once its user has signed in.
// CSRF stays closed: the cookie counts only on a request whose Origin is absent or one of
// cookieOrigins (extension origins, never a web page's), that no browser marks as cross-site
// without such an Origin, and, when it has a body, that sends Content-Type: application/json
// (which no HTML form can). The cookie itself is SameSite=Lax.
func ExtensionAuth(db *gorm.DB, session SessionUserFunc, cookieOrigins []string) gin.HandlerFunc {
	bearer := BearerAuth(db)
	return func(c *gin.Context) {
		if c.GetHeader("Authorization") != "" || session == nil {
			bearer(c)
			return
		}
		u, err := session(c)
		if err != nil {
			Fail(c, Internal(err))
			return
		}
		if u == nil {
			Fail(c, &Error{Status: http.StatusUnauthorized,
				Message: "no bearer token and no sign-in: send Authorization: Bearer <token>, or sign in on this server in this browser",
				Headers: map[string]string{"WWW-Authenticate": `Bearer realm="applylens"`}})
			return
		}
		if err := cookieAllowed(c, cookieOrigins); err != nil {
			Fail(c, err)
			return
		}
		SetUser(c, u)
		c.Next()
	}
}

// cookieAllowed applies ExtensionAuth's CSRF rules to a request authenticated by its cookie.
func cookieAllowed(c *gin.Context, cookieOrigins []string) *Error {
	origin := c.GetHeader("Origin")
	fromExtension := origin != "" && slices.Contains(cookieOrigins, origin)
	if origin != "" && !fromExtension {
		return Errorf(http.StatusForbidden, "the sign-in cookie is not accepted from %s: a web page (or a content script) must send Authorization: Bearer <token>", truncateOrigin(origin))
	}
	if site := c.GetHeader("Sec-Fetch-Site"); !fromExtension && (site == "cross-site" || site == "same-site") {
		return Errorf(http.StatusForbidden, "the sign-in cookie is not accepted on a cross-site request: send Authorization: Bearer <token>")
	}
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
		if err != nil || mt != "application/json" {
			return Errorf(http.StatusUnsupportedMediaType, "a request signed in by cookie must send a JSON body with Content-Type: application/json")
		}
	}
	return nil
}

func truncateOrigin(o string) string {
	if len(o) > 80 {
		return o[:80] + "…"
	}
	return o
}

// RateKey is the rate limit's key of an authenticated request: its token, else its user.
func RateKey(c *gin.Context) string {
	if t := CurrentToken(c); t != nil {
		return "token:" + t.ID
	}
	if u := CurrentUser(c); u != nil {
		return "user:" + u.ID
	}
	return "ip:" + c.ClientIP()
}

// SetUser puts the authenticated user in the context (session or token auth).
func SetUser(c *gin.Context, u *models.User) { c.Set(userKey, u) }

// CurrentUser is the authenticated user, or nil.
func CurrentUser(c *gin.Context) *models.User {
	u, _ := c.Get(userKey)
	user, _ := u.(*models.User)
	return user
}

// CurrentToken is the token the request authenticated with, or nil.
func CurrentToken(c *gin.Context) *models.APIToken {
	t, _ := c.Get(tokenKey)
	tok, _ := t.(*models.APIToken)
	return tok
}

// RequireAdmin lets through only an authenticated admin (after BearerAuth or a session).
func RequireAdmin() gin.HandlerFunc {
	return func(c *gin.Context) {
		u := CurrentUser(c)
		if u == nil {
			Fail(c, Errorf(http.StatusUnauthorized, "sign in first"))
			return
		}
		if !u.IsAdmin {
			Fail(c, Errorf(http.StatusForbidden, "this needs an admin"))
			return
		}
		c.Next()
	}
}
