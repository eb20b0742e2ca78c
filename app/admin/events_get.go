package admin

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/pages"
)

// eventsGet lists the newest events with filters (host, family, segment, style, policy,
// rating), live from the events table, paged by a cursor.
func (h *Handlers) eventsGet(c *gin.Context) {
	ctx := c.Request.Context()
	styles, err := report.StyleIDs(ctx, h.db)
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	families := append(learning.Families(), learning.FamilyOther)
	withNone := func(vs []string) []string { return append(append([]string{}, vs...), report.None) }
	f := report.EventFilter{
		Host:    strings.TrimSpace(c.Query("host")),
		Family:  oneOf(c.Query("family"), families),
		Segment: oneOf(c.Query("segment"), withNone(learning.Segments())),
		Style:   oneOf(c.Query("style"), withNone(styles)),
		Policy:  oneOf(c.Query("policy"), withNone(report.Policies())),
		Rating:  oneOf(c.Query("rating"), report.Ratings()),
		Before:  c.Query("before"),
	}
	if len(f.Host) > 255 || len(f.Before) > 128 {
		web.Fail(c, web.Errorf(http.StatusBadRequest, "a filter is too long"))
		return
	}
	page, err := report.ListEvents(ctx, h.db, f)
	if errors.Is(err, report.ErrBadFilter) {
		web.Fail(c, web.Errorf(http.StatusBadRequest, "the page link is not valid: start from the first page"))
		return
	}
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	q := url.Values{"host": {f.Host}, "family": {f.Family}, "segment": {f.Segment}, "style": {f.Style},
		"policy": {f.Policy}, "rating": {f.Rating}}
	vm := pages.EventsPageVM{
		Shell: shell(c, "Events", "events"), Action: PathEvents, ClearURL: PathEvents, Host: f.Host,
		Family:  options("Any family", families, f.Family),
		Segment: options("Any segment", withNone(learning.Segments()), f.Segment),
		Style:   options("Any style", withNone(styles), f.Style),
		Policy:  options("Any policy", withNone(report.Policies()), f.Policy),
		Rating:  options("Any rating", report.Ratings(), f.Rating),
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
	filtered := f.Host != "" || f.Family != "" || f.Segment != "" || f.Style != "" || f.Policy != "" || f.Rating != ""
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
		vm.Rows = append(vm.Rows, eventRowVM(e, h))
	}
	render(c, pages.EventsPage(vm))
}

func eventRowVM(e models.AutofillEvent, h *Handlers) pages.EventRowVM {
	vm := pages.EventRowVM{
		When: fmtAgo(e.CreatedAt, h.now()), WhenTitle: fmtTime(e.CreatedAt), Host: e.Host, SchemaHash: e.SchemaHash,
		Family: learning.FamilyLabel(e.HostFamily), Segment: orDash(deref(e.SegmentKey)), Style: orDash(deref(e.GenStyleID)),
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
