package admin

import (
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/pages"
	"time"
)

// meVM is My extension: the user's tokens, recent runs and how many events they have.
// sent is the name field as submitted (its value and error), empty on a plain visit.
func meVM(toks []report.TokenRow, events []models.AutofillEvent, eventCount int64, sent components.Field, now time.Time) pages.MePageVM {
	vm := pages.MePageVM{
		OpenAPIURL: web.PathOpenAPI, TokenURL: PathMeTokens,
		Name: components.Field{Name: "name", Label: "Name (to recognise it)", Hint: "e.g. work laptop",
			Value: sent.Value, Error: sent.Error},
		Tokens:    tokenRows(toks, PathMeTokenRev, now),
		ExportURL: PathMeExport, DeleteURL: PathMeDelete, EventCount: fmtInt(eventCount) + " events",
	}
	if len(events) == 0 {
		vm.RunsEmpty = &components.Empty{TestID: "my-runs-empty", Title: "No runs yet",
			Body: "Autofill a job application with the Companion extension while signed in here: each run appears in this list."}
	}
	for _, e := range events {
		r := pages.MeRunVM{When: fmtAgo(e.CreatedAt, now), Form: e.Host + " · " + e.SchemaHash,
			Style: orDash(deref(e.GenStyleID)), Policy: orDash(deref(e.Policy)), Status: e.Status, Rating: orDash(deref(e.FeedbackStatus))}
		vm.Runs = append(vm.Runs, r)
	}
	return vm
}
