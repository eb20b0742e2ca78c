package admin

import (
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/pages"
	"time"
)

// tokensVM is the tokens page: the issue form as submitted (with its errors), the users'
// emails to pick from and every token.
func tokensVM(f tokenForm, errs map[string]string, rows []report.TokenRow, emails []string, now time.Time) pages.TokensPageVM {
	vm := pages.TokensPageVM{
		Action:     PathTokens,
		Email:      components.Field{Name: "email", Label: "User's email", Value: f.Email, Error: errs["email"]},
		Name:       components.Field{Name: "name", Label: "Name (to recognise it)", Value: f.Name, Error: errs["name"], Hint: "e.g. Dana's laptop"},
		CreateUser: f.CreateUser, Emails: emails,
	}
	if len(rows) == 0 {
		vm.Empty = &components.Empty{TestID: "tokens-empty", Title: "No tokens yet",
			Body: "Issue a token for yourself with the form, paste it into the Companion extension's settings, and its " +
				"autofill runs start arriving on the Events page. From a shell: go run . token issue --email you@example.com"}
	}
	vm.Rows = tokenRows(rows, PathTokenRevoke, now)
	return vm
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
