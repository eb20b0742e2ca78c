package ingest

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/web"
)

type feedbackRequest struct {
	EventID        *string `json:"event_id"`
	FeedbackStatus *string `json:"feedback_status"`
	EditChars      *int    `json:"edit_chars"`
}

type feedbackReply struct {
	Status         string `json:"status"`
	EventID        string `json:"event_id"`
	FeedbackStatus string `json:"feedback_status"`
}

// feedbackPost rates one of the caller's events by its event_id; the latest rating wins.
func (h *Handlers) feedbackPost(c *gin.Context) {
	var req feedbackRequest
	body, err := readBody(c)
	if err == nil {
		err = decodeBytes(body, &req, "")
	}
	if err != nil {
		web.Fail(c, err)
		return
	}
	v := h.newChecker(body)
	var eventID string
	if raw := v.text("event_id", req.EventID, true, config.MaxIdentLen); raw != "" {
		if id, err := uuid.Parse(strings.TrimSpace(raw)); err != nil {
			v.fail("event_id", "must be a UUID (got %q)", truncate(raw, 40))
		} else {
			eventID = id.String()
		}
	}
	if req.FeedbackStatus == nil {
		v.fail("feedback_status", "is required (helpful or unhelpful)")
	}
	status := v.oneOf("feedback_status", req.FeedbackStatus, learning.Helpful, learning.Unhelpful)
	v.intRange("edit_chars", req.EditChars, 0, config.MaxEditChars)
	if err := v.err(); err != nil {
		web.Fail(c, err)
		return
	}
	err = learning.RateEvent(web.Context(c), h.DB, web.CurrentUser(c).ID, eventID, status, req.EditChars)
	if errors.Is(err, learning.ErrEventNotFound) {
		web.Fail(c, web.Errorf(http.StatusNotFound, "you have no event %s", eventID))
		return
	}
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	h.Metrics.FeedbackTotal.WithLabelValues(status, "event").Inc()
	c.JSON(http.StatusOK, feedbackReply{Status: "ok", EventID: eventID, FeedbackStatus: status})
}
