package admin

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/web"
)

// meTokenRevokePost revokes one of the signed-in user's own tokens (another user's is a 404).
func (h *Handlers) meTokenRevokePost(c *gin.Context) {
	u := web.CurrentUser(c)
	err := account.RevokeUserToken(c.Request.Context(), h.db, u.ID, c.Param("id"))
	if errors.Is(err, account.ErrNotFound) {
		web.Fail(c, web.Errorf(http.StatusNotFound, "you have no such live token"))
		return
	}
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	h.log.InfoContext(c.Request.Context(), "extension token revoked by its user", "token_id", c.Param("id"), "user_id", u.ID)
	web.Redirect(c, PathMe+"?revoked=1")
}
