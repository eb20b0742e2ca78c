// Package ingest is the extension's API: sync, feedback, profile and explain-style. Handlers
// bind, validate, make one call into app/learning and render.
package ingest

import (
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
)

// Handlers holds what the extension API needs.
type Handlers struct {
	DB      *gorm.DB
	Config  config.Config
	Metrics *metrics.Metrics
}

// Register mounts the extension API: CORS (answering preflights before auth), a body limit,
// JSON bodies only, bearer-token auth and a per-token rate limit.
func Register(e *gin.Engine, h *Handlers) {
	limiter := web.NewRateLimiter(h.Config.RateLimitPerMin, h.Config.RateLimitBurst)
	cors := web.CORS(h.Config.CORSOrigins)
	api := e.Group("", cors, web.BodyLimit(h.Config.MaxBodyBytes), web.RequireJSON(), web.BearerAuth(h.DB),
		limiter.Limit(func(c *gin.Context) string { return web.CurrentToken(c).ID }))
	api.POST(PathSync, h.syncPost)
	api.POST(PathFeedback, h.feedbackPost)
	api.POST(PathLegacyFeedback, h.legacyFeedbackPost)
	api.GET(PathProfile, h.profileGet)
	api.GET(PathExplainStyle, h.explainStyleGet)
	for _, p := range []string{PathSync, PathFeedback, PathLegacyFeedback, PathProfile, PathExplainStyle} {
		e.OPTIONS(p, cors)
	}
}
