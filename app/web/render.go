package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/a-h/templ"
	"github.com/gin-gonic/gin"
)

// errorPageKey is the gin context key of the renderer of error pages (ErrorPages).
const errorPageKey = "web.errorPage"

// ErrorPages makes Fail render the errors of the requests that pass through it as pages drawn
// by page. The dashboard puts it on its engine; without it an error page is plain text.
func ErrorPages(page func(c *gin.Context, e *Error)) gin.HandlerFunc {
	return func(c *gin.Context) {
		c.Set(errorPageKey, page)
		c.Next()
	}
}

// Fail renders err once (JSON under /api and for API clients, a page elsewhere), logs 5xx as
// errors and 4xx as warnings, and aborts the chain.
func Fail(c *gin.Context, err error) {
	e := AsError(err)
	log := Logger(c)
	attrs := []any{"status", e.Status, "path", c.FullPath(), "error", e.Error()}
	if e.Status >= 500 {
		log.ErrorContext(c.Request.Context(), "request failed", attrs...)
	} else {
		log.WarnContext(c.Request.Context(), "request refused", attrs...)
	}
	for k, v := range e.Headers {
		c.Header(k, v)
	}
	if wantsJSON(c) {
		body := gin.H{}
		for k, v := range e.Extra {
			body[k] = v
		}
		body["error"] = e.Message
		if len(e.Fields) > 0 {
			body["fields"] = e.Fields
		}
		if id := c.GetString(requestIDKey); id != "" {
			body["request_id"] = id
		}
		c.AbortWithStatusJSON(e.Status, body)
		return
	}
	c.Abort()
	if page, ok := c.Get(errorPageKey); ok {
		page.(func(*gin.Context, *Error))(c, e)
		return
	}
	c.String(e.Status, "%d %s", e.Status, e.Message)
}

func wantsJSON(c *gin.Context) bool {
	p := c.Request.URL.Path
	if strings.HasPrefix(p, "/api/") || p == "/readyz" || p == "/healthz" || p == "/metrics" {
		return true
	}
	return strings.Contains(c.GetHeader("Accept"), "application/json") && !strings.Contains(c.GetHeader("Accept"), "text/html")
}

// Page renders a templ component with the request's context.
func Page(c *gin.Context, status int, page templ.Component) {
	c.Status(status)
	c.Header("Content-Type", "text/html; charset=utf-8")
	if err := page.Render(c.Request.Context(), c.Writer); err != nil {
		Logger(c).ErrorContext(c.Request.Context(), "render page", "error", err)
	}
}

// Context returns the request's context (for calls into other packages).
func Context(c *gin.Context) context.Context { return c.Request.Context() }

// Redirect sends a 303 See Other, the right answer to a POSTed form.
func Redirect(c *gin.Context, url string) { c.Redirect(http.StatusSeeOther, url) }
