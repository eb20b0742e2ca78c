// Package adminapi is the admin JSON API: start an aggregator run and follow it. It is mounted
// under /api/admin behind bearer-token auth of an admin user.
package adminapi

import (
	"time"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/web"
)

// Routes, relative to the group they are mounted on, and as clients see them.
const (
	Prefix          = "/api/admin"
	routeRunCreate  = "/aggregator/run"
	routeRunShow    = "/aggregator/runs/:id"
	PathRunCreate   = Prefix + routeRunCreate
	PathRunShowBase = Prefix + "/aggregator/runs/" // + run id
)

// maxBody caps the POST body ({"days": N}).
const maxBody = 4 << 10

// Handlers serves the admin API.
type Handlers struct {
	Runner      *learning.Runner
	DefaultDays int // the window of a run that names none (AGGREGATOR_DAYS)
}

// Mount adds the routes to g, which must already require an admin.
func Mount(g *gin.RouterGroup, h *Handlers) {
	g.POST(routeRunCreate, web.BodyLimit(maxBody), web.RequireJSON(), h.runsCreate)
	g.GET(routeRunShow, h.runsShow)
}

// runView is a run as the API shows it.
type runView struct {
	ID              string         `json:"id"`
	Trigger         string         `json:"trigger"`
	Days            int            `json:"days"`
	DryRun          bool           `json:"dry_run"`
	Status          string         `json:"status"`
	FormsTotal      int            `json:"forms_total"`
	FormsDone       int            `json:"forms_done"`
	EventsRead      int64          `json:"events_read"`
	ProfilesUpdated int            `json:"profiles_updated"`
	HintsChanged    int            `json:"hints_changed"`
	SourceMix       map[string]int `json:"source_mix"`
	Error           *string        `json:"error"`
	StartedAt       time.Time      `json:"started_at"`
	HeartbeatAt     time.Time      `json:"heartbeat_at"`
	FinishedAt      *time.Time     `json:"finished_at"`
	DurationMS      *int64         `json:"duration_ms"`
}

func viewOf(r *models.AggregatorRun) runView {
	mix := r.SourceMix.V
	if mix == nil {
		mix = map[string]int{}
	}
	return runView{
		ID: r.ID, Trigger: r.Trigger, Days: r.Days, DryRun: r.DryRun, Status: r.Status,
		FormsTotal: r.FormsTotal, FormsDone: r.FormsDone, EventsRead: r.EventsRead,
		ProfilesUpdated: r.ProfilesUpdated, HintsChanged: r.HintsChanged, SourceMix: mix, Error: r.Error,
		StartedAt: r.StartedAt, HeartbeatAt: r.HeartbeatAt, FinishedAt: r.FinishedAt, DurationMS: r.DurationMS,
	}
}
