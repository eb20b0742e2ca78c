package ingest

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

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

// legacyFeedbackPost attaches the rating to the caller's latest event on that form within 24
// hours (with that style, when given).
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
	form := learning.Form{Host: v.host("host", req.Host, true), SchemaHash: v.text("schema_hash", req.SchemaHash, true, 256)}
	if req.Status == nil {
		v.fail("status", "is required (helpful or unhelpful)")
	}
	status := v.oneOf("status", req.Status, learning.Helpful, learning.Unhelpful)
	style := v.ident("gen_style_id", req.GenStyleID, false)
	if err := v.err(); err != nil {
		web.Fail(c, err)
		return
	}
	eventID, err := learning.RateLatestEvent(web.Context(c), h.DB, web.CurrentUser(c).ID, form, style, status)
	if errors.Is(err, learning.ErrEventNotFound) {
		web.Fail(c, web.Errorf(http.StatusNotFound, "you have no event on %s %s in the last 24 hours to rate", form.Host, form.SchemaHash))
		return
	}
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	h.Metrics.FeedbackTotal.WithLabelValues(status, "form").Inc()
	c.JSON(http.StatusOK, feedbackReply{Status: "ok", EventID: eventID, FeedbackStatus: status})
}
