package ingest

import (
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/web"
)

// profileHint is style_hint. Besides the original's three fields it carries what the real
// clients read (../shared/fixtures/realclient): style_stats in the Phase 5.4 client's shape,
// and the TypeScript client's summary_style, max_length and tone.
type profileHint struct {
	// GenStyleID is the style to use for this request: under bayes a Thompson draw (with
	// Policy and Propensity saying how it was drawn), else the preferred style.
	GenStyleID       string         `json:"gen_style_id"`
	Policy           string         `json:"policy"`     // exploit: the posterior best; explore: another style
	Propensity       float64        `json:"propensity"` // the chance gen_style_id had of being served
	Confidence       float64        `json:"confidence"`
	PreferredStyleID string         `json:"preferred_style_id"`
	Source           string         `json:"source"`
	SegmentKey       *string        `json:"segment_key"`    // null when the choice is not a segment's
	BanditEnabled    bool           `json:"bandit_enabled"` // false: the kill switch is on, do not explore
	Competitors      []styleEntry   `json:"competitors"`    // the other eligible styles; empty with the kill switch on
	StyleStats       map[string]any `json:"style_stats"`    // {competitors, chosen, <style_id>: entry…}
	SummaryStyle     *string        `json:"summary_style"`  // the chosen style's format (bullets, paragraph)
	MaxLength        *int           `json:"max_length"`     // characters, from the chosen style's length_hint
	Tone             *string        `json:"tone"`
	ComputedAt       time.Time      `json:"computed_at"`
	modelFigures
}

// modelFigures say how a hint was made, for /profile and explain-style alike: the learning
// policy, and under bayes the choice's confidence label, the rated runs still needed, the
// winner's shares of evidence by level, and the model's concentrations; and the window.
type modelFigures struct {
	LearningPolicy  string         `json:"learning_policy"` // bayes | threshold
	ConfidenceLabel string         `json:"confidence_label,omitempty"`
	RunsNeeded      *int           `json:"runs_needed,omitempty"`
	Shares          *models.Shares `json:"shares,omitempty"`
	Kappas          *models.Kappas `json:"kappas,omitempty"`
	WindowDays      int            `json:"window_days"`
}

// figuresOf are the figures of hint h's choice c; with no hint, only the policy that will make
// one (LEARNING_POLICY).
func figuresOf(h *models.StyleHint, c models.Choice, policy string) modelFigures {
	if h == nil {
		return modelFigures{LearningPolicy: policy}
	}
	f := modelFigures{LearningPolicy: models.PolicyThreshold} // a hint from before policies
	if h.Policy != "" {
		f.LearningPolicy = h.Policy
	}
	f.ConfidenceLabel, f.RunsNeeded, f.Shares, f.Kappas, f.WindowDays = c.Confidence, c.RunsNeeded, c.Shares, h.Kappas, h.WindowDays
	return f
}

// styleEntry is one candidate style as the clients read it: every statistic the aggregator
// keeps (so that new ones reach the clients by themselves), the style id in both spellings
// (the Phase 5.4 bandit reads styleId), helpful as the Phase 5.4 client names it, and a
// segment_key that is null rather than absent when there is none.
type styleEntry struct {
	models.StyleStats
	StyleIDCamel string  `json:"styleId"`
	Helpful      int     `json:"helpful"`
	SegmentKey   *string `json:"segment_key"`
}

func entryOf(s models.StyleStats) styleEntry {
	return styleEntry{StyleStats: s, StyleIDCamel: s.StyleID, Helpful: s.HelpfulRuns, SegmentKey: nullable(s.SegmentKey)}
}

// Keys of style_stats that are not style ids.
const (
	statsCompetitors = "competitors"
	statsChosen      = "chosen"
)

// styleStats is style_hint.style_stats: the competitors to explore, the chosen style's entry,
// and an entry per candidate style id.
func styleStats(candidates []models.StyleStats, competitors []styleEntry, chosen string) map[string]any {
	out := map[string]any{statsCompetitors: competitors, statsChosen: nil}
	for _, s := range candidates {
		e := entryOf(s)
		if s.StyleID == chosen {
			out[statsChosen] = e
		}
		if s.StyleID != statsCompetitors && s.StyleID != statsChosen {
			out[s.StyleID] = e
		}
	}
	return out
}

