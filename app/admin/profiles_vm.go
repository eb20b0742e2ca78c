package admin

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/pages"
)

// profilesVM is the profiles list of one filter: its controls, rows, pager and empty state.
func profilesVM(f report.ProfileFilter, rows []report.ProfileRow, total int64, now time.Time) pages.ProfilesPageVM {
	q := url.Values{"family": {f.Family}, "source": {f.Source}, "segment": {f.Segment}, "discipline": {f.Discipline},
		"host": {f.Host}, "sort": {f.Sort}}
	sort := f.Sort
	if sort == "" {
		sort = report.ProfileSorts()[0]
	}
	vm := pages.ProfilesPageVM{
		Action: PathProfiles, ClearURL: PathProfiles, Host: f.Host,
		Family:     options("Any family", familyChoices(), f.Family),
		Source:     options("Any source", learning.Sources(), f.Source),
		Segment:    options("Any segment", learning.Segments(), f.Segment),
		Discipline: options("Any discipline", learning.Disciplines(), f.Discipline),
		Sort:       sortOptions(sort),
		Summary:    fmt.Sprintf("%s matching", plural(total, "profile", "profiles")),
		Pager:      pager(PathProfiles, q, f.Page, total, report.ProfilesPageSize, "profiles"),
	}
	filtered := f.Family != "" || f.Source != "" || f.Segment != "" || f.Discipline != "" || f.Host != ""
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
		vm.Rows = append(vm.Rows, profileRowVM(r, now))
	}
	return vm
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

func profileRowVM(r report.ProfileRow, now time.Time) pages.ProfileRowVM {
	vm := pages.ProfileRowVM{
		URL: pathFor(PathProfile, r.ID), Host: r.Host, SchemaHash: r.SchemaHash, Family: r.Family,
		Source: r.Source, SourceKey: r.Source, Preferred: orDash(r.Preferred), Segments: orDash(strings.Join(r.Segments, ", ")),
		Events: fmtInt(r.EventCount), Success: fmtRatio(r.SuccessRate), Withheld: r.Withheld,
		LastSeen: fmtAgo(timeOr(r.Profile.LastSeenAt, r.Profile.LastEventAt), now),
	}
	if !r.Aggregated {
		vm.Source, vm.SourceKey = "not aggregated", "none"
	}
	return vm
}
