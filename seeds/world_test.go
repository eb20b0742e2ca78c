package seeds

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/learning"
)

// TestTitlesClassifyAsListed keeps the title catalog honest: each title lands in the segment
// it is listed under and gets the discipline it is generated with, as the ingest path
// classifies it.
func TestTitlesClassifyAsListed(t *testing.T) {
	for seg, jobs := range jobTitles {
		for _, j := range jobs {
			require.Equal(t, seg, learning.SegmentFromJob(j.Title, j.NormalizedTitle), "%q", j.Title)
			require.True(t, learning.ValidDiscipline(j.Discipline) && j.Discipline != "", "%q has a discipline", j.Title)
			require.Equal(t, j.Discipline, learning.DisciplineFromJob(j.Title, j.NormalizedTitle), "%q", j.Title)
		}
	}
}

// TestHostsAreNormalisedAndFamiliesCovered checks the forms' hosts: normalised, in every
// family, and company sites in none.
func TestHostsAreNormalisedAndFamiliesCovered(t *testing.T) {
	w, err := NewWorld(Options{Events: DefaultEvents, Seed: DefaultSeed})
	require.NoError(t, err)
	seen := map[string]int{}
	for _, f := range w.Forms {
		require.Equal(t, learning.NormalizeHost(f.Host), f.Host)
		require.Equal(t, learning.Family(f.Host), f.Family)
		require.NotEmpty(t, f.fields)
		require.Len(t, f.SchemaHash, 16)
		seen[f.Family]++
	}
	for _, fam := range learning.Families() {
		require.Positive(t, seen[fam], fam)
	}
	require.Positive(t, seen[""], "company career sites in no family")
}

func generate(t *testing.T, opts Options) []event {
	t.Helper()
	w, err := NewWorld(opts)
	require.NoError(t, err)
	g := w.generator()
	var out []event
	var ev event
	for g.next(&ev) {
		out = append(out, ev)
	}
	require.Len(t, out, opts.Events)
	return out
}

func TestGeneratorIsDeterministic(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	a := generate(t, Options{Events: 3000, Seed: 7, Now: now})
	b := generate(t, Options{Events: 3000, Seed: 7, Now: now})
	require.Equal(t, a, b)
	c := generate(t, Options{Events: 3000, Seed: 8, Now: now})
	require.NotEqual(t, a[0].ID, c[0].ID)
	require.NotEqual(t, a[0].Host+a[0].SchemaHash, c[0].Host+c[0].SchemaHash)
}

// TestEventsAreWellFormed checks the invariants of every event the generator makes.
func TestEventsAreWellFormed(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	evs := generate(t, Options{Events: 5000, Days: 10, Seed: 3, Now: now})
	start := now.Add(-10 * 24 * time.Hour)
	ids := map[[16]byte]bool{}
	explore, rated := 0, 0
	for i, e := range evs {
		require.False(t, ids[e.ID], "unique ids")
		ids[e.ID] = true
		require.True(t, e.CreatedAt.After(start) && !e.CreatedAt.After(now), e.CreatedAt)
		if i > 0 {
			require.False(t, e.CreatedAt.Before(evs[i-1].CreatedAt), "time order")
		}
		require.True(t, e.OccurredAt.Before(e.CreatedAt))
		require.Equal(t, learning.Family(e.Host), e.Family)
		if e.Job != nil {
			require.Equal(t, learning.SegmentFromJob(e.Job.Title, e.Job.NormalizedTitle), e.Segment)
		} else {
			require.Empty(t, e.Segment)
		}
		switch e.Policy {
		case "explore":
			explore++
			require.InDelta(t, Epsilon/5, e.Propensity, 1e-9)
		case "exploit":
			if e.Style != "" {
				require.InDelta(t, 1-Epsilon, e.Propensity, 1e-9)
			}
		default:
			t.Fatalf("policy %q", e.Policy)
		}
		if e.Feedback != "" {
			rated++
			require.NotEmpty(t, e.Style)
			require.False(t, e.FeedbackAt.Before(e.CreatedAt))
		}
		require.Contains(t, []string{"ok", "partial", "error"}, e.Status)
	}
	styled := 0
	for _, e := range evs {
		if e.Style != "" {
			styled++
		}
	}
	require.InDelta(t, Epsilon, float64(explore)/float64(styled), 0.02)
	require.InDelta(t, 0.35, float64(rated)/float64(len(evs)), 0.05)
}

func TestOptionsValidate(t *testing.T) {
	_, err := NewWorld(Options{Events: -1})
	require.ErrorContains(t, err, "events must be")
	_, err = NewWorld(Options{Events: 10, Days: 5000, Users: -2})
	require.ErrorContains(t, err, "days must be")
	require.ErrorContains(t, err, "users must be")
	_, err = NewWorld(Options{Events: 10, Forms: 11})
	require.ErrorContains(t, err, "forms must be")
	// Tiny demos still make exactly the events asked for.
	for _, n := range []int{1, 2, 7, 40, 101} {
		require.Len(t, generate(t, Options{Events: n, Seed: 1}), n)
	}
	require.Len(t, generate(t, Options{Events: 3000, Forms: 2000, Seed: 1}), 3000)
}

// TestDisciplineTruth checks the truth's discipline effect: present in disciplineFamilies,
// absent elsewhere and everywhere with FlatDisciplines, and the rest of the demo unchanged.
func TestDisciplineTruth(t *testing.T) {
	opts := Options{Events: 3_000, Seed: 7, Now: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	w, err := NewWorld(opts)
	require.NoError(t, err)
	opts.FlatDisciplines = true
	flat, err := NewWorld(opts)
	require.NoError(t, err)
	require.Len(t, flat.Forms, len(w.Forms))
	differs := 0
	for i, f := range w.Forms {
		require.Equal(t, f.Host, flat.Forms[i].Host, "the same forms with and without the effect")
		require.Equal(t, f.rates, flat.Forms[i].rates)
		eng, data := f.ratesFor(segSenior, learning.DisciplineEngineering), f.ratesFor(segSenior, learning.DisciplineData)
		require.Equal(t, flat.Forms[i].ratesFor(segSenior, learning.DisciplineEngineering), flat.Forms[i].ratesFor(segSenior, learning.DisciplineData))
		if !slices.Contains(disciplineFamilies, f.Family) {
			require.Equal(t, eng, data, "%s: discipline does not matter", f.Family)
		} else if !slices.Equal(eng, data) {
			differs++
		}
	}
	require.Positive(t, differs)
}
