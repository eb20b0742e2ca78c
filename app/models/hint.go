package models

import (
	"encoding/json"
	"time"
)

// Sources of a style hint, from the most specific level to none.
const (
	SourceForm    = "form"
	SourceSegment = "segment"
	SourceFamily  = "family"
	SourceGlobal  = "global" // all forms: the bayes policy's root level
	SourceNone    = "none"
)

// Policies that make style hints (LEARNING_POLICY).
const (
	// PolicyBayes pools evidence across form → segment → family → all forms by empirical-Bayes
	// shrinkage and picks the best posterior mean (the default).
	PolicyBayes = "bayes"
	// PolicyThreshold is the original's rules, exactly: the first level with a style over its
	// run threshold wins.
	PolicyThreshold = "threshold"
)

// Confidence labels of a bayes choice.
const (
	ConfidenceConfident = "confident"  // the pick's expected loss is under ConfidentLoss
	ConfidenceTentative = "tentative"  // local evidence, but not enough to be confident
	ConfidencePriorOnly = "prior only" // no rated run on the form or its segment: parents only
)

// StyleStats are the statistics of one style at one level.
type StyleStats struct {
	StyleID       string   `json:"style_id"`
	Level         string   `json:"level"` // form | segment | family
	SegmentKey    string   `json:"segment_key,omitempty"`
	TotalRuns     int      `json:"total_runs"`
	HelpfulRuns   int      `json:"helpful_runs"`
	UnhelpfulRuns int      `json:"unhelpful_runs"`
	RatedRuns     int      `json:"rated_runs"`
	HelpfulRatio  *float64 `json:"helpful_ratio"`
	AvgEditChars  *float64 `json:"avg_edit_chars"`
	IsWinner      bool     `json:"is_winner"`
	// Posterior is the bayes policy's estimate of the style's helpful rate for this form and
	// segment; nil under the threshold policy.
	Posterior *Posterior `json:"posterior,omitempty"`
}

// Posterior is one style's pooled estimate: a Beta(Alpha, Beta) over its helpful rate.
type Posterior struct {
	Mean  float64 `json:"mean"`
	Low   float64 `json:"ci90_low"`  // 5% quantile
	High  float64 `json:"ci90_high"` // 95% quantile
	Alpha float64 `json:"alpha"`
	Beta  float64 `json:"beta"`
	// PBest is the probability that this style has the highest helpful rate of the candidates:
	// also its Thompson-sampling allocation before the exploration floor.
	PBest float64 `json:"p_best"`
	// ExpectedLoss is E[best rate − this style's rate]: what choosing it costs on average.
	ExpectedLoss float64 `json:"expected_loss"`
	Shares       Shares  `json:"shares"`
}

// Shares say how much of an estimate comes from each level (they add up to 1).
type Shares struct {
	Form float64 `json:"form"`
	// Discipline is the (family, segment, discipline) level's share: 0 for a choice made for a
	// segment alone (no discipline asked for), and absent from hints made before the level.
	Discipline float64 `json:"discipline,omitempty"`
	Segment    float64 `json:"segment"`
	Family     float64 `json:"family"`
	Global     float64 `json:"global"`
}

// Kappas are the bayes policy's concentrations, estimated from the data per level: how many
// local rated runs weigh as much as the parent level's estimate.
type Kappas struct {
	Global  float64 `json:"global"`
	Family  float64 `json:"family"`
	Segment float64 `json:"segment"`
	// SegmentAcross is the segment's effect over every family, added to a family's estimate
	// to make the prior of its (family, segment) cells; 0 = not used.
	SegmentAcross float64 `json:"segment_across"`
	Form          float64 `json:"form"`
	// FormNoFamily is the form level of hosts in no family (career sites), whose parent is a
	// segment over every form: their own tastes spread more than a family's forms do.
	FormNoFamily float64 `json:"form_no_family"`
	// Discipline is the (family, segment, discipline) level under its (family, segment);
	// FormDiscipline a form's runs for a segment and discipline under that level (plus the
	// form's own leaning over every discipline). Absent from hints made before the level.
	Discipline     float64 `json:"discipline,omitempty"`
	FormDiscipline float64 `json:"form_discipline,omitempty"`
}

// Choice is the style chosen for one segment of a form (or for the form overall).
type Choice struct {
	PreferredStyleID *string `json:"preferred_style_id"` // nil when Source is none
	Source           string  `json:"source"`
	// SegmentKey is the segment the choice was made for ("" for none); the overall hint is
	// made for the form's most common segment.
	SegmentKey string `json:"segment_key,omitempty"`
	// Candidates are the styles that competed at the level used (those with enough runs),
	// best first, the winner marked; empty for none. Under bayes every style competes.
	Candidates []StyleStats `json:"candidates"`
	// Under bayes: the winner's shares, a confidence label and an estimate of the rated runs
	// on this form and segment still needed to be confident.
	Shares     *Shares `json:"shares,omitempty"`
	Confidence string  `json:"confidence,omitempty"`
	RunsNeeded *int    `json:"runs_needed,omitempty"`
}

