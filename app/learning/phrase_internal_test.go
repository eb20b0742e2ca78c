package learning

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// hasPhrase must answer as the string it avoids building: strings.Contains(padded, " "+p+" ").
func TestHasPhraseIsContainsOfPaddedPhrase(t *testing.T) {
	words := []string{"a", "ab", "b", "lead", "leads", "lead generation", "staff", "senior", "sr", "data", "entry", "x"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		n := r.IntN(6)
		title := make([]string, n)
		for i := range title {
			title[i] = words[r.IntN(len(words))]
		}
		padded := " " + strings.Join(title, " ") + " "
		p := words[r.IntN(len(words))]
		if got, want := hasPhrase(padded, p), strings.Contains(padded, " "+p+" "); got != want {
			t.Fatalf("hasPhrase(%q, %q) = %v, want %v", padded, p, got, want)
		}
	}
	for _, c := range []struct {
		padded, p string
		want      bool
	}{{" lead generation ", "lead", true}, {" leads ", "lead", false}, {" mislead lead ", "lead", true}, {" ab ", "b", false}} {
		if got := hasPhrase(c.padded, c.p); got != c.want {
			t.Errorf("hasPhrase(%q, %q) = %v, want %v", c.padded, c.p, got, c.want)
		}
	}
}
