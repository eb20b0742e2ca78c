package admin

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/pages"
)

// meTokensPost issues a token for the signed-in user and shows it once (the page is rendered,
// not redirected to, so the token is stored nowhere).
func (h *Handlers) meTokensPost(c *gin.Context) {
	u := web.CurrentUser(c)
	name := strings.TrimSpace(c.PostForm("name"))
	if account.CheckName(name, account.MaxTokenNameLen) != nil {
		h.renderMe(c, http.StatusUnprocessableEntity, components.Field{Value: name,
			Error: fmt.Sprintf("At most %d characters.", account.MaxTokenNameLen)}, nil, "")
		return
	}
	tok, err := account.IssueToken(c.Request.Context(), h.db, u.ID, name)
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	h.log.InfoContext(c.Request.Context(), "extension token issued by its user", "token_prefix", tok.Token.Prefix, "user_id", u.ID)
	h.renderMe(c, http.StatusCreated, components.Field{}, &pages.IssuedTokenVM{Plain: tok.Plain, Email: u.Email, Prefix: tok.Token.Prefix}, "")
}
