package admin

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/pages"
)

// meGet is "My extension": the API base, the user's tokens, recent runs and data.
func (h *Handlers) meGet(c *gin.Context) {
	flash := ""
	switch {
	case c.Query("revoked") != "":
		flash = "Token revoked: clients using it are refused from now on."
	case c.Query("deleted") != "":
		// The count the deletion redirected with; anything else in the link says nothing.
		if n, err := strconv.ParseInt(c.Query("deleted"), 10, 64); err == nil && n >= 0 {
			flash = fmt.Sprintf("Deleted %s of your events. The next aggregation no longer counts them.", fmtInt(n))
		}
	}
	h.renderMe(c, http.StatusOK, components.Field{}, nil, flash)
}

// renderMe shows My extension (with a token just issued, or the name field as sent with its
// error).
func (h *Handlers) renderMe(c *gin.Context, status int, name components.Field, issued *pages.IssuedTokenVM, flash string) {
	ctx := c.Request.Context()
	u := web.CurrentUser(c)
	toks, err := report.ListTokens(ctx, h.db, u.ID)
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	runs, err := report.ListEvents(ctx, h.db, report.EventFilter{UserID: u.ID})
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	n, err := learning.CountEvents(ctx, h.db, u.ID)
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	vm := meVM(toks, runs.Events, n, name, h.now())
	vm.Shell, vm.CSRF, vm.APIBase, vm.Issued, vm.Flash = shell(c, "My extension", "me"), csrf(c), h.cfg.PublicURL, issued, flash
	pageWithStatus(c, status, pages.MePage(vm))
}
