package migrations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/migrations"
)

// TestAdminSessionsStep: users get a session epoch of 0 (existing users too), a database that
// has the column already is adopted, and the rollback removes exactly the column.
func TestAdminSessionsStep(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db := b.New(t)
		require.True(t, db.Migrator().HasColumn("users", "session_epoch"))

		require.NoError(t, migrations.DownTo(ctx, db, "202611290700_event_derived_columns"))
		require.False(t, db.Migrator().HasColumn("users", "session_epoch"))
		require.True(t, db.Migrator().HasColumn("users", "password_hash"), "the rollback drops only its column")
		require.NoError(t, db.Exec("INSERT INTO users (id, email) VALUES ('u-old', 'old@example.test')").Error)

		require.NoError(t, migrations.Up(ctx, db))
		var epoch int
		require.NoError(t, db.Raw("SELECT session_epoch FROM users WHERE id = 'u-old'").Scan(&epoch).Error)
		require.Zero(t, epoch, "an existing user starts at 0, like the sessions signed before the step")
		require.Error(t, db.Exec("UPDATE users SET session_epoch = NULL WHERE id = 'u-old'").Error, "NOT NULL")

		// A database that has the column already (added by hand) migrates and keeps its values.
		require.NoError(t, migrations.DownTo(ctx, db, "202611290700_event_derived_columns"))
		require.NoError(t, db.Exec("ALTER TABLE users ADD COLUMN session_epoch integer NOT NULL DEFAULT 0").Error)
		require.NoError(t, db.Exec("UPDATE users SET session_epoch = 3 WHERE id = 'u-old'").Error)
		require.NoError(t, migrations.Up(ctx, db))
		require.NoError(t, db.Raw("SELECT session_epoch FROM users WHERE id = 'u-old'").Scan(&epoch).Error)
		require.Equal(t, 3, epoch)
	})
}
