package admin

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/views/components"
	"github.com/applylens/learning/views/pages"
)

// profileVM is one form profile's page: numbers, canonical map, and the hint for the form and
// for each segment with the candidates that competed.
func profileVM(d *report.ProfileDetail, now time.Time) pages.ProfilePageVM {
	p := d.Profile
	vm := pages.ProfilePageVM{
		Host: p.Host, SchemaHash: p.SchemaHash, Family: d.Row.Family,
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
		{TestID: "card-last-seen", Label: "Last seen", Value: fmtAgo(timeOr(p.LastSeenAt, p.LastEventAt), now),
			Sub: fmtTimePtr(p.LastSeenAt)},
	}
	for sel, field := range p.Fields.V {
		vm.Fields = append(vm.Fields, pages.FieldPair{Selector: sel, Field: field})
	}
	sort.Slice(vm.Fields, func(i, j int) bool { return vm.Fields[i].Selector < vm.Fields[j].Selector })
	if hint := d.Hint; hint != nil {
		vm.HintMeta = fmt.Sprintf("Hint computed %s over a %s by the %s policy (%s) by",
			fmtTime(hint.ComputedAt), fmtWindow(hint.WindowDays), policyName(hint.Policy), hintParams(hint))
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
	return vm
}

func choiceVM(key, heading string, cd report.ChoiceDetail) pages.ChoiceVM {
	ch := cd.Choice
	src := ch.Source
	if src == "" {
		src = models.SourceNone
	}
	vm := pages.ChoiceVM{Key: key, Title: heading, Source: src, SourceKey: src, Preferred: deref(ch.PreferredStyleID),
		Explanation: cd.Explanation}
	if len(ch.Candidates) > 0 && ch.Candidates[0].Posterior != nil {
		return bayesChoiceVM(vm, ch)
	}
	for _, s := range ch.Candidates {
		level := s.Level
		if s.SegmentKey != "" {
			level += " (" + s.SegmentKey + ")"
		}
		vm.Candidates = append(vm.Candidates, pages.CandidateVM{StyleID: s.StyleID, Level: level, Runs: fmtInt(s.TotalRuns),
			Helpful: fmtInt(s.HelpfulRuns), Unhelpful: fmtInt(s.UnhelpfulRuns), Rated: fmtInt(s.RatedRuns),
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

// bayesChoiceVM adds a bayes choice's leaderboard: every candidate's posterior mean with its
// 90% interval, P(best) and expected loss, the winner's evidence by level, its confidence and
// the rated runs it still needs.
func bayesChoiceVM(vm pages.ChoiceVM, ch models.Choice) pages.ChoiceVM {
	vm.Bayes = true
	vm.Confidence, vm.ConfidenceKey = orDash(ch.Confidence), strings.ReplaceAll(ch.Confidence, " ", "-")
	switch {
	case ch.RunsNeeded == nil:
		vm.RunsNeeded = "No rated run yet on any level."
	case *ch.RunsNeeded == 0:
		vm.RunsNeeded = "Enough evidence: choosing it costs under 1 point of helpful rate on average."
	default:
		vm.RunsNeeded = fmt.Sprintf("About %s more rated runs on this form and segment to be confident.", fmtInt(*ch.RunsNeeded))
	}
	if sh := ch.Shares; sh != nil {
		vm.Shares = sharesChart(*sh)
	}
	for _, s := range ch.Candidates {
		p := s.Posterior
		c := pages.CandidateVM{StyleID: s.StyleID, Winner: s.IsWinner, Helpful: fmtInt(s.HelpfulRuns), Rated: fmtInt(s.RatedRuns),
			Mean: fmtPct(p.Mean), CI: fmtPctRange(p.Low, p.High), PBest: fmtPct(p.PBest), ExpectedLoss: fmtPoints(p.ExpectedLoss)}
		key := "none"
		if s.IsWinner {
			key = "form"
		}
		c.Interval = components.IntervalProps{TestID: "interval", Key: key, Mean: p.Mean, Low: p.Low, High: p.High,
			MeanText: c.Mean, LowText: fmtPct(p.Low), HighText: fmtPct(p.High),
			Label: fmt.Sprintf("%s: helpful rate %s (90%% interval %s)", s.StyleID, c.Mean, c.CI)}
		vm.Candidates = append(vm.Candidates, c)
	}
	return vm
}

// sharesChart draws how much of an estimate comes from each level as one stacked bar.
func sharesChart(sh models.Shares) components.ChartProps {
	p := components.ChartProps{TestID: "shares", Title: "Evidence from", Empty: "No evidence yet.", SharesOnly: true}
	for _, l := range []struct {
		key, label string
		v          float64
	}{{models.SourceForm, "This form", sh.Form}, {models.SourceSegment, "Segment (family × level)", sh.Segment},
		{models.SourceFamily, "Family", sh.Family}, {models.SourceGlobal, "All forms", sh.Global}} {
		p.Items = append(p.Items, components.ChartItem{Key: l.key, Label: l.label, Count: fmtPct(l.v), Pct: fmtPct(l.v), Share: l.v})
	}
	return p
}

// policyName names the policy that made a hint; hints from before policies were threshold's.
func policyName(p string) string {
	if p == "" {
		return models.PolicyThreshold
	}
	return p
}

// hintParams are the parameters a hint was made with: κ per level under bayes, the run
// thresholds under threshold.
func hintParams(h *models.StyleHint) string {
	if k := h.Kappas; k != nil && h.Policy == models.PolicyBayes {
		return fmt.Sprintf("κ: all forms %s, family %s, segment %s, form %s, career-site form %s",
			fmtKappa(k.Global), fmtKappa(k.Family), fmtKappa(k.Segment), fmtKappa(k.Form), fmtKappa(k.FormNoFamily))
	}
	return fmt.Sprintf("thresholds: form %d, segment %d, family %d runs", h.Thresholds.Form, h.Thresholds.Segment, h.Thresholds.Family)
}
