package admin

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/pages"
)

// tokensCreatePost issues a token for a user (adding the user when asked) and shows it once:
// the page is rendered, not redirected to, so the token is never stored anywhere.
func (h *Handlers) tokensCreatePost(c *gin.Context) {
	ctx := c.Request.Context()
	f := tokenForm{Email: strings.TrimSpace(c.PostForm("email")), Name: strings.TrimSpace(c.PostForm("name")),
		CreateUser: c.PostForm("create_user") != ""}
	errs := map[string]string{}
	email, err := account.NormalizeEmail(f.Email)
	if err != nil {
		errs["email"] = "Enter a valid email address."
	}
	if account.CheckName(f.Name, account.MaxTokenNameLen) != nil {
		errs["name"] = fmt.Sprintf("At most %d characters.", account.MaxTokenNameLen)
	}
	var u *models.User
	if len(errs) == 0 {
		u, err = account.UserByEmail(ctx, h.db, email)
		switch {
		case errors.Is(err, account.ErrNotFound) && f.CreateUser:
			u, err = account.CreateUser(ctx, h.db, account.NewUser{Email: email})
			if err != nil {
				web.Fail(c, web.Internal(err))
				return
			}
		case errors.Is(err, account.ErrNotFound):
			errs["email"] = "No user has this email. Tick the box to add one."
		case err != nil:
			web.Fail(c, web.Internal(err))
			return
		}
	}
	if len(errs) > 0 {
		h.renderTokens(c, http.StatusUnprocessableEntity, f, errs, nil, "")
		return
	}
	tok, err := account.IssueToken(ctx, h.db, u.ID, f.Name)
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	h.log.InfoContext(ctx, "extension token issued from the dashboard", "token_prefix", tok.Token.Prefix,
		"for_user", u.ID, "by_user", web.CurrentUser(c).ID)
	issued := &pages.IssuedTokenVM{Plain: tok.Plain, Email: u.Email, Prefix: tok.Token.Prefix}
	h.renderTokens(c, http.StatusCreated, tokenForm{Email: u.Email, CreateUser: true}, nil, issued, "")
}
