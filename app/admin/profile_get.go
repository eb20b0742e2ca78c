package admin

import (
	"fmt"
	"net/url"
	"sort"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/pages"
)

// profileGet shows one form profile: numbers, canonical map, and the hint for the form and
// for each segment with the candidates that competed (winner marked) and why it won.
func (h *Handlers) profileGet(c *gin.Context) {
	d, err := report.GetProfile(c.Request.Context(), h.db, c.Param("id"))
	if err != nil {
		web.Fail(c, notFoundOr(err, "profile"))
		return
	}
	p := d.Profile
	vm := pages.ProfilePageVM{
		Shell: shell(c, p.Host, "profiles"), Host: p.Host, SchemaHash: p.SchemaHash, Family: d.Row.Family,
		Source: d.Row.Source, SourceKey: d.Row.Source, Withheld: d.Row.Withheld, BackURL: PathProfiles,
		EventsURL: withQuery(PathEvents, url.Values{"host": {p.Host}}),
	}
	if vm.Withheld {
		vm.WithheldBy = fmt.Sprintf("Its success rate is under %.0f%% or its average edits over %d characters, so /profile serves no map or hint.",
			learning.GuardMinSuccessRate*100, learning.GuardMaxAvgEdits)
	}
	var avgDuration string = dash
	if p.AvgDurationMS != nil {
		avgDuration = fmtMillis(int64(*p.AvgDurationMS))
	}
	vm.Cards = []components.StatCard{
		{TestID: "card-events", Label: "Events", Value: fmtInt(p.EventCount), Sub: "in the aggregator's window"},
		{TestID: "card-success", Label: "Success rate", Value: fmtRatio(p.SuccessRate), Sub: "runs with status ok"},
		{TestID: "card-edits", Label: "Average edits", Value: fmtFloat(p.AvgEditChars, 0), Sub: "characters added + deleted"},
		{TestID: "card-duration", Label: "Average duration", Value: avgDuration},
		{TestID: "card-confidence", Label: "Confidence", Value: fmt.Sprintf("%.0f%%", d.Confidence*100), Sub: "min(ok runs ÷ 10, 1)"},
		{TestID: "card-last-seen", Label: "Last seen", Value: fmtAgo(timeOr(p.LastSeenAt, p.LastEventAt), h.now()),
			Sub: fmtTimePtr(p.LastSeenAt)},
	}
	for sel, field := range p.Fields.V {
		vm.Fields = append(vm.Fields, pages.FieldPair{Selector: sel, Field: field})
	}
	sort.Slice(vm.Fields, func(i, j int) bool { return vm.Fields[i].Selector < vm.Fields[j].Selector })
	if hint := d.Hint; hint != nil {
		vm.HintMeta = fmt.Sprintf("Hint computed %s over a %s (thresholds: form %d, segment %d, family %d runs) by",
			fmtTime(hint.ComputedAt), fmtWindow(hint.WindowDays), hint.Thresholds.Form, hint.Thresholds.Segment, hint.Thresholds.Family)
		if hint.RunID != "" {
			vm.RunURL = pathFor(PathRun, hint.RunID)
		} else {
			vm.HintMeta += " the aggregator."
		}
	} else {
		vm.HintMeta = "Not aggregated yet."
	}
	vm.Overall = choiceVM("overall", "For any job", d.Overall)
	for _, cd := range d.BySegment {
		vm.Segments = append(vm.Segments, choiceVM(cd.Segment, "For "+cd.Segment+" jobs", cd))
	}
	render(c, pages.ProfilePage(vm))
}

func choiceVM(key, heading string, cd report.ChoiceDetail) pages.ChoiceVM {
	ch := cd.Choice
	src := ch.Source
	if src == "" {
		src = models.SourceNone
	}
	vm := pages.ChoiceVM{Key: key, Title: heading, Source: src, SourceKey: src, Preferred: deref(ch.PreferredStyleID),
		Explanation: cd.Explanation}
	for _, s := range ch.Candidates {
		level := s.Level
		if s.SegmentKey != "" {
			level += " (" + s.SegmentKey + ")"
		}
		vm.Candidates = append(vm.Candidates, pages.CandidateVM{StyleID: s.StyleID, Level: level, Runs: fmtInt(s.TotalRuns),
			Helpful: fmtInt(s.HelpfulRuns), Unhelpful: fmtInt(s.Unhelpful), Rated: fmtInt(s.RatedRuns),
			Ratio: fmtRatio(s.HelpfulRatio), AvgEdits: fmtFloat(s.AvgEditChars, 0), Winner: s.IsWinner})
	}
	return vm
}

// timeOr returns the first time that is set.
func timeOr(ts ...*time.Time) time.Time {
	for _, t := range ts {
		if t != nil {
			return *t
		}
	}
	return time.Time{}
}
