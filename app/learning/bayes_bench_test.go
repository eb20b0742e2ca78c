package learning_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
)

// BenchmarkBayesChoose fits the model and makes every pick of 2,000 forms × (4 segments and
// the overall hint) × 6 styles, with posteriors, P(best) and expected losses by quadrature:
// the work a run adds to reading the window. Compare with BenchmarkAggregate's run time.
func BenchmarkBayesChoose(b *testing.B) {
	families := []string{"greenhouse", "lever", "workday", "ashby", "bamboohr", "smartrecruiters", "icims", "jobvite", "workable", ""}
	styles := []string{"s1", "s2", "s3", "s4", "s5", "s6"}
	r := rand.New(rand.NewPCG(1, 1))
	ev := learning.NewEvidence()
	type form struct{ host, family string }
	var forms []form
	for i := range 2000 {
		f := form{fmt.Sprintf("f%d.example", i), families[i%len(families)]}
		forms = append(forms, f)
		for _, seg := range learning.Segments() {
			for _, s := range styles {
				n := int64(r.IntN(12))
				h := int64(r.IntN(int(n) + 1))
				ev.Add(learning.Observation{Host: f.host, SchemaHash: "h", Family: f.family, Segment: seg, StyleID: s, Runs: n + 3, Helpful: h, Unhelpful: n - h})
			}
		}
	}
	b.ResetTimer()
	for range b.N {
		m := learning.Fit(ev, learning.Params{Policy: models.PolicyBayes})
		for _, f := range forms {
			m.Choose(f.host, "h", f.family, "")
			for _, seg := range learning.Segments() {
				m.Choose(f.host, "h", f.family, seg)
			}
		}
	}
	b.ReportMetric(float64(len(forms)*5), "picks/op")
}
