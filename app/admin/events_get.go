package admin

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/pages"
)

// eventsGet lists the newest events with filters (host, family, segment, discipline, style,
// policy, rating), live from the events table, paged by a cursor.
func (h *Handlers) eventsGet(c *gin.Context) {
	ctx := c.Request.Context()
	styles, err := report.StyleIDs(ctx, h.db)
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	f := report.EventFilter{
		Host:       strings.TrimSpace(c.Query("host")),
		Family:     oneOf(c.Query("family"), familyChoices()),
		Segment:    oneOf(c.Query("segment"), withNone(learning.Segments())),
		Discipline: oneOf(c.Query("discipline"), withNone(learning.Disciplines())),
		Style:      oneOf(c.Query("style"), withNone(styles)),
		Policy:     oneOf(c.Query("policy"), withNone(report.Policies())),
		Rating:     oneOf(c.Query("rating"), report.Ratings()),
		Before:     c.Query("before"),
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
	vm := eventsVM(f, page, styles, h.now())
	vm.Shell = shell(c, "Events", "events")
	render(c, pages.EventsPage(vm))
}
