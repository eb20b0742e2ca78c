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

// usersCreatePost adds a user and shows a one-time link with which they set their password.
func (h *Handlers) usersCreatePost(c *gin.Context) {
	ctx := c.Request.Context()
	f := userForm{Email: strings.TrimSpace(c.PostForm("email")), Name: strings.TrimSpace(c.PostForm("name")), Admin: c.PostForm("admin") != ""}
	errs := map[string]string{}
	if _, err := account.NormalizeEmail(f.Email); err != nil {
		errs["email"] = "Enter a valid email address."
	}
	if account.CheckName(f.Name, account.MaxUserNameLen) != nil {
		errs["name"] = fmt.Sprintf("At most %d characters.", account.MaxUserNameLen)
	}
	var u *models.User
	if len(errs) == 0 {
		var err error
		u, err = account.CreateUser(ctx, h.db, account.NewUser{Email: f.Email, Name: f.Name, Admin: f.Admin})
		switch {
		case errors.Is(err, account.ErrEmailTaken):
			errs["email"] = "A user with this email exists already."
		case err != nil:
			web.Fail(c, web.Internal(err))
			return
		}
	}
	if len(errs) > 0 {
		h.renderUsers(c, http.StatusUnprocessableEntity, f, errs, nil, "")
		return
	}
	h.log.InfoContext(ctx, "user added from the dashboard", "user_id", u.ID, "admin", u.IsAdmin, "by_user", web.CurrentUser(c).ID)
	h.renderUsers(c, http.StatusCreated, userForm{}, nil, h.linkFor(u), "User added.")
}

// linkFor makes a user's one-time set-password link.
func (h *Handlers) linkFor(u *models.User) *pages.PasswordLinkVM {
	exp := h.now().Add(passwordLinkTTL)
	return &pages.PasswordLinkVM{Email: u.Email, Expires: fmtTime(exp),
		URL: h.cfg.PublicURL + PathSetPassword + "?t=" + h.sessions.passwordLink(u, exp)}
}
