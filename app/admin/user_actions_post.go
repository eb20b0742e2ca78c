package admin

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/web"
)

// userLinkPost shows a new one-time set-password link for a user (a forgotten password, or a
// user added from the command line).
func (h *Handlers) userLinkPost(c *gin.Context) {
	u, ok := h.targetUser(c, true)
	if !ok {
		return
	}
	h.log.InfoContext(c.Request.Context(), "set-password link made", "user_id", u.ID, "by_user", web.CurrentUser(c).ID)
	h.renderUsers(c, http.StatusOK, userForm{}, nil, h.linkFor(u), "")
}

// userDisablePost disables a user: sessions and tokens stop working at once here (in other
// processes when their cached check expires).
func (h *Handlers) userDisablePost(c *gin.Context) {
	h.userChange(c, "disabled", account.SetDisabled, true)
}

// userEnablePost enables a disabled user again.
func (h *Handlers) userEnablePost(c *gin.Context) {
	h.userChange(c, "enabled", account.SetDisabled, false)
}

// userAdminPost makes a user an admin (admin=1) or an ordinary user (admin=0).
func (h *Handlers) userAdminPost(c *gin.Context) {
	h.userChange(c, "admin", account.SetAdmin, c.PostForm("admin") == "1")
}

func (h *Handlers) userChange(c *gin.Context, done string, change func(context.Context, *gorm.DB, string, bool) error, on bool) {
	u, ok := h.targetUser(c, false)
	if !ok {
		return
	}
	if err := change(c.Request.Context(), h.db, u.ID, on); err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	fresh, err := account.UserByID(c.Request.Context(), h.db, u.ID)
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	h.sessions.remember(fresh, h.now()) // this process refuses a disabled user's sessions at once
	h.log.InfoContext(c.Request.Context(), "user changed from the dashboard", "user_id", u.ID, "change", done, "on", on,
		"by_user", web.CurrentUser(c).ID)
	web.Redirect(c, PathUsers+"?done="+done)
}

// targetUser reads the :id user; an admin may make a link for themselves but not disable or
// demote themselves (which could leave no admin).
func (h *Handlers) targetUser(c *gin.Context, selfOK bool) (*models.User, bool) {
	u, err := account.UserByID(c.Request.Context(), h.db, c.Param("id"))
	if errors.Is(err, account.ErrNotFound) {
		web.Fail(c, web.Errorf(http.StatusNotFound, "no such user"))
		return nil, false
	}
	if err != nil {
		web.Fail(c, web.Internal(err))
		return nil, false
	}
	if !selfOK && u.ID == web.CurrentUser(c).ID {
		web.Fail(c, web.Errorf(http.StatusUnprocessableEntity, "you cannot disable yourself or remove your own admin role: ask another admin"))
		return nil, false
	}
	return u, true
}
