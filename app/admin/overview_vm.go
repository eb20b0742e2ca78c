package admin

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/pages"
)

// What real data is expected to look like, said under the source and segment charts.
const (
	expectedSources  = "Expected on real data: form 30–40%, segment 20–30%, family 20–30%, none 10–20%."
	expectedSegments = "Expected among those: senior 30–40%, default 30–40%, junior 15–25%, intern 5–10%."
)

// overviewVM turns the overview's numbers into display text. It is the one place that knows
// how the overview words them, so the handler test can compare them with the database.
func overviewVM(o *report.Overview, now time.Time) pages.OverviewPageVM {
	w := o.Window
	vm := pages.OverviewPageVM{
		WindowLabel:   fmt.Sprintf("Last %d days: %s to %s (UTC days)", w.Days, w.FromDay, w.ToDay),
		RefreshAction: PathStatsRefresh + "?" + url.Values{"days": {strconv.Itoa(w.Days)}}.Encode(),
		AsOf:          "never",
		AsOfNote:      fmt.Sprintf("The event counts come from a rollup refreshed every %s; profiles and runs are live.", fmtEvery(report.RefreshEvery)),
	}
	for _, d := range report.WindowDays {
		vm.Windows = append(vm.Windows, pages.Link{Label: fmt.Sprintf("%d days", d),
			Href: PathOverview + "?days=" + strconv.Itoa(d), Active: d == w.Days})
	}
	if o.State != nil {
		vm.AsOf = fmt.Sprintf("%s (%s)", o.State.RefreshedAt.UTC().Format("15:04 UTC"), fmtAgo(o.State.RefreshedAt, now))
	} else {
		vm.Stale = true
		vm.AsOfNote = "The event rollup has not been built yet: the server builds it within a minute of starting, or press Refresh now."
	}
	if !o.AnyEvents && o.Profiles == 0 {
		vm.Empty = &components.Empty{
			TestID: "overview-empty",
			Title:  "No autofill events yet",
			Body: "Load demo data to explore the dashboard, or connect the Companion extension: issue a token on the Tokens page " +
				"and paste it into the extension's settings. Then run the aggregator to build form profiles and style hints.",
			Commands: []string{"go run . seed", "go run . aggregate"},
			LinkText: "Issue an extension token", LinkURL: PathTokens,
		}
	}

	vm.Cards = overviewCards(o, now)
	for _, d := range o.Daily {
		vm.Spark = append(vm.Spark, components.SparkPoint{Label: fmt.Sprintf("%s: %s events", d.Key, fmtInt(d.Count)), Value: float64(d.Count)})
	}

	vm.Sources = components.ChartProps{TestID: "source-mix", Title: "Source", Total: fmtInt(o.Profiles), TotalLabel: "profiles",
		ExtraHead: "Helpful ratio", Empty: "No form profiles yet: they appear when the extension syncs and the aggregator runs."}
	for _, s := range o.Sources {
		share := report.Share(s.Profiles, o.Profiles)
		vm.Sources.Items = append(vm.Sources.Items, components.ChartItem{Key: s.Source, Label: title(s.Source),
			Count: fmtInt(s.Profiles), Pct: fmtPct(share), Share: share, Extra: fmtRatio(s.HelpfulRatio())})
	}
	vm.SourcesNote = fmt.Sprintf("Where each of the %s form profiles' style hint comes from, live. "+
		"Helpful ratio: rated runs of the recommended style found helpful. %s", fmtInt(o.Profiles), expectedSources)
	if o.NotAggregated > 0 {
		vm.SourcesNote += fmt.Sprintf(" %s not aggregated yet count as none.", plural(o.NotAggregated, "profile", "profiles"))
	}

	vm.Segments = components.ChartProps{TestID: "segment-mix", Title: "Segment", Empty: "No events in this window."}
	var withSegment int64
	for _, s := range o.Segments {
		share := report.Share(s.Count, o.Events)
		label := title(s.Key)
		if s.Key == report.None {
			label = "None (no job title)"
		} else {
			withSegment += s.Count
		}
		vm.Segments.Items = append(vm.Segments.Items, components.ChartItem{Key: "seg-" + s.Key, Label: label,
			Count: fmtInt(s.Count), Pct: fmtPct(share), Share: share})
	}
	vm.SegmentsNote = fmt.Sprintf("Events of the window by the job's level: %s of %s have a segment (%s). %s",
		fmtInt(withSegment), fmtInt(o.Events), fmtPct(report.Share(withSegment, o.Events)), expectedSegments)

	vm.Policies = components.ChartProps{TestID: "policy-mix", Title: "Policy", Empty: "No events in this window."}
	for _, p := range o.Policies {
		share := report.Share(p.Count, o.Events)
		label := title(p.Key)
		if p.Key == report.None {
			label = "Not recorded"
		}
		vm.Policies.Items = append(vm.Policies.Items, components.ChartItem{Key: p.Key, Label: label,
			Count: fmtInt(p.Count), Pct: fmtPct(share), Share: share})
	}
	vm.ExploreRate = dash
	if rate, ok := o.ExploreRate(); ok {
		vm.ExploreRate = fmtPct(rate)
	}
	vm.ExploreNote = "explore rate: explore ÷ (exploit + explore)."
	vm.HintPolicy = hintPolicyText(o.HintPolicies)
	vm.SRM = srmVM(o.SRM)

	vm.Heat = heatVM(o)
	for _, src := range learning.Sources() {
		vm.HintSources = append(vm.HintSources, pages.HintSource{Key: src, Label: title(src)})
	}
	for _, sh := range o.SegmentHints {
		row := pages.SegmentHintRow{Segment: sh.Segment, Total: fmtInt(sh.Total)}
		for _, src := range learning.Sources() { // every source: the row adds up to its total
			row.Counts = append(row.Counts, fmtInt(sh.BySource[src]))
		}
		vm.SegmentHints = append(vm.SegmentHints, row)
	}
	for _, s := range o.Styles {
		vm.Styles = append(vm.Styles, pages.StyleUsageRow{StyleID: s.StyleID, Runs: fmtInt(s.Runs),
			Rated: fmtInt(s.Helpful + s.Unhelpful), Ratio: fmtRatio(s.HelpfulRatio())})
	}
	return vm
}

