package ingest

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
)

type consideredStyle struct {
	StyleID       string   `json:"style_id"`
	Source        string   `json:"source"`
	SegmentKey    *string  `json:"segment_key"` // null when none (the web app renders it with ?? "—")
	TotalRuns     int      `json:"total_runs"`
	HelpfulRuns   int      `json:"helpful_runs"`
	UnhelpfulRuns int      `json:"unhelpful_runs"`
	RatedRuns     int      `json:"rated_runs"`
	HelpfulRatio  *float64 `json:"helpful_ratio"`
	AvgEditChars  *float64 `json:"avg_edit_chars"`
	IsWinner      bool     `json:"is_winner"`
	// Posterior is the bayes model's estimate of the style for this form and segment.
	Posterior *models.Posterior `json:"posterior,omitempty"`
}

type explainReply struct {
	Host             string            `json:"host"`
	SchemaHash       string            `json:"schema_hash"`
	HostFamily       string            `json:"host_family"`
	SegmentKey       *string           `json:"segment_key"` // null when none
	ChosenStyleID    *string           `json:"chosen_style_id"`
	Source           string            `json:"source"`
	ConsideredStyles []consideredStyle `json:"considered_styles"`
	Explanation      string            `json:"explanation"`
	modelFigures
}

// explainStyleGet says which style a form's hint chose and why, from the stored statistics of
// the level actually used, so that the chosen style always comes with its own statistics.
func (h *Handlers) explainStyleGet(c *gin.Context) {
	req, ok := h.readForm(c)
	if !ok {
		return
	}
	form, seg, p := req.form, req.segment, req.profile
	var family string
	if p != nil {
		family = p.HostFamily // stored when the profile was made
	} else {
		family = learning.Family(form.Host) // no sync has reached the form: what one would store
	}
	th := models.Thresholds{Form: h.Config.MinFormRuns, Segment: h.Config.MinSegmentRuns, Family: h.Config.MinFamilyRuns}
	reply := explainReply{Host: form.Host, SchemaHash: form.SchemaHash, HostFamily: learning.FamilyLabel(family),
		SegmentKey: nullable(seg), Source: models.SourceNone, ConsideredStyles: []consideredStyle{}}
	var hint *models.StyleHint
	if p != nil {
		hint = p.StyleHint.V
	}
	choice, ok := learning.ChoiceFor(hint, seg, req.discipline)
	if ok {
		th = hint.Thresholds
		reply.Source = choice.Source
		reply.ChosenStyleID = choice.PreferredStyleID
		if choice.SegmentKey != "" {
			reply.SegmentKey = &choice.SegmentKey
		}
		for _, s := range choice.Candidates {
			reply.ConsideredStyles = append(reply.ConsideredStyles, consideredStyle{
				StyleID: s.StyleID, Source: s.Level, SegmentKey: nullable(s.SegmentKey), TotalRuns: s.TotalRuns,
				HelpfulRuns: s.HelpfulRuns, UnhelpfulRuns: s.UnhelpfulRuns, RatedRuns: s.RatedRuns,
				HelpfulRatio: s.HelpfulRatio, AvgEditChars: s.AvgEditChars, IsWinner: s.IsWinner, Posterior: s.Posterior,
			})
		}
	}
	if reply.Source == "" {
		reply.Source = models.SourceNone
	}
	if hint == nil {
		reply.Explanation = learning.ExplainNoHint(h.Config.LearningPolicy, family, seg, th, p != nil)
	} else {
		reply.Explanation = learning.Explain(choice, family, th)
	}
	reply.modelFigures = figuresOf(hint, choice, h.Config.LearningPolicy)
	c.JSON(http.StatusOK, reply)
}
