package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/store"
	"github.com/applylens/learning/migrations"
)

// OldRow is an event as the original service stored it: no event_id, no host family and no
// derived columns.
type OldRow struct{ ID, Host, FinalMap, EditStats string }

// InsertOld stores rows the way a writer from before the steps did, for user u-legacy.
func InsertOld(t testing.TB, db *gorm.DB, rows ...OldRow) {
	t.Helper()
	for _, r := range rows {
		require.NoError(t, db.Exec(`INSERT INTO autofill_events (id, user_id, host, schema_hash, final_map, edit_stats)
			VALUES (?, 'u-legacy', ?, 's', ?, ?)`, r.ID, r.Host, r.FinalMap, r.EditStats).Error)
	}
}

// Adopting puts a migrated database in the state of one adopted with `migrate up
// --no-backfill`: n events stored by an old writer (row i on the i-th of three hosts, in
// greenhouse, lever and no family, its final map {"#n":"i"} and i characters added), the steps
// applied and the events backfill pending. On Postgres event_id loses NOT NULL and its default
// first, as an adopted database has not got them yet.
func Adopting(t testing.TB, db *gorm.DB, n int) []OldRow {
	t.Helper()
	if store.IsPostgres(db) {
		require.NoError(t, db.Exec("ALTER TABLE autofill_events ALTER COLUMN event_id DROP NOT NULL, ALTER COLUMN event_id DROP DEFAULT").Error)
	}
	require.NoError(t, db.Exec("INSERT INTO users (id, email) VALUES ('u-legacy', 'legacy@example.test')").Error)
	hosts := []string{"boards.greenhouse.io", "jobs.lever.co", "careers.example.com"}
	rows := make([]OldRow, n)
	for i := range rows {
		rows[i] = OldRow{uuid.NewString(), hosts[i%len(hosts)], fmt.Sprintf(`{"#n":"%d"}`, i), fmt.Sprintf(`{"total_chars_added":%d}`, i)}
	}
	InsertOld(t, db, rows...)
	// A step that needs the rows, applied again, asks for the backfill; the default of event_id
	// comes back after the rows, as on an adopted database.
	require.NoError(t, db.Exec("DELETE FROM "+migrations.TableName+
		" WHERE id IN ('202611290700_event_derived_columns', '202612061700_event_id_default')").Error)
	require.NoError(t, migrations.UpSchema(context.Background(), db))
	st, err := migrations.ReadBackfill(context.Background(), db)
	require.NoError(t, err)
	require.True(t, st.Pending)
	return rows
}