// SegmentChoices are a hint's choices by segment. They are stored compactly: each candidate
// leaves out its zero counts, missing ratios and false winner mark (storedStats), which
// decoding gives back as they were. Most candidates of a segment's or a pair's choice have no
// run on the form, so this keeps hints small. The overall choice and style_stats, which older
// readers of the column read, keep every field, as the API does.
type SegmentChoices map[string]Choice

// storedStats is StyleStats as a segment's choice stores it; the conversion between the two
// (MarshalJSON) keeps their fields the same.
type storedStats struct {
	StyleID       string     `json:"style_id"`
	Level         string     `json:"level,omitempty"`
	SegmentKey    string     `json:"segment_key,omitempty"`
	TotalRuns     int        `json:"total_runs,omitempty"`
	HelpfulRuns   int        `json:"helpful_runs,omitempty"`
	UnhelpfulRuns int        `json:"unhelpful_runs,omitempty"`
	RatedRuns     int        `json:"rated_runs,omitempty"`
	HelpfulRatio  *float64   `json:"helpful_ratio,omitempty"`
	AvgEditChars  *float64   `json:"avg_edit_chars,omitempty"`
	IsWinner      bool       `json:"is_winner,omitempty"`
	Posterior     *Posterior `json:"posterior,omitempty"`
}

// storedChoice is a Choice as a hint's by_segment stores it: with compact candidates.
type storedChoice struct {
	Choice
	Candidates []storedStats `json:"candidates"` // shadows Choice.Candidates
}

// stored is m as it is stored: every choice with compact candidates (a nil list stays null).
func (m SegmentChoices) stored() map[string]storedChoice {
	if m == nil {
		return nil
	}
	out := make(map[string]storedChoice, len(m))
	for k, c := range m {
		var cs []storedStats
		if c.Candidates != nil {
			cs = make([]storedStats, len(c.Candidates))
			for i, s := range c.Candidates {
				cs[i] = storedStats(s)
			}
		}
		out[k] = storedChoice{Choice: c, Candidates: cs}
	}
	return out
}

// MarshalJSON writes every choice with compact candidates (a nil list stays null).
func (m SegmentChoices) MarshalJSON() ([]byte, error) {
	if m == nil {
		return []byte("null"), nil
	}
	return json.Marshal(m.stored())
}

// Thresholds are the minimum runs a style needs to compete at each level.
type Thresholds struct {
	Form    int `json:"min_form_runs"`
	Segment int `json:"min_segment_runs"`
	Family  int `json:"min_family_runs"`
}

// StyleHint is the form profile's style_hint JSON, rebuilt from scratch on every run. Two
// runs over the same data give the same hint but for ComputedAt and RunID.
type StyleHint struct {
	Choice
	HostFamily string                `json:"host_family"` // "" for a host in no family
	StyleStats map[string]StyleStats `json:"style_stats"` // form level, for old readers
	// BySegment holds a choice for every segment (seniority), and under bayes one for a
	// (segment, discipline) pair, keyed "senior/data", only where the pair's pick differs from
	// its segment's: a reader asked for a pair with no entry serves the segment's choice, whose
	// pick is the pair's (its figures are the segment's, pooled over every discipline). A pair
	// with no entry is never "no pick": the segment's entry stands for it.
	BySegment  SegmentChoices `json:"by_segment,omitempty"`
	Policy     string         `json:"policy"` // bayes | threshold ("" = threshold, from before policies)
	Thresholds Thresholds     `json:"thresholds"`
	Kappas     *Kappas        `json:"kappas,omitempty"` // bayes only
	WindowDays int            `json:"window_days"`
	ComputedAt time.Time      `json:"computed_at"`
	RunID      string         `json:"run_id"`
}

// storedHint is a StyleHint with its by_segment as stored, field for field in StyleHint's
// order (TestStoredHintMirrorsStyleHint), which EncodeHint encodes.
type storedHint struct {
	Choice
	HostFamily string                  `json:"host_family"`
	StyleStats map[string]StyleStats   `json:"style_stats"`
	BySegment  map[string]storedChoice `json:"by_segment,omitempty"`
	Policy     string                  `json:"policy"`
	Thresholds Thresholds              `json:"thresholds"`
	Kappas     *Kappas                 `json:"kappas,omitempty"`
	WindowDays int                     `json:"window_days"`
	ComputedAt time.Time               `json:"computed_at"`
	RunID      string                  `json:"run_id"`
}

// EncodeHint is json.Marshal(h), the JSON of the style_hint column, written in one pass:
// encoding/json parses again (compacts) whatever a MarshalJSON method returns, and by_segment's
// is most of a hint (at 300,000 forms that second pass took a sixth of a run's CPU).
func EncodeHint(h StyleHint) ([]byte, error) {
	return json.Marshal(storedHint{Choice: h.Choice, HostFamily: h.HostFamily, StyleStats: h.StyleStats,
		BySegment: h.BySegment.stored(), Policy: h.Policy, Thresholds: h.Thresholds, Kappas: h.Kappas,
		WindowDays: h.WindowDays, ComputedAt: h.ComputedAt, RunID: h.RunID})
}
