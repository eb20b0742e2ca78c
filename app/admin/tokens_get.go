package admin

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/pages"
)

// tokensGet lists the extension tokens with the form that issues one.
func (h *Handlers) tokensGet(c *gin.Context) {
	f := tokenForm{CreateUser: true}
	if u := web.CurrentUser(c); u != nil {
		f.Email = u.Email
	}
	flash := ""
	if c.Query("revoked") != "" {
		flash = "Token revoked: the extension using it is refused from now on."
	}
	h.renderTokens(c, http.StatusOK, f, nil, nil, flash)
}

// tokenForm is the issue form as submitted.
type tokenForm struct {
	Email, Name string
	CreateUser  bool
}

func (h *Handlers) renderTokens(c *gin.Context, status int, f tokenForm, errs map[string]string, issued *pages.IssuedTokenVM, flash string) {
	ctx := c.Request.Context()
	rows, err := report.ListTokens(ctx, h.db, "")
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	emails, err := report.UserEmails(ctx, h.db, 500)
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	vm := tokensVM(f, errs, rows, emails, h.now())
	vm.Shell, vm.CSRF, vm.Issued, vm.Flash = shell(c, "Tokens", "tokens"), csrf(c), issued, flash
	vm.SyncURL = h.cfg.PublicURL + "/api/extension/learning/sync"
	pageWithStatus(c, status, pages.TokensPage(vm))
}
