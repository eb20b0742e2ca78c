// Package web is the HTTP base: the gin engine configured on purpose, middleware, the error
// type every handler returns and the helpers that render JSON and pages.
package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/applylens/learning/app/store"
	"github.com/applylens/learning/migrations"
)

// Error is an error with an HTTP status and a message that is safe to show a client. The
// wrapped cause is logged, never sent.
type Error struct {
	Status  int
	Message string
	Fields  []FieldError // for 422: every field that is wrong
	Err     error
	Headers map[string]string
	Extra   map[string]any // more fields of the JSON reply ({"run_id": …} of a 409)
}

// FieldError names one wrong field by its path in the body (events[3].policy).
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Message, e.Err)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with a status and a public message.
func Errorf(status int, format string, args ...any) *Error {
	return &Error{Status: status, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected error as a 500 whose message reveals nothing.
func Internal(err error) *Error {
	return &Error{Status: http.StatusInternalServerError, Message: "internal error", Err: err}
}

// RetryAfterSeconds is what a 503 asks a client to wait before it tries again.
const RetryAfterSeconds = 5

// Unavailable is a 503 for a database that cannot serve right now (store.Unavailable): the
// client is told to come back, not that the server is broken.
func Unavailable(err error) *Error {
	return &Error{Status: http.StatusServiceUnavailable, Message: "the database is unavailable: try again shortly", Err: err,
		Headers: map[string]string{"Retry-After": strconv.Itoa(RetryAfterSeconds)}}
}

// Invalid is a 422 listing the wrong fields.
func Invalid(fields []FieldError) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Message: "the request does not validate", Fields: fields}
}

// AsError turns any error into an *Error: a 503 when the database is unavailable or is still
// being adopted (whatever status the handler chose for it), else the *Error it is, else a 500.
func AsError(err error) *Error {
	var e *Error
	var adopting *migrations.BackfillPendingError
	switch {
	case errors.As(err, &e) && e.Status < 500:
		return e
	case store.Unavailable(err):
		return Unavailable(err)
	case errors.As(err, &adopting):
		// Not broken, not the caller's fault: the adoption backfill has rows left to fill.
		return &Error{Status: http.StatusServiceUnavailable, Message: adopting.Error(), Err: err,
			Headers: map[string]string{"Retry-After": "60"}}
	case e != nil:
		return e
	}
	return Internal(err)
}
