package learning_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/learning"
)

func TestHelpfulRatio(t *testing.T) {
	require.Nil(t, learning.HelpfulRatio(0, 0), "no rated run: no ratio, not 0")
	require.InDelta(t, 8.0/9, *learning.HelpfulRatio(8, 9), 1e-12)
	require.Equal(t, 0.0, *learning.HelpfulRatio(0, 3))
}
