package ingest

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/web"
)

type profileHint struct {
	GenStyleID       string              `json:"gen_style_id"`
	Confidence       float64             `json:"confidence"`
	PreferredStyleID string              `json:"preferred_style_id"`
	Source           string              `json:"source"`
	SegmentKey       string              `json:"segment_key"`
	Competitors      []models.StyleStats `json:"competitors,omitempty"`
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
// withheld (empty map, no hint). The kill switch removes the competitors, so the extension
// does not explore, but still serves the preferred style.
func (h *Handlers) profileGet(c *gin.Context) {
	form, seg, err := h.formQuery(c)
	if err != nil {
		web.Fail(c, err)
		return
	}
	p, err := learning.FindProfile(web.Context(c), h.DB, form)
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	reply := profileReply{Host: form.Host, SchemaHash: form.SchemaHash, CanonicalMap: models.StringMap{}}
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
		}
		if h.Config.BanditEnabled {
			reply.StyleHint.Competitors = learning.Competitors(choice)
		}
	}
	c.JSON(http.StatusOK, reply)
}