type profileReply struct {
	Host         string           `json:"host"`
	SchemaHash   string           `json:"schema_hash"`
	CanonicalMap models.StringMap `json:"canonical_map"`
	StyleHint    *profileHint     `json:"style_hint"`
	// What the shipped panel reads ("Learned from N previous applications").
	EventCount  int        `json:"event_count"`
	SuccessRate *float64   `json:"success_rate"`
	LastSeenAt  *time.Time `json:"last_seen_at"`
}

// profileGet serves a form's canonical map and the style to use, for the requesting job's
// segment when the form has a hint for it. A profile that fails the quality guard is
// withheld (empty map, no hint). Under bayes the style to use is drawn by Thompson sampling
// (every style keeps at least EXPLORE_FLOOR) while preferred_style_id stays the posterior
// best, for clients that explore by themselves. The kill switch empties the competitors and
// says so (bandit_enabled false), so nobody explores, and serves the preferred style with
// propensity 1.
func (h *Handlers) profileGet(c *gin.Context) {
	req, ok := h.readForm(c)
	if !ok {
		return
	}
	reply, ok := h.profileReply(c, req)
	if !ok {
		return
	}
	// The client reads the profile at the start of each run: remember it, and what was served,
	// to attribute the run's rating and impute its propensity.
	served := learning.Served{}
	if sh := reply.StyleHint; sh != nil {
		served.PreferredStyleID = sh.PreferredStyleID
		served.ChosenStyleID, served.ChosenPolicy = sh.GenStyleID, sh.Policy
		served.ChosenPropensity = &sh.Propensity
		for _, s := range sh.Competitors {
			served.Competitors = append(served.Competitors, s.StyleID)
		}
	}
	if err := learning.RecordProfileRead(web.Context(c), h.DB, web.CurrentUser(c).ID, req.form, served, time.Now()); err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	c.JSON(http.StatusOK, reply)
}

// profileReply builds the reply; on a failure it has already answered.
func (h *Handlers) profileReply(c *gin.Context, req formRequest) (profileReply, bool) {
	p, seg := req.profile, req.segment
	reply := profileReply{Host: req.form.Host, SchemaHash: req.form.SchemaHash, CanonicalMap: models.StringMap{}}
	if p != nil {
		reply.EventCount, reply.SuccessRate, reply.LastSeenAt = p.EventCount, p.SuccessRate, p.LastSeenAt
	}
	if p == nil || learning.Withheld(p) {
		return reply, true
	}
	if p.Fields.V != nil {
		reply.CanonicalMap = p.Fields.V
	}
	hint := p.StyleHint.V
	if choice, ok := learning.ChoiceFor(hint, seg, req.discipline); ok && choice.PreferredStyleID != nil {
		preferred := *choice.PreferredStyleID
		draw := learning.Draw{StyleID: preferred, Policy: learning.PolicyExploit, Propensity: 1} // the kill switch serves the best
		if h.Config.BanditEnabled {
			draw, _ = learning.Thompson(choice, h.Config.ExploreFloor, rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())))
		}
		sh := &profileHint{
			GenStyleID: draw.StyleID, Policy: draw.Policy, Propensity: draw.Propensity,
			PreferredStyleID: preferred, Confidence: learning.Confidence(p),
			Source: choice.Source, SegmentKey: nullable(choice.SegmentKey), ComputedAt: hint.ComputedAt,
			BanditEnabled: h.Config.BanditEnabled, Competitors: []styleEntry{},
			modelFigures: figuresOf(hint, choice, h.Config.LearningPolicy),
		}
		if h.Config.BanditEnabled {
			for _, s := range learning.Competitors(choice) {
				sh.Competitors = append(sh.Competitors, entryOf(s))
			}
		}
		sh.StyleStats = styleStats(choice.Candidates, sh.Competitors, draw.StyleID)
		guide, err := learning.GuideFor(web.Context(c), h.DB, draw.StyleID)
		if err != nil {
			web.Fail(c, web.Internal(err))
			return reply, false
		}
		if guide != nil {
			sh.SummaryStyle, sh.Tone, sh.MaxLength = &guide.SummaryStyle, &guide.Tone, guide.MaxLength
		}
		reply.StyleHint = sh
	}
	return reply, true
}

// nullable is nil for "" (JSON null), else a pointer to s.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
