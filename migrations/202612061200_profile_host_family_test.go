package migrations_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/migrations"
)

// TestProfileHostFamilyStep: existing profiles get their host's family (” for none), and the
// rollback removes exactly the column and its index.
func TestProfileHostFamilyStep(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db := b.New(t)
		require.True(t, db.Migrator().HasColumn("form_profiles", "host_family"))
		require.True(t, db.Migrator().HasIndex("form_profiles", "ix_form_profiles_host_family"))

		require.NoError(t, migrations.DownTo(ctx, db, "202612061100_user_accounts"))
		require.False(t, db.Migrator().HasColumn("form_profiles", "host_family"))
		require.False(t, db.Migrator().HasIndex("form_profiles", "ix_form_profiles_host_family"))
		require.True(t, db.Migrator().HasColumn("form_profiles", "event_count"), "the rollback drops only its column")
		for i, host := range []string{"boards.greenhouse.io", "acme.wd5.myworkdayjobs.com", "fakegreenhouse.io", "careers.acme.com"} {
			require.NoError(t, db.Exec("INSERT INTO form_profiles (id, host, schema_hash) VALUES (?, ?, 'h')",
				[]string{"00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002",
					"00000000-0000-0000-0000-000000000003", "00000000-0000-0000-0000-000000000004"}[i], host).Error)
		}

		require.NoError(t, migrations.Up(ctx, db))
		got := map[string]string{}
		rows, err := db.Raw("SELECT host, host_family FROM form_profiles").Rows()
		require.NoError(t, err)
		for rows.Next() {
			var h, f string
			require.NoError(t, rows.Scan(&h, &f))
			got[h] = f
		}
		require.NoError(t, rows.Err())
		require.NoError(t, rows.Close())
		require.Equal(t, map[string]string{"boards.greenhouse.io": "greenhouse", "acme.wd5.myworkdayjobs.com": "workday",
			"fakegreenhouse.io": "", "careers.acme.com": ""}, got)
	})
}
