package report_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/report"
)

// srmOf builds the check from exploit propensities and an explore count.
func srmOf(exploitP []float64, explore int64) report.SRM {
	s := report.SRM{Exploit: int64(len(exploitP)), Explore: explore}
	for _, p := range exploitP {
		s.InvSum += 1 / p
		s.VarSum += (1 - p) / (p * p)
	}
	return s
}

func repeat(p float64, n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = p
	}
	return out
}

func TestSRMKnownNumbers(t *testing.T) {
	// ε-greedy with ε = 0.15: 850 exploit of 1,000 is exactly the allocation.
	s := srmOf(repeat(0.85, 850), 150)
	chi2, p, ok := s.Test()
	require.True(t, ok)
	require.InDelta(t, 0, chi2, 1e-9)
	require.InDelta(t, 1, p, 1e-9)
	require.InDelta(t, 0.15, s.ExpectedExplore(), 1e-12)
	require.False(t, s.Mismatch())

	// 800 exploit, 200 explore: D = 1000 − 800/0.85 = 58.8235…, V = 800·0.15/0.85² = 166.0900…,
	// χ² = D²/V = 20.8333…; the p-value of a χ²(1) is erfc(√(χ²/2)).
	s = srmOf(repeat(0.85, 800), 200)
	chi2, p, _ = s.Test()
	d := 1000 - 800/0.85
	v := 800 * 0.15 / (0.85 * 0.85)
	require.InDelta(t, 20.833333333, chi2, 1e-6)
	require.InDelta(t, d*d/v, chi2, 1e-9)
	require.InDelta(t, math.Erfc(math.Sqrt(chi2/2)), p, 1e-15)
	require.InDelta(t, 5.0e-6, p, 0.1e-6)
	require.True(t, s.Mismatch())
	require.InDelta(t, 0.2, s.ObservedExplore(), 1e-12)

	// Mixed allocations (Thompson): 90 exploit at 0.9 and 50 at 0.5 stand for 100 + 100
	// requests, of which 10 + 50 = 60 are expected to explore; 60 did.
	s = srmOf(append(repeat(0.9, 90), repeat(0.5, 50)...), 60)
	chi2, _, _ = s.Test()
	require.InDelta(t, 0, chi2, 1e-9)
	require.InDelta(t, 60.0/200, s.ExpectedExplore(), 1e-12)

	// Slightly off (70 explored): D = 10, V = 90·0.1/0.81 + 50·0.5/0.25 = 111.11…; p ≈ 0.34.
	s = srmOf(append(repeat(0.9, 90), repeat(0.5, 50)...), 70)
	chi2, p, _ = s.Test()
	require.InDelta(t, 100/(90*0.1/0.81+100), chi2, 1e-9)
	require.InDelta(t, 0.3428, p, 1e-3)
	require.False(t, s.Mismatch())

	// Nothing allocated to exploring, yet one event explored.
	s = srmOf(repeat(1, 10), 1)
	chi2, p, ok = s.Test()
	require.True(t, ok && math.IsInf(chi2, 1) && p == 0)
	_, _, ok = report.SRM{}.Test()
	require.False(t, ok)
}
