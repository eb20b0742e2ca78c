package admin

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/pages"
)

// loginGet shows the sign-in form (or goes on when already signed in).
func (h *Handlers) loginGet(c *gin.Context) {
	if v, ok := h.readSession(c); ok {
		if u, err := h.sessions.user(c.Request.Context(), v, h.now()); err == nil && u != nil {
			web.Redirect(c, landingFor(u, c.Query("next")))
			return
		}
	}
	vm := pages.LoginPageVM{Next: safeNext(c.Query("next"))}
	if c.Query("signed_out") != "" {
		vm.Notice = "You are signed out, in this browser and every other one."
	}
	h.renderLogin(c, http.StatusOK, vm)
}

// renderLogin shows the form with a fresh login nonce (so its CSRF token matches this browser).
func (h *Handlers) renderLogin(c *gin.Context, status int, vm pages.LoginPageVM) {
	nonce, err := c.Cookie(loginCookie)
	if err != nil || len(nonce) < 16 {
		nonce = randomNonce()
		h.setCookie(c, loginCookie, nonce, sessionTTL)
	}
	vm.Action = PathLogin
	vm.CSRF = h.sessions.loginToken(nonce)
	web.Page(c, status, pages.LoginPage(vm))
}
