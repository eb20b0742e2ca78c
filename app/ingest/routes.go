// Package ingest is the extension's API: sync, feedback, profile and explain-style. Handlers
// bind, validate, make one call into app/learning and render.
package ingest

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/metrics"
	"github.com/applylens/learning/app/web"
)

// Route paths (tests reuse them).
const (
	PathSync           = "/api/extension/learning/sync"
	PathFeedback       = "/api/extension/learning/feedback"
	PathLegacyFeedback = "/api/extension/feedback/autofill"
	PathProfile        = "/api/extension/learning/profile"
	PathExplainStyle   = "/api/extension/learning/explain-style"
	PathOpenAPI        = web.PathOpenAPI
)

// openAPI is the extension API's contract (OpenAPI 3.1), kept true by TestContract.
//
//go:embed openapi/openapi.json
var openAPI []byte

// Handlers holds what the extension API needs.
type Handlers struct {
	DB      *gorm.DB
	Config  config.Config
	Metrics *metrics.Metrics
	// SessionUser reads the sign-in cookie (nil: bearer tokens only).
	SessionUser web.SessionUserFunc
}

// Register mounts the extension API: CORS (answering preflights before auth), a body limit,
// JSON bodies only (web.RequireJSON), auth by bearer token or sign-in cookie
// (web.ExtensionAuth) and a rate limit per token or user.
func Register(e *gin.Engine, h *Handlers) {
	limiter := web.NewRateLimiter(h.Config.RateLimitPerMin, h.Config.RateLimitBurst)
	cors := web.CORS(h.Config.CORSOrigins, h.Config.CookieOrigins)
	api := e.Group("", cors, web.BodyLimit(h.Config.MaxBodyBytes), web.RequireJSON(),
		web.ExtensionAuth(h.DB, h.SessionUser, h.Config.CookieOrigins), limiter.Limit(web.RateKey))
	api.POST(PathSync, h.syncPost)
	api.POST(PathFeedback, h.feedbackPost)
	api.POST(PathLegacyFeedback, h.legacyFeedbackPost)
	api.GET(PathProfile, h.profileGet)
	api.GET(PathExplainStyle, h.explainStyleGet)
	e.GET(PathOpenAPI, cors, func(c *gin.Context) { c.Data(http.StatusOK, "application/json; charset=utf-8", openAPI) })
	for _, p := range []string{PathOpenAPI, PathSync, PathFeedback, PathLegacyFeedback, PathProfile, PathExplainStyle} {
		e.OPTIONS(p, cors)
	}
}
