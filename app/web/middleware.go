package web

import (
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/applylens/learning/app/logging"
)

const (
	requestIDKey = "request_id"
	loggerKey    = "logger"
)

// Logger is the request's logger: the engine's (set by AccessLog), else slog's default.
func Logger(c *gin.Context) *slog.Logger {
	if l, ok := c.Get(loggerKey); ok {
		return l.(*slog.Logger)
	}
	return slog.Default()
}

var safeRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// RequestID takes X-Request-ID when it is sane, or makes one, and puts it in the context and
// the reply.
func RequestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if !safeRequestID.MatchString(id) {
			id = uuid.NewString()
		}
		c.Set(requestIDKey, id)
		c.Header("X-Request-ID", id)
		c.Request = c.Request.WithContext(logging.WithRequestID(c.Request.Context(), id))
		c.Next()
	}
}

// AccessLog logs one line per request, and gives handlers the engine's logger (Logger).
func AccessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Set(loggerKey, log)
		start := time.Now()
		c.Next()
		status := c.Writer.Status()
		level := slog.LevelInfo
		switch {
		case status >= 500:
			level = slog.LevelError
		case status >= 400:
			level = slog.LevelWarn
		case c.Request.URL.Path == "/healthz" || c.Request.URL.Path == "/readyz":
			level = slog.LevelDebug
		}
		log.Log(c.Request.Context(), level, "http",
			"method", c.Request.Method, "path", c.Request.URL.Path, "route", c.FullPath(),
			"status", status, "bytes", c.Writer.Size(), "duration_ms", time.Since(start).Milliseconds(),
			"client_ip", c.ClientIP())
	}
}

// Recovery turns a panic into a logged 500 that reveals nothing to the client.
func Recovery() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				if r == http.ErrAbortHandler {
					panic(r)
				}
				Logger(c).ErrorContext(c.Request.Context(), "panic", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				if !c.Writer.Written() {
					Fail(c, Internal(fmt.Errorf("panic: %v", r)))
				} else {
					c.Abort()
				}
			}
		}()
		c.Next()
	}
}

// StorableText reports whether s is text both databases store as sent: valid UTF-8 without
// NUL (Postgres refuses both in a text column, SQLSTATE 22021).
func StorableText(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// TooLarge is the 413 for a body that went over BodyLimit's cap while it was read (err wraps
// the *http.MaxBytesError); ok is false for any other error.
func TooLarge(err error) (e *Error, ok bool) {
	var tooBig *http.MaxBytesError
	if !errors.As(err, &tooBig) {
		return nil, false
	}
	return bodyTooLarge(tooBig.Limit), true
}

func bodyTooLarge(limit int64) *Error {
	return Errorf(http.StatusRequestEntityTooLarge, "request body is larger than %d bytes", limit)
}

// ValidText refuses with 400 a request whose path, query or form holds text that is not valid
// UTF-8 or holds a NUL character, naming the parameter: Postgres stores neither in a text
// column (a query with one fails, SQLSTATE 22021), so such a value would otherwise get a 500.
// For the server-rendered pages; the JSON APIs check their fields themselves (422).
func ValidText() gin.HandlerFunc {
	return func(c *gin.Context) {
		bad := func(s string) bool { return !StorableText(s) }
		fail := func(what string) {
			Fail(c, Errorf(http.StatusBadRequest, "%s is not valid text (not UTF-8, or it holds a NUL character)", what))
		}
		if bad(c.Request.URL.Path) {
			fail("the address")
			return
		}
		values := c.Request.URL.Query()
		if c.Request.Method == http.MethodPost {
			// A form that does not parse is refused whole: the pairs that did parse would reach
			// the handler unchecked.
			if err := c.Request.ParseForm(); err != nil {
				if e, ok := TooLarge(err); ok {
					Fail(c, e)
				} else {
					Fail(c, Errorf(http.StatusBadRequest, "the form is not correctly encoded: %v", err))
				}
				return
			}
			values = c.Request.Form // the query's and the body's
		}
		for _, name := range slices.Sorted(maps.Keys(values)) {
			if bad(name) {
				fail("a parameter's name")
				return
			}
			for _, v := range values[name] {
				if bad(v) {
					fail(fmt.Sprintf("the value of %q", name))
					return
				}
			}
		}
		c.Next()
	}
}

// BodyLimit caps request bodies; a larger body gets 413 when it is read.
func BodyLimit(max int64) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > max {
			Fail(c, bodyTooLarge(max))
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, max)
		c.Next()
	}
}

// RequireJSON refuses with 415 a request that sends a body (POST, PUT, PATCH) as anything but
// application/json: a JSON endpoint parses nothing else, and a form or text/plain body is what
// a cross-site page can send without a CORS preflight.
func RequireJSON() gin.HandlerFunc {
	return func(c *gin.Context) {
		switch c.Request.Method {
		case http.MethodPost, http.MethodPut, http.MethodPatch:
		default:
			c.Next()
			return
		}
		ct := c.GetHeader("Content-Type")
		if c.Request.ContentLength == 0 && ct == "" {
			c.Next() // no body at all
			return
		}
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			Fail(c, &Error{Status: http.StatusUnsupportedMediaType, Message: "Content-Type must be application/json",
				Fields:  []FieldError{{Field: "Content-Type", Message: fmt.Sprintf("must be application/json, got %q", ct)}},
				Headers: map[string]string{"Accept-Post": "application/json"}})
			return
		}
		c.Next()
	}
}
