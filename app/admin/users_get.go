package admin

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/pages"
)

// usersGet lists the users with the form that adds one.
func (h *Handlers) usersGet(c *gin.Context) {
	flash := ""
	switch c.Query("done") {
	case "disabled":
		flash = "User disabled: their sessions and tokens stopped working."
	case "enabled":
		flash = "User enabled again. Their old sessions stay ended; tokens that were live work again."
	case "admin":
		flash = "Role changed."
	}
	h.renderUsers(c, http.StatusOK, userForm{}, nil, nil, flash)
}

// userForm is the add form as submitted.
type userForm struct {
	Email, Name string
	Admin       bool
}

func (h *Handlers) renderUsers(c *gin.Context, status int, f userForm, errs map[string]string, link *pages.PasswordLinkVM, flash string) {
	ctx := c.Request.Context()
	rows, err := report.ListUsers(ctx, h.db)
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	dels, err := report.ListDeletions(ctx, h.db, 50)
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	meID := ""
	if me := web.CurrentUser(c); me != nil {
		meID = me.ID
	}
	vm := usersVM(f, errs, rows, dels, meID)
	vm.Shell, vm.CSRF, vm.Flash, vm.Link = shell(c, "Users", "users"), csrf(c), flash, link
	pageWithStatus(c, status, pages.UsersPage(vm))
}
