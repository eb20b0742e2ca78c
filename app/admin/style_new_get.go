package admin

import (
	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/views/pages"
)

// styleNewGet shows an empty style form.
func (h *Handlers) styleNewGet(c *gin.Context) {
	h.renderStyleForm(c, 200, styleForm{Temperature: "0.7", LengthHint: "medium"}, nil, true)
}

// renderStyleForm shows the create or edit form with the errors next to their fields.
func (h *Handlers) renderStyleForm(c *gin.Context, status int, f styleForm, errs map[string]string, isNew bool) {
	vm := styleFormVM(f, errs, isNew)
	vm.CSRF = csrf(c)
	if isNew {
		vm.Title, vm.Action = "New style", PathStyles
		vm.PriorWeight.Value = fmtWeight(newStylePriorWeight)
	} else {
		vm.Title, vm.Action = "Edit "+f.ID, pathFor(PathStyle, f.ID)
	}
	vm.Shell = shell(c, vm.Title, "styles")
	pageWithStatus(c, status, pages.StyleFormPage(vm))
}
