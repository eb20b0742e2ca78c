package report

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/applylens/learning/app/learning"
)

// SRMAlpha is the p-value under which the explore rate is flagged as not matching the logged
// allocation: a sample-ratio mismatch.
const SRMAlpha = 0.001

// SRM is the sample-ratio check of the window's explore rate against the allocation the
// logged propensities say was served.
//
// The expected split. Every exploit or explore event logs p, the probability with which the
// style it ran was served. For an exploit event that style is the posterior best, so p is
// a, the request's probability of exploiting. An explore event logs the probability of the
// style it tried, not a (under Thompson 1 − a is spread over the other styles unevenly), so a
// is known exactly only on the exploit rows. What the log does identify is the
// inverse-propensity (Horvitz–Thompson) estimate of the expected explore count,
//
//	E = Σ over exploit events (1 − p) / p,
//
// unbiased for Σ over all events (1 − aᵢ), whatever the explore rows' styles were. The check
// compares the observed explore count O with it: D = O − E = N − Σ_exploit 1/p, where N counts
// the events with a usable p, is a sum of independent terms 1 − Xᵢ/aᵢ (Xᵢ = 1 when event i
// exploited) with mean 0 when the clients served what they logged, and variance
// Σ (1 − aᵢ)/aᵢ, estimated without bias by V = Σ_exploit (1 − p)/p². Then χ² = D²/V has one
// degree of freedom. With one allocation for every event (ε-greedy: a = 1 − ε) this is the
// usual binomial test of O against N·ε, up to estimating the variance from the exploit rows.
// Events with no usable propensity (legacy rows, 0 < p ≤ 1 fails) stay out of N and are counted
// in Missing.
type SRM struct {
	Exploit, Explore int64   // events with a usable propensity
	Missing          int64   // exploit and explore events without one
	InvSum           float64 // Σ over exploit events 1/p
	VarSum           float64 // Σ over exploit events (1 − p)/p²
}

// N is the number of events the check weighs.
func (s SRM) N() int64 { return s.Exploit + s.Explore }

// ObservedExplore is the share of the weighed events that explored.
func (s SRM) ObservedExplore() float64 { return Share(s.Explore, s.N()) }

// ExpectedExplore is the share of explore events the logged allocation implies (E / N).
func (s SRM) ExpectedExplore() float64 {
	if s.N() == 0 {
		return 0
	}
	return (s.InvSum - float64(s.Exploit)) / float64(s.N())
}

// Test returns χ² (1 degree of freedom) and its p-value; ok is false when there is nothing to
// test (no exploit event with a propensity below 1: the log says no exploring was allocated,
// so any explore event at all is a mismatch, reported as χ² = +Inf when there is one).
func (s SRM) Test() (chi2, p float64, ok bool) {
	if s.Exploit == 0 && s.Explore == 0 {
		return 0, 1, false
	}
	d := float64(s.N()) - s.InvSum
	if s.VarSum <= 0 {
		if s.Explore > 0 {
			return math.Inf(1), 0, true
		}
		return 0, 1, false
	}
	chi2 = d * d / s.VarSum
	return chi2, distuv.ChiSquared{K: 1}.Survival(chi2), true
}

// Mismatch reports whether the test flags the explore rate (p < SRMAlpha).
func (s SRM) Mismatch() bool {
	_, p, ok := s.Test()
	return ok && p < SRMAlpha
}

// add counts rollup rows of one policy: events of them, withP with a usable propensity, and
// their sums of 1/p and (1 − p)/p².
func (s *SRM) add(policy string, events, withP int64, inv, invVar float64) {
	switch policy {
	case learning.PolicyExploit:
		s.Exploit += withP
		s.InvSum += inv
		s.VarSum += invVar
	case learning.PolicyExplore:
		s.Explore += withP
	default:
		return
	}
	s.Missing += events - withP
}
