package web

import (
	"errors"
	"net/http"
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

// BearerAuth admits requests carrying `Authorization: Bearer <token>` of a live token, and
// puts the token's user in the context. Revoked tokens stop working at once (no cache).
func BearerAuth(db *gorm.DB) gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.GetHeader("Authorization")
		plain, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(plain) == "" {
			Fail(c, &Error{Status: http.StatusUnauthorized, Message: "missing bearer token: send Authorization: Bearer <token>",
				Headers: map[string]string{"WWW-Authenticate": `Bearer realm="applylens"`}})
			return
		}
		tok, u, err := account.Authenticate(c.Request.Context(), db, strings.TrimSpace(plain))
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
