package admin

import (
	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/web"
)

// logoutPost signs the user out everywhere: this browser, and every other session of the user
// (other browsers, copies of the cookie), by bumping the user's session epoch.
func (h *Handlers) logoutPost(c *gin.Context) {
	h.setCookie(c, sessionCookie, "", -1)
	u := web.CurrentUser(c)
	if err := h.sessions.signOutEverywhere(c.Request.Context(), u.ID, h.now()); err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	h.log.InfoContext(c.Request.Context(), "signed out everywhere", "user_id", u.ID)
	web.Redirect(c, PathLogin+"?signed_out=1")
}
