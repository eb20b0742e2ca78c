package admin

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/web"
)

// securityHeaders keeps the dashboard's pages to our own scripts and styles, out of frames
// and out of shared caches.
func securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		hd := c.Writer.Header()
		hd.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Cache-Control", "no-store")
		hd.Add("Vary", "HX-Request")
		c.Next()
	}
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// sameOrigin refuses a state-changing request that the browser says comes from another site:
// by Sec-Fetch-Site, or by an Origin whose host is not ours. (Browsers send at least one of
// them on a cross-site POST; the CSRF token covers the rest.)
func (h *Handlers) sameOrigin() gin.HandlerFunc {
	return func(c *gin.Context) {
		if !unsafeMethod(c.Request.Method) {
			c.Next()
			return
		}
		switch c.GetHeader("Sec-Fetch-Site") {
		case "", "same-origin", "none":
		default:
			web.Fail(c, web.Errorf(http.StatusForbidden, "cross-site requests are refused"))
			return
		}
		if o := c.GetHeader("Origin"); o != "" {
			u, err := url.Parse(o)
			if o == "null" || err != nil || !strings.EqualFold(u.Host, c.Request.Host) {
				web.Fail(c, web.Errorf(http.StatusForbidden, "cross-origin requests are refused"))
				return
			}
		}
		c.Next()
	}
}

// checkCSRF requires the session's token on every state-changing request, as a form field or
// (for htmx) the X-CSRF-Token header.
func (h *Handlers) checkCSRF() gin.HandlerFunc {
	return func(c *gin.Context) {
		if !unsafeMethod(c.Request.Method) {
			c.Next()
			return
		}
		got := c.PostForm(csrfField)
		if got == "" {
			got = c.GetHeader("X-CSRF-Token")
		}
		if !validToken(got, csrf(c)) {
			web.Fail(c, web.Errorf(http.StatusForbidden, "the form has expired or did not come from this site: reload the page and try again"))
			return
		}
		c.Next()
	}
}
