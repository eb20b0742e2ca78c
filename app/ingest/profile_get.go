package ingest

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
)

type profileHint struct {
	GenStyleID       string              `json:"gen_style_id"`
	Confidence       float64             `json:"confidence"`
	PreferredStyleID string              `json:"preferred_style_id"`
	Source           string              `json:"source"`
	SegmentKey       string              `json:"segment_key"`
	BanditEnabled    bool                `json:"bandit_enabled"` // false: the kill switch is on, do not explore
	Competitors      []models.StyleStats `json:"competitors"`    // the other eligible styles; empty with the kill switch on
	ComputedAt       time.Time           `json:"computed_at"`
}

type profileReply struct {
	Host         string           `json:"host"`
	SchemaHash   string           `json:"schema_hash"`
	CanonicalMap models.StringMap `json:"canonical_map"`
	StyleHint    *profileHint     `json:"style_hint"`
}

// profileGet serves a form's canonical map and the style to use, for the requesting job's
// segment when the form has a hint for it. A profile that fails the quality guard is
// withheld (empty map, no hint). The kill switch empties the competitors and says so
// (bandit_enabled false), so the extension does not explore, but still serves the preferred
// style.
func (h *Handlers) profileGet(c *gin.Context) {
	req, ok := h.readForm(c)
	if !ok {
		return
	}
	p, seg := req.profile, req.segment
	reply := profileReply{Host: req.form.Host, SchemaHash: req.form.SchemaHash, CanonicalMap: models.StringMap{}}
	if p == nil || learning.Withheld(p) {
		c.JSON(http.StatusOK, reply)
		return
	}
	if p.Fields.V != nil {
		reply.CanonicalMap = p.Fields.V
	}
	hint := p.StyleHint.V
	if choice, ok := learning.ChoiceFor(hint, seg); ok && choice.PreferredStyleID != nil {
		reply.StyleHint = &profileHint{
			GenStyleID:       *choice.PreferredStyleID,
			PreferredStyleID: *choice.PreferredStyleID,
			Confidence:       learning.Confidence(p),
			Source:           choice.Source,
			SegmentKey:       choice.SegmentKey,
			ComputedAt:       hint.ComputedAt,
			BanditEnabled:    h.Config.BanditEnabled,
			Competitors:      []models.StyleStats{},
		}
		if h.Config.BanditEnabled {
			reply.StyleHint.Competitors = learning.Competitors(choice)
		}
	}
	c.JSON(http.StatusOK, reply)
}
