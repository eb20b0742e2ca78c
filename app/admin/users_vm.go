package admin

import (
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/pages"
)

// usersVM is the users page: the add form as submitted (with its errors), every user with the
// actions an admin has on them (none on themselves: meID) and the recent deletions.
func usersVM(f userForm, errs map[string]string, rows []report.UserRow, dels []models.DataDeletion, meID string) pages.UsersPageVM {
	vm := pages.UsersPageVM{Action: PathUsers,
		Email: components.Field{Name: "email", Label: "Email", Value: f.Email, Error: errs["email"]},
		Name:  components.Field{Name: "name", Label: "Name", Value: f.Name, Error: errs["name"]},
		Admin: f.Admin,
	}
	for _, u := range rows {
		vm.Rows = append(vm.Rows, pages.UserRowVM{ID: u.ID, Email: u.Email, Name: orDash(deref(u.Name)), Admin: u.IsAdmin,
			Disabled: u.DisabledAt != nil, HasPassword: u.PasswordHash != nil, Created: fmtTime(u.CreatedAt),
			Tokens: fmtInt(u.LiveTokens), Self: meID != "" && meID == u.ID,
			LinkURL: pathFor(PathUserLink, u.ID), DisableURL: pathFor(PathUserDisable, u.ID),
			EnableURL: pathFor(PathUserEnable, u.ID), AdminURL: pathFor(PathUserAdmin, u.ID)})
	}
	for _, d := range dels {
		vm.Deletions = append(vm.Deletions, pages.DeletionVM{When: fmtTime(d.CreatedAt), Email: d.Email, Events: fmtInt(d.Events)})
	}
	return vm
}
