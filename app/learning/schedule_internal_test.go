package learning

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestNextDelay(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	six := 6 * time.Hour
	cases := []struct {
		name   string
		last   time.Time
		u1, u2 float64
		want   time.Duration
	}{
		{"an interval after the last run", now.Add(-time.Hour), 0.5, 0.9, 5 * time.Hour},
		{"jitter shortens by up to 10%", now.Add(-time.Hour), 0, 0.9, 6*time.Hour*9/10 - time.Hour},
		{"jitter lengthens by up to 10%", now.Add(-time.Hour), 0.75, 0.9, 6*time.Hour*105/100 - time.Hour},
		{"overdue: soon, by up to a minute", now.Add(-7 * time.Hour), 0.5, 0.5, 30 * time.Second},
		{"never ran: soon", time.Time{}, 0.5, 1.0 / 3, 20 * time.Second},
	}
	for _, tc := range cases {
		got := nextDelay(now, tc.last, six, tc.u1, tc.u2)
		require.InDelta(t, tc.want.Seconds(), got.Seconds(), 0.01, tc.name)
	}
	require.Equal(t, 3*time.Second, nextDelay(now, time.Time{}, 30*time.Second, 0, 1), "a tenth of a short interval")
}
