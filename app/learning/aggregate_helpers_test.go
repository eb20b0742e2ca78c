package learning_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/metrics"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/seeds"
)

// Hosts of the scenarios: two in a family, one in none.
const (
	ghAcme   = "boards.greenhouse.io"
	ghGlobex = "job-boards.greenhouse.io"
	leverCo  = "jobs.lever.co"
	noFamily = "careers.acme.com"
)

// Styles of the scenarios.
const (
	concise   = "concise_bullets_v1"
	narrative = "narrative_para_v1"
	confident = "confident_detailed_v1"
)

// harness is one database with a Runner on it (default thresholds: form 5, segment 5,
// family 10).
type harness struct {
	t   *testing.T
	db  *gorm.DB
	cfg config.Config
	m   *metrics.Metrics
	r   *learning.Runner
}

// newHarness runs the aggregator under the original's threshold rules, which most tests here
// pin exactly; bayesHarness runs the default policy.
func newHarness(t *testing.T, db *gorm.DB, tweaks ...func(*config.Config)) *harness {
	t.Helper()
	return policyHarness(t, db, models.PolicyThreshold, tweaks...)
}

func bayesHarness(t *testing.T, db *gorm.DB, tweaks ...func(*config.Config)) *harness {
	t.Helper()
	return policyHarness(t, db, models.PolicyBayes, tweaks...)
}

func policyHarness(t *testing.T, db *gorm.DB, policy string, tweaks ...func(*config.Config)) *harness {
	t.Helper()
	cfg, err := config.Load(func(k string) string {
		if k == "LEARNING_POLICY" {
			return policy
		}
		return ""
	})
	require.NoError(t, err)
	for _, tw := range tweaks {
		tw(&cfg)
	}
	m := metrics.New()
	return &harness{t: t, db: db, cfg: cfg, m: m, r: learning.NewRunner(db, cfg, m, storetest.Logger(t))}
}

func (h *harness) insert(lists ...[]seeds.Ev) {
	h.t.Helper()
	_, err := seeds.Insert(context.Background(), h.db, seeds.Concat(lists...))
	require.NoError(h.t, err)
}

// run aggregates the last days and requires success.
func (h *harness) run(days int) *models.AggregatorRun {
	h.t.Helper()
	run, err := h.r.Run(context.Background(), learning.RunParams{Days: days, Trigger: learning.TriggerCLI})
	require.NoError(h.t, err)
	require.Equal(h.t, learning.StatusOK, run.Status)
	return run
}

func (h *harness) profile(host, schemaHash string) models.FormProfile {
	h.t.Helper()
	var p models.FormProfile
	require.NoError(h.t, h.db.Where("host = ? AND schema_hash = ?", host, schemaHash).Take(&p).Error)
	return p
}

// hint returns the profile's hint, which every run writes.
func (h *harness) hint(host, schemaHash string) *models.StyleHint {
	h.t.Helper()
	p := h.profile(host, schemaHash)
	require.NotNil(h.t, p.StyleHint.V, "profile %s/%s has a hint", host, schemaHash)
	return p.StyleHint.V
}

// preferred is the hint's preferred style, or "" for none.
func preferred(c models.Choice) string {
	if c.PreferredStyleID == nil {
		return ""
	}
	return *c.PreferredStyleID
}

// candidate returns the stats of one style among a choice's candidates.
func candidate(t *testing.T, c models.Choice, style string) models.StyleStats {
	t.Helper()
	for _, s := range c.Candidates {
		if s.StyleID == style {
			return s
		}
	}
	t.Fatalf("no candidate %s in %+v", style, c.Candidates)
	return models.StyleStats{}
}

// rated makes n runs of a style with a rating ("" for none) on a form.
func rated(host, form, style, segment, feedback string, n int) []seeds.Ev {
	return seeds.Ev{Host: host, SchemaHash: form, Style: style, Segment: segment, Feedback: feedback}.Times(n)
}

// metricValue reads one counter or gauge of the registry by name and labels (0 when absent).
func metricValue(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
		for _, m := range f.GetMetric() {
			if matches(m, labels) {
				if m.GetCounter() != nil {
					return m.GetCounter().GetValue()
				}
				return m.GetGauge().GetValue()
			}
		}
	}
	return 0
}

func matches(m *dto.Metric, labels map[string]string) bool {
	if len(m.GetLabel()) != len(labels) {
		return false
	}
	for _, l := range m.GetLabel() {
		if v, ok := labels[l.GetName()]; !ok || v != l.GetValue() {
			return false
		}
	}
	return true
}
