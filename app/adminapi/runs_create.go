package adminapi

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/web"
)

// runCreateRequest is the optional body of POST /api/admin/aggregator/run.
type runCreateRequest struct {
	Days *int `json:"days"` // default AGGREGATOR_DAYS; 0 = all time
}

// runsCreate starts a run in the background: 202 {run_id}, or 409 {error, run_id} while
// another run is in progress (in any process).
func (h *Handlers) runsCreate(c *gin.Context) {
	var req runCreateRequest
	if c.Request.ContentLength != 0 {
		if err := c.ShouldBindJSON(&req); err != nil {
			field, msg := "body", "must be a JSON object such as {\"days\": 30}"
			var typeErr *json.UnmarshalTypeError
			if errors.As(err, &typeErr) && typeErr.Field == "days" {
				field, msg = "days", "must be a whole number of days (got a JSON "+typeErr.Value+")"
			}
			web.Fail(c, web.Invalid([]web.FieldError{{Field: field, Message: msg}}))
			return
		}
	}
	days := h.DefaultDays
	if req.Days != nil {
		days = *req.Days
	}
	if err := config.CheckDays(days); err != nil {
		web.Fail(c, web.Invalid([]web.FieldError{{Field: "days", Message: err.Error()}}))
		return
	}
	id, err := h.Runner.Start(c.Request.Context(), learning.RunParams{Days: days, Trigger: learning.TriggerAdmin})
	var busy *learning.AlreadyRunningError
	switch {
	case errors.As(err, &busy):
		web.Fail(c, &web.Error{Status: http.StatusConflict, Message: "another aggregator run is in progress",
			Err: err, Extra: map[string]any{"run_id": busy.RunID}})
		return
	case err != nil:
		web.Fail(c, web.Internal(err))
		return
	}
	user := web.CurrentUser(c)
	web.Logger(c).InfoContext(c.Request.Context(), "aggregator run started through the API", "run_id", id, "days", days, "user_id", user.ID)
	c.Header("Location", PathRunShowBase+id)
	c.JSON(http.StatusAccepted, gin.H{"run_id": id})
}
