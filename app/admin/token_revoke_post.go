package admin

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/web"
)

// tokenRevokePost revokes a token; it stops working at once.
func (h *Handlers) tokenRevokePost(c *gin.Context) {
	err := account.RevokeToken(c.Request.Context(), h.db, c.Param("id"))
	if errors.Is(err, account.ErrNotFound) {
		web.Fail(c, web.Errorf(http.StatusNotFound, "no such live token"))
		return
	}
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	h.log.InfoContext(c.Request.Context(), "extension token revoked from the dashboard", "token_id", c.Param("id"),
		"by_user", web.CurrentUser(c).ID)
	web.Redirect(c, PathTokens+"?revoked=1")
}
