package seeds_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/seeds"
)

// Mix is the share of profiles by hint source and of events by segment, in percent.
type Mix struct {
	Sources  map[string]float64
	Segments map[string]float64
}

// measure reads the source mix of every profile's hint (as the seed's verification script
// does) and the segment distribution of the events that have a segment (as its monitoring
// query does: events with no segment are left out of the percentages).
func measure(t *testing.T, db *gorm.DB) Mix {
	t.Helper()
	var profiles []models.FormProfile
	require.NoError(t, db.Find(&profiles).Error)
	require.NotEmpty(t, profiles)
	m := Mix{Sources: map[string]float64{}, Segments: map[string]float64{}}
	for _, p := range profiles {
		src := models.SourceNone
		if p.StyleHint.V != nil && p.StyleHint.V.Source != "" {
			src = p.StyleHint.V.Source
		}
		m.Sources[src] += 100 / float64(len(profiles))
	}
	var rows []struct {
		SegmentKey string
		N          int64
	}
	require.NoError(t, db.Raw(`SELECT segment_key, COUNT(*) AS n FROM autofill_events
		WHERE segment_key IS NOT NULL GROUP BY segment_key`).Scan(&rows).Error)
	var total int64
	for _, r := range rows {
		total += r.N
	}
	for _, r := range rows {
		m.Segments[r.SegmentKey] = 100 * float64(r.N) / float64(total)
	}
	return m
}

// expected are the seed's ranges ("Expected distribution" and "Monitor Segment Data").
var expected = struct{ sources, segments map[string][2]float64 }{
	sources: map[string][2]float64{
		models.SourceForm: {30, 40}, models.SourceSegment: {20, 30}, models.SourceFamily: {20, 30}, models.SourceNone: {10, 20},
	},
	segments: map[string][2]float64{
		learning.SegmentSenior: {30, 40}, learning.SegmentDefault: {30, 40}, learning.SegmentJunior: {15, 25}, learning.SegmentIntern: {5, 10},
	},
}

func requireInRanges(t *testing.T, m Mix) {
	t.Helper()
	for k, r := range expected.sources {
		require.True(t, m.Sources[k] >= r[0] && m.Sources[k] <= r[1], "source %s: %.1f%% not in %v (mix %v)", k, m.Sources[k], r, m.Sources)
	}
	for k, r := range expected.segments {
		require.True(t, m.Segments[k] >= r[0] && m.Segments[k] <= r[1], "segment %s: %.1f%% not in %v (%v)", k, m.Segments[k], r, m.Segments)
	}
}

// TestDemoLandsInExpectedRanges seeds the default demo (and two other seeds), runs the
// aggregator with the default thresholds and checks the seed's expected source mix and
// segment distribution.
func TestDemoLandsInExpectedRanges(t *testing.T) {
	for _, seed := range []uint64{seeds.DefaultSeed, 2, 2026} {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *gorm.DB) {
				ctx := context.Background()
				res, err := seeds.Seed(ctx, db, seeds.Options{Events: seeds.DefaultEvents, Seed: seed})
				require.NoError(t, err)
				run := aggregate(t, db)
				require.Equal(t, len(res.World.Forms), run.ProfilesUpdated)
				require.EqualValues(t, seeds.DefaultEvents, run.EventsRead)

				// Each form gets its hint from the level it was designed for (the truth's
				// expected_source), so the mix comes from the data's shape, not from luck.
				var profiles []models.FormProfile
				require.NoError(t, db.Find(&profiles).Error)
				source := map[string]string{}
				for _, p := range profiles {
					require.NotNil(t, p.StyleHint.V, p.Host)
					source[p.Host+" "+p.SchemaHash] = p.StyleHint.V.Source
				}
				agree := 0
				for _, f := range res.World.Forms {
					if source[f.Host+" "+f.SchemaHash] == f.Source {
						agree++
					}
				}
				require.GreaterOrEqual(t, agree, len(res.World.Forms)*98/100, "forms whose hint comes from their designed level")

				m := measure(t, db)
				t.Logf("sources %v segments %v", rounded(m.Sources), rounded(m.Segments))
				requireInRanges(t, m)
				for src, n := range run.SourceMix.V {
					require.InDelta(t, m.Sources[src], 100*float64(n)/float64(run.ProfilesUpdated), 0.01, src)
				}
			})
		})
	}
}

// aggregate runs the aggregator with the default thresholds over the default window.
func aggregate(t *testing.T, db *gorm.DB) *models.AggregatorRun {
	t.Helper()
	// The demo's tiers are designed around the original's thresholds.
	cfg, err := config.Load(func(k string) string { return map[string]string{"LEARNING_POLICY": "threshold"}[k] })
	require.NoError(t, err)
	run, err := learning.NewRunner(db, cfg, nil, storetest.Logger(t)).Run(context.Background(), learning.RunParams{Days: seeds.DefaultDays})
	require.NoError(t, err)
	return run
}

func rounded(m map[string]float64) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = fmt.Sprintf("%.1f%%", v)
	}
	return out
}
