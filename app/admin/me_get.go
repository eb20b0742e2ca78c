package admin

import (
	"fmt"
	"net/http"

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
		flash = fmt.Sprintf("Deleted %s of your events. The next aggregation no longer counts them.", c.Query("deleted"))
	}
	h.renderMe(c, http.StatusOK, "", nil, flash)
}

// renderMe shows My extension (with a token just issued, or the name field's error).
func (h *Handlers) renderMe(c *gin.Context, status int, nameErr string, issued *pages.IssuedTokenVM, flash string) {
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
	vm := pages.MePageVM{
		Shell: shell(c, "My extension", "me"), CSRF: csrf(c), APIBase: h.cfg.PublicURL,
		OpenAPIURL: web.PathOpenAPI, TokenURL: PathMeTokens, Issued: issued, Flash: flash,
		Name:      components.Field{Name: "name", Label: "Name (to recognise it)", Hint: "e.g. work laptop", Error: nameErr},
		Tokens:    tokenRows(toks, PathMeTokenRev, h.now()),
		ExportURL: PathMeExport, DeleteURL: PathMeDelete, EventCount: fmtInt(n) + " events",
	}
	if len(runs.Events) == 0 {
		vm.RunsEmpty = &components.Empty{TestID: "my-runs-empty", Title: "No runs yet",
			Body: "Autofill a job application with the Companion extension while signed in here: each run appears in this list."}
	}
	for _, e := range runs.Events {
		r := pages.MeRunVM{When: fmtAgo(e.CreatedAt, h.now()), Form: e.Host + " · " + e.SchemaHash,
			Style: orDash(deref(e.GenStyleID)), Policy: orDash(deref(e.Policy)), Status: e.Status, Rating: orDash(deref(e.FeedbackStatus))}
		vm.Runs = append(vm.Runs, r)
	}
	pageWithStatus(c, status, pages.MePage(vm))
}
