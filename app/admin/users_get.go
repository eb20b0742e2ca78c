package admin

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/components"
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
	me := web.CurrentUser(c)
	vm := pages.UsersPageVM{Shell: shell(c, "Users", "users"), CSRF: csrf(c), Action: PathUsers, Flash: flash, Link: link,
		Email: components.Field{Name: "email", Label: "Email", Value: f.Email, Error: errs["email"]},
		Name:  components.Field{Name: "name", Label: "Name", Value: f.Name, Error: errs["name"]},
		Admin: f.Admin,
	}
	for _, u := range rows {
		vm.Rows = append(vm.Rows, pages.UserRowVM{ID: u.ID, Email: u.Email, Name: orDash(deref(u.Name)), Admin: u.IsAdmin,
			Disabled: u.DisabledAt != nil, HasPassword: u.PasswordHash != nil, Created: fmtTime(u.CreatedAt),
			Tokens: fmtInt(u.LiveTokens), Self: me != nil && me.ID == u.ID,
			LinkURL: pathFor(PathUserLink, u.ID), DisableURL: pathFor(PathUserDisable, u.ID),
			EnableURL: pathFor(PathUserEnable, u.ID), AdminURL: pathFor(PathUserAdmin, u.ID)})
	}
	for _, d := range dels {
		vm.Deletions = append(vm.Deletions, pages.DeletionVM{When: fmtTime(d.CreatedAt), Email: d.Email, Events: fmtInt(d.Events)})
	}
	pageWithStatus(c, status, pages.UsersPage(vm))
}
