package web

import (
	"net/http"
	"slices"

	"github.com/gin-gonic/gin"
)

// CORS lets the listed origins (the extension's chrome-extension://… origin) call the API with
// a bearer token. No cookies are involved, so credentials are never allowed. Preflight
// requests are answered here.
func CORS(origins []string) gin.HandlerFunc {
	return func(c *gin.Context) {
		origin := c.GetHeader("Origin")
		c.Header("Vary", "Origin")
		allowed := origin != "" && (slices.Contains(origins, origin) || slices.Contains(origins, "*"))
		if allowed {
			c.Header("Access-Control-Allow-Origin", origin)
			c.Header("Access-Control-Expose-Headers", "Retry-After, X-Request-ID")
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
