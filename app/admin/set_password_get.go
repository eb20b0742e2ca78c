package admin

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/pages"
)

// setPasswordGet shows the form behind a one-time set-password link.
func (h *Handlers) setPasswordGet(c *gin.Context) {
	u, err := h.sessions.passwordLinkUser(c.Request.Context(), c.Query("t"), h.now())
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	if u == nil {
		h.renderSetPassword(c, http.StatusNotFound, pages.SetPasswordPageVM{Error: expiredLink})
		return
	}
	h.renderSetPassword(c, http.StatusOK, pages.SetPasswordPageVM{Token: c.Query("t"), Email: u.Email})
}

const expiredLink = "This link has expired or was used already. Ask an admin for a new one."

// renderSetPassword shows the form with a token tied to this browser (as the sign-in form).
func (h *Handlers) renderSetPassword(c *gin.Context, status int, vm pages.SetPasswordPageVM) {
	nonce, err := c.Cookie(loginCookie)
	if err != nil || len(nonce) < 16 {
		nonce = randomNonce()
		h.setCookie(c, loginCookie, nonce, sessionTTL)
	}
	vm.Action = PathSetPassword
	vm.CSRF = h.sessions.loginToken(nonce)
	web.Page(c, status, pages.SetPasswordPage(vm))
}
