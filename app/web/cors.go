package web

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"
)

// CORS lets the listed origins call the API from a browser: origins (API_CORS_ORIGINS: a
// content script's job site, the extension) with a bearer token and no credentials, and
// cookieOrigins (API_COOKIE_ORIGINS: extension origins only) with credentials too, so that a
// service worker fetching with credentials: "include" reads the reply. Preflight requests are
// answered here.
func CORS(origins, cookieOrigins []string) gin.HandlerFunc {
	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		c.Header("Vary", "Origin")
		withCookie := origin != "" && slices.Contains(cookieOrigins, origin)
		allowed := withCookie || origin != "" && (slices.Contains(origins, origin) || slices.Contains(origins, "*"))
		if allowed {
			c.Header("Access-Control-Allow-Origin", origin)
			c.Header("Access-Control-Expose-Headers", "Retry-After, X-Request-ID")
		}
		if withCookie {
			c.Header("Access-Control-Allow-Credentials", "true")
		}
		if c.Request.Method == http.MethodOptions {
			if allowed {
				c.Header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
				c.Header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-ID")
				c.Header("Access-Control-Max-Age", "600")
			}
			c.AbortWithStatus(http.StatusNoContent)
			return
		}
		c.Next()
	}
}
