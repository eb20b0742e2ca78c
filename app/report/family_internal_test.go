package report

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/learning"
)

// TestFamilyDomainsFollowLearning holds the table the SQL filter uses to learning.Family.
func TestFamilyDomainsFollowLearning(t *testing.T) {
	require.ElementsMatch(t, learning.Families(), slices.Collect(maps.Keys(familyDomains)), "the same families")
	for family, domains := range familyDomains {
		require.NotEmpty(t, domains, family)
		for _, d := range domains {
			require.Equal(t, family, learning.Family(d), d)
			require.Equal(t, family, learning.Family("jobs."+d), d)
			require.Equal(t, family, learning.Family("a.b."+d), d)
			require.Empty(t, learning.Family("fake"+d), "a dot boundary: %s", d)
			require.Empty(t, learning.Family(d+".example.com"), d)
			_, parent, _ := strings.Cut(d, ".")
			require.Empty(t, learning.Family(parent), "the domain itself, not its parent: %s", d)
		}
	}
	_, _, ok := familyCondition("host", "bogus")
	require.False(t, ok)
}
