package learning

import (
	"fmt"
	"math"
	"strings"

	"gorm.io/gorm"

	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store"
)

// The run diff: every run records which (form, segment) picks changed, from what to what and
// why, so that an operator can see what a run did ("37 picks changed") without comparing hints.

// MaxPickChanges is how many changed picks one run stores; the run counts them all.
const MaxPickChanges = 1000

// PickChange is one (form, segment) whose preferred style changed in a run.
type PickChange struct {
	Host, SchemaHash string
	SegmentKey       string
	FromStyle        string // "" when the segment had no pick
	ToStyle          string // "" when it has none now
	FromSource       string
	ToSource         string
	Reason           string
}

// pickChanges compares the by-segment picks of a form's stored hint (decodeHint; nil for a
// new profile) with its new hint, segment by segment in order. Only the preferred style counts
// as a pick: figures that move without changing it are not a change of pick.
func pickChanges(k formKey, was *models.StyleHint, h *models.StyleHint) []PickChange {
	var old models.StyleHint
	if was != nil {
		old = *was
	}
	var out []PickChange
	for _, seg := range Segments() {
		was, now := old.BySegment[seg], h.BySegment[seg]
		from, to := deref(was.PreferredStyleID), deref(now.PreferredStyleID)
		if from == to {
			continue
		}
		out = append(out, PickChange{
			Host: k.host, SchemaHash: k.schemaHash, SegmentKey: seg,
			FromStyle: from, ToStyle: to, FromSource: orNone(was.Source), ToSource: orNone(now.Source),
			Reason: changeReason(&old, h, was, now),
		})
	}
	return out
}

// changeReason says why a pick changed, first reason first: no hint before; the policy
// changed; new rated runs on this form for the segment; a κ changed; new evidence above the
// form, at the level where the new pick's share of evidence moved most (bayes) or at the
// level the pick now comes from (threshold); the evidence aged out of the window.
func changeReason(oldH, newH *models.StyleHint, was, now models.Choice) string {
	switch {
	case len(oldH.BySegment) == 0:
		return "no per-segment hint before"
	case policyOf(oldH) != policyOf(newH):
		return fmt.Sprintf("policy %s → %s", policyOf(oldH), policyOf(newH))
	}
	r0, r1 := formRated(was), formRated(now)
	if r0 != r1 {
		return fmt.Sprintf("new evidence on this form: %d → %d rated runs for the segment", r0, r1)
	}
	if d := kappaDiff(oldH.Kappas, newH.Kappas); d != "" {
		return "κ changed: " + d
	}
	if now.PreferredStyleID == nil {
		return "its evidence left the window"
	}
	if lvl := movedLevel(was, now); lvl != "" {
		return "new evidence at the " + lvl + " level"
	}
	if was.Source != now.Source {
		return fmt.Sprintf("new evidence: the pick now comes from the %s level (was %s)", now.Source, orNone(was.Source))
	}
	return fmt.Sprintf("new evidence at the %s level", now.Source)
}

func policyOf(h *models.StyleHint) string {
	if h.Policy == "" {
		return models.PolicyThreshold
	}
	return h.Policy
}

// formRated is the rated runs of the form's own candidates for the choice's segment.
func formRated(c models.Choice) int {
	n := 0
	for _, s := range c.Candidates {
		if s.Level == models.SourceForm {
			n += s.RatedRuns
		}
	}
	return n
}

// kappaDiff lists the levels whose κ changed, "" when none did.
func kappaDiff(a, b *models.Kappas) string {
	if a == nil || b == nil {
		return ""
	}
	var parts []string
	for _, l := range []struct {
		name string
		x, y float64
	}{{"all forms", a.Global, b.Global}, {"family", a.Family, b.Family}, {"segment across families", a.SegmentAcross, b.SegmentAcross},
		{"segment", a.Segment, b.Segment}, {"form", a.Form, b.Form}, {"career-site form", a.FormNoFamily, b.FormNoFamily}} {
		if l.x != l.y {
			parts = append(parts, fmt.Sprintf("%s %g → %g", l.name, l.x, l.y))
		}
	}
	return strings.Join(parts, ", ")
}

// movedLevel is the level (segment, family, global) whose share of the new pick's evidence
// moved most between the two choices, "" when the shares are unknown or did not move.
func movedLevel(was, now models.Choice) string {
	if was.Shares == nil || now.Shares == nil {
		return ""
	}
	a, b := *was.Shares, *now.Shares
	best, lvl := 0.0, ""
	for _, l := range []struct {
		name string
		d    float64
	}{{models.SourceSegment, b.Segment - a.Segment}, {models.SourceFamily, b.Family - a.Family}, {models.SourceGlobal, b.Global - a.Global}} {
		if math.Abs(l.d) > best {
			best, lvl = math.Abs(l.d), l.name
		}
	}
	return lvl
}

func orNone(s string) string {
	if s == "" {
		return models.SourceNone
	}
	return s
}

// runDiff is what a run keeps of its changed picks: all counted, the first MaxPickChanges kept.
type runDiff struct {
	total int
	kept  []PickChange
}

// note records the changed picks of a form whose hint changed (pickChanges).
func (r *runDiff) note(ch []PickChange) {
	r.total += len(ch)
	if room := MaxPickChanges - len(r.kept); room > 0 {
		r.kept = append(r.kept, ch[:min(room, len(ch))]...)
	}
}

// pickChangeColumns are the columns of aggregator_run_changes a run writes.
var pickChangeColumns = []string{"run_id", "seq", "host", "schema_hash", "segment_key", "from_style", "to_style",
	"from_source", "to_source", "reason"}

// writePickChanges stores the kept changes of run runID in one statement (at most
// MaxPickChanges rows of 10 values: within both databases' limits on parameters).
func writePickChanges(tx *gorm.DB, runID string, rows []PickChange) error {
	if len(rows) == 0 {
		return nil
	}
	args := make([]any, 0, len(rows)*len(pickChangeColumns))
	for i, c := range rows {
		args = append(args, runID, i+1, c.Host, c.SchemaHash, c.SegmentKey, nullIfEmpty(c.FromStyle), nullIfEmpty(c.ToStyle),
			c.FromSource, c.ToSource, c.Reason)
	}
	return tx.Exec(store.InsertSQL("aggregator_run_changes", pickChangeColumns, len(rows), false), args...).Error
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
