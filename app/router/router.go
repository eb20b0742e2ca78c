// Package router mounts every route of the service on one gin engine: the one place to see
// what the server answers.
package router

import (
	"crypto/subtle"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/admin"
	"github.com/applylens/learning/app/adminapi"
	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/ingest"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/metrics"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/static"
)

// Deps is what the routes need.
type Deps struct {
	Config  config.Config
	DB      *gorm.DB
	Log     *slog.Logger
	Metrics *metrics.Metrics
	Runner  *learning.Runner // the aggregator's runner: the dashboard's Run button (nil: off)
	// The overview's profile mix and the refresher that keeps it warm (serve builds both;
	// nil: the dashboard keeps its own mix and nothing warms it).
	Mix       *report.MixCache
	Refresher *report.Refresher
}

// PathMetrics is the Prometheus endpoint.
const PathMetrics = "/metrics"

// New returns the engine with every route mounted.
func New(d Deps) (*gin.Engine, error) {
	e, err := web.NewEngine(d.Config, d.Log)
	if err != nil {
		return nil, err
	}
	e.Use(d.Metrics.Middleware())
	e.GET(web.PathHealthz, web.Healthz)
	e.GET(web.PathReadyz, web.Readyz(d.DB))
	e.GET(PathMetrics, metricsAuth(d.Config.MetricsToken), gin.WrapH(promhttp.HandlerFor(d.Metrics.Registry, promhttp.HandlerOpts{})))
	e.StaticFS("/static", http.FS(static.FS))
	ad := admin.Deps{DB: d.DB, Config: d.Config, Log: d.Log, Mix: d.Mix, Refresher: d.Refresher}
	if d.Runner != nil {
		ad.Runner = d.Runner
	}
	pages, err := admin.New(ad)
	if err != nil {
		return nil, err
	}
	pages.Mount(e)
	ingest.Register(e, &ingest.Handlers{DB: d.DB, Config: d.Config, Metrics: d.Metrics, SessionUser: pages.SessionUser})
	if d.Runner != nil {
		api := e.Group(adminapi.Prefix, web.BearerAuth(d.DB), web.RequireAdmin())
		adminapi.Mount(api, &adminapi.Handlers{Runner: d.Runner, DefaultDays: d.Config.AggregatorDays})
	}
	return e, nil
}

// metricsAuth asks for METRICS_TOKEN as a bearer token when it is set.
func metricsAuth(token string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if sent, _ := web.BearerToken(c); token != "" && subtle.ConstantTimeCompare([]byte(sent), []byte(token)) != 1 {
			web.Fail(c, web.Errorf(http.StatusUnauthorized, "metrics need the METRICS_TOKEN bearer token"))
			return
		}
		c.Next()
	}
}
