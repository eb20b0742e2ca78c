package cli_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/seeds"
)

func TestEvaluateCommand(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		vars := map[string]string{"DATABASE_URL": b.URL(t), "LOG_LEVEL": "error"}
		require.Equal(t, 0, run(t, vars, "", "migrate", "up").code)
		cfg := b.Config(t)
		cfg.DatabaseURL = vars["DATABASE_URL"]
		db := storetest.OpenConfig(t, cfg)
		_, err := seeds.Seed(ctx, db, seeds.Options{Events: 2000, Days: 20, Users: 4, Seed: 3})
		require.NoError(t, err)

		r := run(t, vars, "", "evaluate", "--days", "30")
		require.Equal(t, 0, r.code, r.err)
		require.Contains(t, r.out, "Off-policy replay of the last 30 days: ")
		require.Contains(t, r.out, ", 0 of them without a logged propensity.")
		require.Regexp(t, `(?m)^\s*policy\s+runs\s+IPS\s+± s.e.\s+SNIPS\s+ESS\s*$`, r.out)
		// IPS is not bounded by 1 (a weighted mean of rewards over the logged propensities); SNIPS is.
		for _, p := range []string{"logging", "threshold", "bayes", "thompson"} {
			require.Regexp(t, `(?m)^\s*`+p+`\s+\d+\s+\d+\.\d{3}\s+\d+\.\d{3}\s+[01]\.\d{3}\s+\d+\s*$`, r.out, p)
		}
		require.Contains(t, r.out, "warning: The target policies are fitted on the window")

		for _, bad := range []struct{ args []string }{
			{[]string{"evaluate", "--days", "-1"}},
			{[]string{"evaluate", "--days", "3651"}},
		} {
			r := run(t, vars, "", bad.args...)
			require.Equal(t, 1, r.code, bad.args)
			require.Contains(t, r.err, "--days must be a whole number of days from 0 (all time) to 3650", bad.args)
		}
		r = run(t, vars, "", "evaluate", "--days", "x")
		require.Equal(t, 1, r.code)
		require.Contains(t, r.err, `invalid argument "x" for "--days" flag`)
		r = run(t, vars, "", "evaluate", "extra")
		require.Equal(t, 1, r.code)
		require.Contains(t, r.err, `unknown command "extra"`)
	})
}
