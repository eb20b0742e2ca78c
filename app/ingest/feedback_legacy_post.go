package ingest

import (
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/web"
)

// legacyFeedbackRequest is what the shipped extension posts: a thumbs up or down for a form,
// with no event id.
type legacyFeedbackRequest struct {
	Host       *string `json:"host"`
	SchemaHash *string `json:"schema_hash"`
	Status     *string `json:"status"`
	GenStyleID *string `json:"gen_style_id"`
}

// legacyFeedbackReply says what a rating that names no event did (attribution): rated the
// run that followed the caller's last /profile read, held it for that run's event (202), or
// rated the latest event on the form.
type legacyFeedbackReply struct {
	Status         string     `json:"status"` // ok | held
	EventID        *string    `json:"event_id"`
	FeedbackStatus string     `json:"feedback_status"`
	Attribution    string     `json:"attribution"` // after_profile_read | held | latest_event
	HeldUntil      *time.Time `json:"held_until,omitempty"`
}

// legacyFeedbackPost rates the run the user is looking at (learning.RateForm).
func (h *Handlers) legacyFeedbackPost(c *gin.Context) {
	var req legacyFeedbackRequest
	body, err := readBody(c)
	if err == nil {
		err = decodeBytes(body, &req, "")
	}
	if err != nil {
		web.Fail(c, err)
		return
	}
	v := h.newChecker(body)
	form := learning.Form{Host: v.host("host", req.Host, true), SchemaHash: v.text("schema_hash", req.SchemaHash, true, config.MaxSchemaHashLen)}
	if req.Status == nil {
		v.fail("status", "is required (helpful or unhelpful)")
	}
	status := v.oneOf("status", req.Status, learning.Helpful, learning.Unhelpful)
	style := v.ident("gen_style_id", req.GenStyleID, false)
	if err := v.err(); err != nil {
		web.Fail(c, err)
		return
	}
	a, err := learning.RateForm(web.Context(c), h.DB, web.CurrentUser(c).ID, form, style, status, time.Now().UTC())
	if errors.Is(err, learning.ErrEventNotFound) {
		web.Fail(c, web.Errorf(http.StatusNotFound, "you have no event on %s %s in the last 24 hours to rate", form.Host, form.SchemaHash))
		return
	}
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	if a.Mode == learning.AttributedHeld {
		c.JSON(http.StatusAccepted, legacyFeedbackReply{Status: "held", FeedbackStatus: status, Attribution: a.Mode, HeldUntil: a.HeldUntil})
		return
	}
	h.Metrics.FeedbackTotal.WithLabelValues(status, "form").Inc()
	c.JSON(http.StatusOK, legacyFeedbackReply{Status: "ok", EventID: &a.EventID, FeedbackStatus: status, Attribution: a.Mode})
}
