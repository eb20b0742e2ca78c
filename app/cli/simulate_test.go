package cli_test

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSimulateCommand(t *testing.T) {
	r := run(t, nil, "", "simulate", "--events", "4000", "--forms", "300", "--seeds", "1")
	require.Equal(t, 0, r.code, r.err)
	require.Contains(t, r.out, "accuracy")
	require.Regexp(t, `(?m)^\s+1\s+4000\s+300\s+threshold\s+0\.\d{3}\s+0\.\d{4}\s*$`, r.out)
	require.Regexp(t, `(?m)^\s+1\s+4000\s+300\s+bayes\s+0\.\d{3}\s+0\.\d{4}\s*$`, r.out)

	r = run(t, nil, "", "simulate", "--loop", "--events", "2000", "--forms", "200", "--every", "1000", "--seeds", "2")
	require.Equal(t, 0, r.code, r.err)
	for _, p := range []string{"threshold+egreedy", "bayes+egreedy", "bayes+thompson"} {
		require.Regexp(t, `(?m)^\s+2\s+`+regexp.QuoteMeta(p)+`\s+2000\s+0\.\d{3}\s+0\.\d{4}\s+0\.\d{4}\s*$`, r.out, p)
	}

	for _, bad := range [][]string{{"--seeds", "one"}, {"--events", "0"}, {"--loop", "--every", "0"}, {"--floor", "0.5"}} {
		r = run(t, nil, "", append([]string{"simulate"}, bad...)...)
		require.NotEqual(t, 0, r.code, bad)
		require.Contains(t, r.err, bad[len(bad)-2], "the error names the flag")
	}
}
