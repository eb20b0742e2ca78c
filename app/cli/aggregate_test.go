package cli_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/seeds"
)

func TestAggregateCommand(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		vars := map[string]string{"DATABASE_URL": b.URL(t), "LOG_LEVEL": "error", "LEARNING_POLICY": "threshold"}
		require.Equal(t, 0, run(t, vars, "", "migrate", "up").code)
		cfg := b.Config(t)
		cfg.DatabaseURL = vars["DATABASE_URL"]
		db := storetest.OpenConfig(t, cfg)
		_, err := seeds.Insert(ctx, db, seeds.Concat(
			seeds.Ev{Host: "boards.greenhouse.io", SchemaHash: "a", Style: "concise_bullets_v1", Feedback: "helpful"}.Times(5),
			seeds.Ev{Host: "careers.acme.com", SchemaHash: "b", Style: "concise_bullets_v1"}.Times(1),
			seeds.Ev{Host: "careers.acme.com", SchemaHash: "old", Age: 40 * 24 * time.Hour}.Times(1),
		))
		require.NoError(t, err)

		r := run(t, vars, "", "aggregate", "--dry-run")
		require.Equal(t, 0, r.code, r.err)
		require.Contains(t, r.out, "Dry run: would update 2 profiles (2 hints changed) from 6 events of the last 30 days; nothing was written.")
		require.Zero(t, storetest.Count(t, db, "form_profiles"))

		r = run(t, vars, "", "aggregate")
		require.Equal(t, 0, r.code, r.err)
		require.Contains(t, r.out, "Updated 2 profiles (2 hints changed) from 6 events of the last 30 days; run ")
		require.Contains(t, r.out, "Source mix:\n  form           1   50.0%\n  segment        0    0.0%\n  family         0    0.0%\n  global         0    0.0%\n  none           1   50.0%\n")

		// A new window changes every hint (window_days is part of it).
		r = run(t, vars, "", "aggregate", "--days", "0")
		require.Equal(t, 0, r.code, r.err)
		require.Contains(t, r.out, "Updated 3 profiles (3 hints changed) from 7 events of all time")

		id, release, err := seeds.AggregatorElsewhere(ctx, db)
		require.NoError(t, err)
		r = run(t, vars, "", "aggregate")
		require.Equal(t, 1, r.code)
		require.Contains(t, r.err, "another run is in progress: "+id)
		require.NoError(t, release())

		r = run(t, vars, "", "aggregate", "--days", "-1")
		require.Equal(t, 1, r.code)
		require.Contains(t, r.err, "days must be a whole number of days from 0 (all time) to 3650")
		r = run(t, vars, "", "aggregate", "--days", "3651")
		require.Equal(t, 1, r.code, "the runner applies the same bound as every other way in")
		var triggers []string
		require.NoError(t, db.Table("aggregator_runs").Where("id <> ?", id).Order("started_at").Pluck("triggered_by", &triggers).Error)
		require.Equal(t, []string{learning.TriggerCLI, learning.TriggerCLI}, triggers, "the dry run and the refused ones left no row")
	})
}
