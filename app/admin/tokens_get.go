package admin

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/components"
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
	vm := pages.TokensPageVM{
		Shell: shell(c, "Tokens", "tokens"), Action: PathTokens, CSRF: csrf(c), Issued: issued, Flash: flash,
		Email:      components.Field{Name: "email", Label: "User's email", Value: f.Email, Error: errs["email"]},
		Name:       components.Field{Name: "name", Label: "Name (to recognise it)", Value: f.Name, Error: errs["name"], Hint: "e.g. Dana's laptop"},
		CreateUser: f.CreateUser, Emails: emails, SyncURL: h.cfg.PublicURL + "/api/extension/learning/sync",
	}
	if len(rows) == 0 {
		vm.Empty = &components.Empty{TestID: "tokens-empty", Title: "No tokens yet",
			Body: "Issue a token for yourself with the form, paste it into the Companion extension's settings, and its " +
				"autofill runs start arriving on the Events page. From a shell: go run . token issue --email you@example.com"}
	}
	vm.Rows = tokenRows(rows, PathTokenRevoke, h.now())
	pageWithStatus(c, status, pages.TokensPage(vm))
}

// tokenRows are the rows of a token list, revoked through revokeRoute.
func tokenRows(rows []report.TokenRow, revokeRoute string, now time.Time) []pages.TokenRowVM {
	out := make([]pages.TokenRowVM, 0, len(rows))
	for _, t := range rows {
		r := pages.TokenRowVM{ID: t.ID, Prefix: t.Prefix, Name: orDash(t.Name), Email: t.Email, Created: fmtTime(t.CreatedAt),
			LastUsed: fmtTimePtr(t.LastUsedAt), Live: t.RevokedAt == nil, RevokeURL: pathFor(revokeRoute, t.ID)}
		if t.LastUsedAt == nil {
			r.LastUsed = "never"
		}
		if t.RevokedAt != nil {
			r.Revoked = fmtAgo(*t.RevokedAt, now)
		}
		out = append(out, r)
	}
	return out
}