// heatLevels is how many shades a heat cell can take above none.
const heatLevels = 5

// heatVM is the seniority × discipline table: each cell's count, shaded on a square-root scale
// of the largest cell (so that small cells still show), with the events list of that cell.
func heatVM(o *report.Overview) pages.HeatVM {
	h := o.Heat
	vm := pages.HeatVM{Columns: h.Disciplines, Empty: o.Events == 0}
	var withDiscipline int64
	for i, seg := range h.Segments {
		row := pages.HeatRow{Segment: seg}
		var total int64
		for j, d := range h.Disciplines {
			n := h.Counts[i][j]
			total += n
			if d != report.None {
				withDiscipline += n
			}
			level := 0
			if n > 0 {
				level = max(1, int(math.Ceil(heatLevels*math.Sqrt(float64(n)/float64(h.Max)))))
			}
			row.Cells = append(row.Cells, pages.HeatCell{
				TestID: "heat-" + seg + "-" + d, Count: fmtInt(n), Level: fmt.Sprintf("heat-%d", level),
				Title: fmt.Sprintf("%s × %s: %s events (%s of the window)", seg, d, fmtInt(n), fmtPct(report.Share(n, o.Events))),
				URL:   PathEvents + "?" + url.Values{"segment": {seg}, "discipline": {d}}.Encode(),
			})
		}
		row.Total = fmtInt(total)
		vm.Rows = append(vm.Rows, row)
	}
	vm.Note = fmt.Sprintf("Events of the window by the job's level and discipline, both from its title: %s of %s have a discipline (%s). "+
		"Darker cells have more events; each links to its events.", fmtInt(withDiscipline), fmtInt(o.Events), fmtPct(report.Share(withDiscipline, o.Events)))
	return vm
}

