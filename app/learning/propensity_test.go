package learning_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
)

func TestImputePropensity(t *testing.T) {
	s := func(v string) *string { return &v }
	f := func(v float64) *float64 { return &v }
	served := &models.ProfileRead{PreferredStyleID: s("a"), CompetitorStyleIDs: models.NewJSON([]string{"b", "c"})}
	alone := &models.ProfileRead{PreferredStyleID: s("a"), CompetitorStyleIDs: models.NewJSON([]string{})}
	chosen := &models.ProfileRead{PreferredStyleID: s("a"), CompetitorStyleIDs: models.NewJSON([]string{"b", "c"}),
		ServedStyleID: s("z"), ServedPolicy: s("explore"), ServedPropensity: f(0.27)}
	cases := []struct {
		name          string
		policy, style string
		read          *models.ProfileRead
		want          float64
		ok            bool
	}{
		{"exploit with competitors", "exploit", "a", served, 0.85, true},
		{"exploit alone", "exploit", "a", alone, 1, true},
		{"explore one of two", "explore", "b", served, 0.075, true},
		{"explore one of one", "explore", "b", &models.ProfileRead{PreferredStyleID: s("a"), CompetitorStyleIDs: models.NewJSON([]string{"b"})}, 0.15, true},
		{"fallback", "fallback", "", nil, 1, true},
		{"fallback with a style", "fallback", "z", served, 1, true},
		{"exploit of another style", "exploit", "b", served, 0, false},
		{"explore of a style not served", "explore", "z", served, 0, false},
		{"explore with nothing to explore", "explore", "a", alone, 0, false},
		{"no read", "exploit", "a", nil, 0, false},
		{"no style", "exploit", "", served, 0, false},
		{"the server's draw, outside the field rule", "explore", "z", chosen, 0.27, true},
		{"the server's draw under another policy", "exploit", "z", chosen, 0, false},
		{"the field rule first", "explore", "c", chosen, 0.075, true},
		{"the field rule first: exploit", "exploit", "a", chosen, 0.85, true},
	}
	for _, c := range cases {
		got, ok := learning.ImputePropensity(c.policy, c.style, c.read)
		require.Equal(t, c.ok, ok, c.name)
		require.InDelta(t, c.want, got, 1e-12, c.name)
	}
}
