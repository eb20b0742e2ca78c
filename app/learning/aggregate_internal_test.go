package learning

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPriorWeightBounds(t *testing.T) {
	require.Equal(t, 1.0, priorWeight(styleAcc{}))
	require.Equal(t, 2.0, priorWeight(styleAcc{runs: 1e9, helpful: 1e9}))
	require.Equal(t, 0.0001, priorWeight(styleAcc{runs: 1e9, unhelpful: 1e9}), "never 0: every style keeps a chance")
	require.Equal(t, 0.4, priorWeight(styleAcc{runs: 3, unhelpful: 3}))
}

func TestCmpRatioExact(t *testing.T) {
	require.Equal(t, 0, cmpRatio(1, 3, 2, 6))
	require.Equal(t, 1, cmpRatio(8, 9, 7, 8))
	big := int64(1) << 40
	require.Equal(t, -1, cmpRatio(big-1, big, big, big+1), "exact beyond float64 and int64 products")
	require.Equal(t, 0, cmpRatio(big, 2*big, 1, 2))
}