func overviewCards(o *report.Overview, now time.Time) []components.StatCard {
	coverageTone := ""
	if o.Events > 0 && o.FeedbackCoverage() < 0.05 {
		coverageTone = "warn"
	}
	helpful := learning.HelpfulRatio(o.Helpful, o.Rated())
	cards := []components.StatCard{
		{TestID: "card-events", Label: "Events", Value: fmtInt(o.Events),
			Sub: fmt.Sprintf("%s succeeded (%s)", fmtInt(o.OKEvents), fmtPct(report.Share(o.OKEvents, o.Events))), Href: PathEvents},
		{TestID: "card-forms", Label: "Forms", Value: fmtInt(o.ActiveForms),
			Sub: fmt.Sprintf("active in the window · %s profiles in all", fmtInt(o.Profiles)), Href: PathProfiles},
		{TestID: "card-users", Label: "Active users", Value: fmtInt(o.ActiveUsers), Sub: "with at least one run in the window"},
		{TestID: "card-coverage", Label: "Feedback coverage", Value: fmtPct(o.FeedbackCoverage()), Tone: coverageTone,
			Sub: fmt.Sprintf("%s rated of %s runs · %s helpful", fmtInt(o.Rated()), fmtInt(o.Events), fmtRatio(helpful))},
	}
	last := components.StatCard{TestID: "card-last-run", Label: "Last aggregator run", Value: "never",
		Sub: "Run it below to build profiles and hints.", Href: PathRuns}
	if r := o.LastRun; r != nil {
		last.Value = orDash(runStatusLabel[r.Status])
		last.Href = pathFor(PathRun, r.ID)
		last.Sub = fmt.Sprintf("%s · %s", fmtAgo(r.StartedAt, now), fmtWindow(r.Days))
		switch r.Status {
		case learning.StatusOK:
			last.Tone = "good"
			last.Sub += fmt.Sprintf(" · %s profiles updated", fmtInt(r.ProfilesUpdated))
		case learning.StatusError:
			last.Tone = "bad"
		case learning.StatusRunning:
			last.Tone = "warn"
		}
	}
	asOf := components.StatCard{TestID: "card-as-of", Label: "Data as of", Value: "not built", Tone: "warn",
		Sub: "The event rollup builds when the server starts."}
	if o.State != nil {
		asOf.Value, asOf.Tone = o.State.RefreshedAt.UTC().Format("15:04 UTC"), ""
		asOf.Sub = fmt.Sprintf("%s · refreshed every %s", fmtAgo(o.State.RefreshedAt, now), fmtEvery(report.RefreshEvery))
	}
	return append(cards, last, asOf)
}

// servingNote says how /profile serves under the configured policy (after hintPolicyText).
func servingNote(policy string, floor float64) string {
	return fmt.Sprintf(" LEARNING_POLICY is %s; under bayes /profile serves each style with its Thompson allocation, at least %s each.",
		policy, fmtPct(floor))
}

// hintPolicyText says which policy made the stored hints.
func hintPolicyText(by []report.Count) string {
	switch len(by) {
	case 0:
		return "No hints yet."
	case 1:
		return fmt.Sprintf("Hints made by the %s policy (%s).", by[0].Key, plural(by[0].Count, "profile", "profiles"))
	}
	parts := make([]string, len(by))
	for i, c := range by {
		parts[i] = fmt.Sprintf("%s %s", c.Key, fmtInt(c.Count))
	}
	return "Hints made by more than one policy (profiles: " + strings.Join(parts, ", ") + "): a run since LEARNING_POLICY changed rewrites them all."
}

// srmVM words the sample-ratio check (see report.SRM for the expected split).
func srmVM(s report.SRM) pages.SRMVM {
	vm := pages.SRMVM{}
	chi2, p, ok := s.Test()
	if !ok {
		vm.Note = "No exploit event with a logged propensity below 1 in this window: nothing to check the explore rate against."
	} else {
		vm.Tested, vm.Mismatch = true, s.Mismatch()
		vm.Observed, vm.Expected = fmtPct(s.ObservedExplore()), fmtPct(s.ExpectedExplore())
		vm.Chi2, vm.P = fmtFloatG(chi2, 2), fmtP(p)
		vm.Note = fmt.Sprintf("Sample-ratio check over %s events with a logged propensity: the allocated explore share is Σ over exploit events of (1 − p)/p, "+
			"divided by the events; χ² with 1 degree of freedom, flagged under p < %g.", fmtInt(s.N()), report.SRMAlpha)
		if vm.Mismatch {
			vm.Note = "The clients explore at a rate the logged propensities do not explain: check that they serve the style /profile draws and echo its propensity. " + vm.Note
		}
	}
	if s.Missing > 0 {
		vm.Note += fmt.Sprintf(" %s without a propensity are left out.", plural(s.Missing, "exploit or explore event", "exploit or explore events"))
	}
	return vm
}
