package learning

import (
	"slices"

	"github.com/applylens/learning/app/models"
)

// FieldEpsilon is the exploration rate of the ε-greedy clients in the field (the Phase 5.4
// extension): with probability ε they explore, uniformly over the competitors /profile served,
// else they exploit the preferred style.
const FieldEpsilon = 0.15

// ImputePropensity is the probability with which the caller's client picked style under
// policy, given what /profile last served it (read), for an event sent without a propensity.
// The clients in the field are ε-greedy over what they were served, with k competitors:
//   - exploit of the preferred style: 1 - ε when k > 0, else 1 (there was nothing to explore);
//   - explore of one of the k competitors: ε / k;
//   - fallback: 1 (no choice was made).
//
// Otherwise, a client that used the style the server drew for it (read.ServedStyleID, under
// read.ServedPolicy) gets the draw's propensity. ok is false when the event matches nothing
// that was served (no read, no style, another style), so no propensity can be claimed.
func ImputePropensity(policy, style string, read *models.ProfileRead) (p float64, ok bool) {
	if policy == PolicyFallback {
		return 1, true
	}
	if read == nil || style == "" {
		return 0, false
	}
	k := len(read.CompetitorStyleIDs.V)
	switch {
	case policy == PolicyExploit && read.PreferredStyleID != nil && *read.PreferredStyleID == style:
		if k == 0 {
			return 1, true
		}
		return 1 - FieldEpsilon, true
	case policy == PolicyExplore && k > 0 && slices.Contains(read.CompetitorStyleIDs.V, style):
		return FieldEpsilon / float64(k), true
	case read.ServedStyleID != nil && read.ServedPropensity != nil && *read.ServedStyleID == style &&
		(read.ServedPolicy == nil || *read.ServedPolicy == policy):
		return *read.ServedPropensity, true
	}
	return 0, false
}
