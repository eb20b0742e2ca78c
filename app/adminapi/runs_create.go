package adminapi

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

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
	req, err := readRunCreate(c)
	if err != nil {
		web.Fail(c, err)
		return
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

// readRunCreate decodes the optional body: none (or an empty one) asks for the defaults; a
// field it does not know is named (a misspelt "dayz" must not start a run over the default
// window), and a body over the API's limit is a 413.
func readRunCreate(c *gin.Context) (runCreateRequest, error) {
	var req runCreateRequest
	if c.Request.Body == nil || c.Request.ContentLength == 0 {
		return req, nil
	}
	dec := json.NewDecoder(c.Request.Body)
	dec.DisallowUnknownFields()
	err := dec.Decode(&req)
	if err == nil { // then nothing may follow the object
		if _, err = dec.Token(); err == nil {
			err = errors.New("more than one JSON value")
		} else if errors.Is(err, io.EOF) {
			err = nil
		}
	}
	var typeErr *json.UnmarshalTypeError
	if e, ok := web.TooLarge(err); ok {
		return req, e
	}
	switch {
	case err == nil, errors.Is(err, io.EOF):
		return req, nil
	case errors.As(err, &typeErr) && typeErr.Field == "days":
		return req, web.Invalid([]web.FieldError{{Field: "days", Message: "must be a whole number of days (got a JSON " + typeErr.Value + ")"}})
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		field, _ := strconv.Unquote(name)
		return req, web.Invalid([]web.FieldError{{Field: field, Message: `is not a field of this request: send {"days": N} or nothing`}})
	}
	return req, web.Invalid([]web.FieldError{{Field: "body", Message: `must be a JSON object such as {"days": 30}`}})
}
