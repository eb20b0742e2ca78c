package admin

import (
	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/web"
)

// logoutPost ends the session.
func (h *Handlers) logoutPost(c *gin.Context) {
	h.setCookie(c, sessionCookie, "", -1)
	web.Redirect(c, PathLogin+"?signed_out=1")
}
