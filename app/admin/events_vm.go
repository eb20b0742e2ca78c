package admin

import (
	"net/url"
	"time"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/pages"
)

// eventsVM is one page of the events list: its filters, rows, cursor links and empty state.
func eventsVM(f report.EventFilter, page *report.EventPage, styles []string, now time.Time) pages.EventsPageVM {
	q := url.Values{"host": {f.Host}, "family": {f.Family}, "segment": {f.Segment}, "discipline": {f.Discipline},
		"style": {f.Style}, "policy": {f.Policy}, "rating": {f.Rating}}
	vm := pages.EventsPageVM{
		Action: PathEvents, ClearURL: PathEvents, Host: f.Host,
		Family:     options("Any family", familyChoices(), f.Family),
		Segment:    options("Any segment", withNone(learning.Segments()), f.Segment),
		Discipline: options("Any discipline", withNone(learning.Disciplines()), f.Discipline),
		Style:      options("Any style", withNone(styles), f.Style),
		Policy:     options("Any policy", withNone(report.Policies()), f.Policy),
		Rating:     options("Any rating", report.Ratings(), f.Rating),
	}
	vm.Pager = components.Pager{Summary: "Newest first", PrevLabel: "← Newest", NextLabel: "Older →"}
	if f.Before != "" {
		vm.Pager.Summary = "Older events"
		vm.Pager.PrevURL = withQuery(PathEvents, q)
	}
	if page.Next != "" {
		next := url.Values{"before": {page.Next}}
		for k, v := range q {
			next[k] = v
		}
		vm.Pager.NextURL = withQuery(PathEvents, next)
	}
	filtered := f.Host != "" || f.Family != "" || f.Segment != "" || f.Discipline != "" || f.Style != "" || f.Policy != "" || f.Rating != ""
	switch {
	case len(page.Events) == 0 && (filtered || f.Before != ""):
		vm.Empty = &components.Empty{TestID: "events-empty", Title: "No event matches these filters",
			Body: "Loosen a filter, or clear them all.", LinkText: "Clear filters", LinkURL: PathEvents}
	case len(page.Events) == 0:
		vm.Empty = &components.Empty{TestID: "events-empty", Title: "No autofill events yet",
			Body: "Events arrive when the Companion extension syncs its autofill runs. Issue a token on the Tokens page and " +
				"paste it into the extension, or load demo data.",
			Commands: []string{"go run . seed"}, LinkText: "Issue an extension token", LinkURL: PathTokens}
	}
	for _, e := range page.Events {
		vm.Rows = append(vm.Rows, eventRowVM(e, now))
	}
	return vm
}

func eventRowVM(e models.AutofillEvent, now time.Time) pages.EventRowVM {
	vm := pages.EventRowVM{
		When: fmtAgo(e.CreatedAt, now), WhenTitle: fmtTime(e.CreatedAt), Host: e.Host, SchemaHash: e.SchemaHash,
		Family: learning.FamilyLabel(e.HostFamily), Segment: orDash(deref(e.SegmentKey)),
		Discipline: orDash(deref(e.Discipline)), Style: orDash(deref(e.GenStyleID)),
		Policy: orDash(deref(e.Policy)), PolicyKey: deref(e.Policy), Status: e.Status, StatusKey: "ok",
		Rating: "unrated", RatingKey: "none", Edits: dash, Duration: dash,
	}
	if e.Status != "ok" {
		vm.StatusKey = "error"
	}
	if e.FeedbackStatus != nil {
		vm.Rating, vm.RatingKey = *e.FeedbackStatus, *e.FeedbackStatus
	}
	if e.EditChars != nil {
		vm.Edits = fmtInt(*e.EditChars)
	}
	if e.DurationMS != nil {
		vm.Duration = fmtMillis(int64(*e.DurationMS))
	}
	return vm
}
