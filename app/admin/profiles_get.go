package admin

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/pages"
)

// profilesGet lists form profiles with filters (family, source, segment, host text), a sort
// order and pages.
func (h *Handlers) profilesGet(c *gin.Context) {
	families := append(learning.Families(), learning.FamilyOther)
	f := report.ProfileFilter{
		Family:  oneOf(c.Query("family"), families),
		Source:  oneOf(c.Query("source"), learning.Sources()),
		Segment: oneOf(c.Query("segment"), learning.Segments()),
		Host:    strings.TrimSpace(c.Query("host")),
		Sort:    oneOf(c.Query("sort"), report.ProfileSorts()),
		Page:    pageParam(c),
	}
	if len(f.Host) > 255 {
		web.Fail(c, web.Errorf(http.StatusBadRequest, "the host filter is too long"))
		return
	}
	rows, total, err := report.ListProfiles(c.Request.Context(), h.db, f)
	if errors.Is(err, report.ErrBadFilter) {
		web.Fail(c, web.Errorf(http.StatusBadRequest, "unknown filter value"))
		return
	}
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	q := url.Values{"family": {f.Family}, "source": {f.Source}, "segment": {f.Segment}, "host": {f.Host}, "sort": {f.Sort}}
	sort := f.Sort
	if sort == "" {
		sort = report.ProfileSorts()[0]
	}
	vm := pages.ProfilesPageVM{
		Shell: shell(c, "Profiles", "profiles"), Action: PathProfiles, ClearURL: PathProfiles, Host: f.Host,
		Family:  options("Any family", families, f.Family),
		Source:  options("Any source", learning.Sources(), f.Source),
		Segment: options("Any segment", learning.Segments(), f.Segment),
		Sort:    sortOptions(sort),
		Summary: fmt.Sprintf("%s matching", plural(total, "profile", "profiles")),
		Pager:   pager(PathProfiles, q, f.Page, total, report.ProfilesPageSize, "profiles"),
	}
	filtered := f.Family != "" || f.Source != "" || f.Segment != "" || f.Host != ""
	switch {
	case total == 0 && filtered:
		vm.Empty = &components.Empty{TestID: "profiles-empty", Title: "No profile matches these filters",
			Body: "Loosen a filter, or clear them all.", LinkText: "Clear filters", LinkURL: PathProfiles}
	case total == 0:
		vm.Empty = &components.Empty{TestID: "profiles-empty", Title: "No form profiles yet",
			Body: "A profile appears for each form the extension syncs events for. Load demo data, or connect the extension " +
				"with a token from the Tokens page; then run the aggregator.",
			Commands: []string{"go run . seed", "go run . aggregate"}, LinkText: "Issue an extension token", LinkURL: PathTokens}
	}
	for _, r := range rows {
		vm.Rows = append(vm.Rows, profileRowVM(r, h))
	}
	render(c, pages.ProfilesPage(vm))
}

var sortLabels = map[string]string{
	report.SortRecent:  "Last seen",
	report.SortEvents:  "Most events",
	report.SortHost:    "Host",
	report.SortSuccess: "Success rate",
	report.SortUpdated: "Last aggregated",
}

func sortOptions(selected string) []components.Option {
	var out []components.Option
	for _, s := range report.ProfileSorts() {
		out = append(out, components.Option{Value: s, Label: sortLabels[s], Selected: s == selected})
	}
	return out
}

func profileRowVM(r report.ProfileRow, h *Handlers) pages.ProfileRowVM {
	vm := pages.ProfileRowVM{
		URL: pathFor(PathProfile, r.ID), Host: r.Host, SchemaHash: r.SchemaHash, Family: r.Family,
		Source: r.Source, SourceKey: r.Source, Preferred: orDash(r.Preferred), Segments: orDash(strings.Join(r.Segments, ", ")),
		Events: fmtInt(r.EventCount), Success: fmtRatio(r.SuccessRate), Withheld: r.Withheld,
		LastSeen: fmtAgo(timeOr(r.Profile.LastSeenAt, r.Profile.LastEventAt), h.now()),
	}
	if !r.Aggregated {
		vm.Source, vm.SourceKey = "not aggregated", "none"
	}
	return vm
}
