// Package admin serves the server's pages: the dashboard for admins, and for every user the
// sign-in page and "My extension" (their tokens, runs and data). Handlers read through
// app/report (or act through the package that owns the work) and render views through
// web.Page. One file per page or action. Access is by email and password, a signed session
// cookie (which the extension API also accepts, under web.ExtensionAuth's CSRF rules), a login
// rate limit, and a CSRF token plus an Origin check on every POST.
package admin

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
)

// Routes. Tests use these constants.
const (
	PathOverview     = "/admin"
	PathLogin        = "/login"
	PathAdminLogin   = "/admin/login" // the old address: goes to PathLogin
	PathLogout       = "/logout"
	PathSetPassword  = "/set-password"
	PathMe           = "/me"
	PathMeTokens     = "/me/tokens"
	PathMeTokenRev   = "/me/tokens/:id/revoke"
	PathMeExport     = "/me/events.json"
	PathMeDelete     = "/me/events/delete"
	PathUsers        = "/admin/users"
	PathUserLink     = "/admin/users/:id/password-link"
	PathUserDisable  = "/admin/users/:id/disable"
	PathUserEnable   = "/admin/users/:id/enable"
	PathUserAdmin    = "/admin/users/:id/admin"
	PathStatsRefresh = "/admin/stats/refresh"
	PathProfiles     = "/admin/profiles"
	PathProfile      = "/admin/profiles/:id"
	PathEvents       = "/admin/events"
	PathStyles       = "/admin/styles"
	PathStyleNew     = "/admin/styles/new"
	PathStyle        = "/admin/styles/:id"
	PathRuns         = "/admin/runs"
	PathRun          = "/admin/runs/:id"
	PathRunPanel     = "/admin/runs/:id/panel"
	PathTokens       = "/admin/tokens"
	PathTokenRevoke  = "/admin/tokens/:id/revoke"
	PathSchema       = "/admin/schema"
	PathEvaluate     = "/admin/evaluate"
)

// maxFormBytes caps the body of a dashboard form.
const maxFormBytes = 64 << 10

// Runner starts aggregator runs and reports their progress (*learning.Runner).
type Runner interface {
	Start(ctx context.Context, p learning.RunParams) (runID string, err error)
	Get(ctx context.Context, id string) (*models.AggregatorRun, error)
}

// Deps is what the dashboard needs.
type Deps struct {
	DB     *gorm.DB
	Config config.Config
	Log    *slog.Logger
	Runner Runner           // nil: the Run aggregator button is off
	Now    func() time.Time // time.Now when nil (tests pin it)
	// The overview's profile mix (a private one when nil), and the refresher that keeps it
	// warm (nil: the overview computes it when it finds it stale).
	Mix       *report.MixCache
	Refresher *report.Refresher
}

// Handlers serves the dashboard.
type Handlers struct {
	db        *gorm.DB
	cfg       config.Config
	log       *slog.Logger
	runner    Runner
	now       func() time.Time
	mix       *report.MixCache
	refresher *report.Refresher
	sessions  *sessions
	limiter   *loginLimiter
	proxies   []netip.Prefix
}

// New builds the handlers. With no SESSION_SECRET (development) sessions are signed with a
// random key of this process, so a restart signs everyone out.
func New(d Deps) (*Handlers, error) {
	key := []byte(d.Config.SessionSecret)
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("admin: session key: %w", err)
		}
	}
	proxies, err := parseProxies(d.Config.TrustedProxies)
	if err != nil {
		return nil, err
	}
	h := &Handlers{db: d.DB, cfg: d.Config, log: d.Log, runner: d.Runner, now: d.Now, mix: d.Mix, refresher: d.Refresher,
		sessions: newSessions(key, d.DB), limiter: newLoginLimiter(), proxies: proxies}
	if h.now == nil {
		h.now = time.Now
	}
	if h.mix == nil {
		h.mix = &report.MixCache{}
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	return h, nil
}

// Mount puts the pages on e and makes errors under them render as pages.
func (h *Handlers) Mount(e *gin.Engine) {
	e.Use(web.ErrorPages(renderError))
	pagesMW := []gin.HandlerFunc{securityHeaders(), web.BodyLimit(maxFormBytes), h.sameOrigin(), web.ValidText()}
	site := e.Group("", pagesMW...)
	site.GET(PathLogin, h.loginGet)
	site.POST(PathLogin, h.loginPost)
	site.GET(PathSetPassword, h.setPasswordGet)
	site.POST(PathSetPassword, h.setPasswordPost)
	me := site.Group("", h.requireSession(), h.checkCSRF())
	me.POST(PathLogout, h.logoutPost)
	me.GET(PathMe, h.meGet)
	me.POST(PathMeTokens, h.meTokensPost)
	me.POST(PathMeTokenRev, h.meTokenRevokePost)
	me.GET(PathMeExport, h.meExportGet)
	me.POST(PathMeDelete, h.meDeletePost)

	g := e.Group(PathOverview, pagesMW...)
	g.GET("/login", func(c *gin.Context) { web.Redirect(c, PathLogin+queryOf(c)) })
	a := g.Group("", h.requireSession(), requireAdmin(), h.checkCSRF())
	a.GET("", h.overviewGet)
	a.GET("/users", h.usersGet)
	a.POST("/users", h.usersCreatePost)
	a.POST("/users/:id/password-link", h.userLinkPost)
	a.POST("/users/:id/disable", h.userDisablePost)
	a.POST("/users/:id/enable", h.userEnablePost)
	a.POST("/users/:id/admin", h.userAdminPost)
	a.POST("/stats/refresh", h.statsRefreshPost)
	a.GET("/profiles", h.profilesGet)
	a.GET("/profiles/:id", h.profileGet)
	a.GET("/events", h.eventsGet)
	a.GET("/styles", h.stylesGet)
	a.GET("/styles/new", h.styleNewGet)
	a.POST("/styles", h.styleCreatePost)
	a.GET("/styles/:id", h.styleEditGet)
	a.POST("/styles/:id", h.styleUpdatePost)
	a.GET("/runs", h.runsGet)
	a.POST("/runs", h.runsCreatePost)
	a.GET("/runs/:id", h.runGet)
	a.GET("/runs/:id/panel", h.runPanelGet)
	a.GET("/tokens", h.tokensGet)
	a.POST("/tokens", h.tokensCreatePost)
	a.POST("/tokens/:id/revoke", h.tokenRevokePost)
	a.GET("/schema", h.schemaGet)
	a.GET("/evaluate", h.evaluateGet)
}

// queryOf is the request's query string with its "?", or "".
func queryOf(c *gin.Context) string {
	if q := c.Request.URL.RawQuery; q != "" {
		return "?" + q
	}
	return ""
}

// pathFor fills a route's :id.
func pathFor(route, id string) string { return strings.Replace(route, ":id", id, 1) }

func parseProxies(list []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range list {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, fmt.Errorf("config: TRUSTED_PROXIES: %q is neither an IP nor a CIDR", s)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// secureRequest reports whether the browser reached us over TLS: directly, or through a
// trusted proxy that says so in X-Forwarded-Proto.
func (h *Handlers) secureRequest(c *gin.Context) bool {
	if c.Request.TLS != nil {
		return true
	}
	if !strings.EqualFold(c.GetHeader("X-Forwarded-Proto"), "https") {
		return false
	}
	ip, err := netip.ParseAddr(c.RemoteIP())
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	for _, p := range h.proxies {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}
