package seeds

import (
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/store/storetest"
)

// TestBulkLoadKeepsTheEventIdentity: while a large seed has the events' indexes dropped, the
// event identity (autofill_event_keys' primary key) stays, so that a sync arriving meanwhile
// (or a replay in the seed itself) can never store an event twice.
func TestBulkLoadKeepsTheEventIdentity(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		if db.Dialector.Name() != "postgres" {
			t.Skip("SQLite is seeded with its indexes in place")
		}
		require.NoError(t, db.Exec(`INSERT INTO users (id, email, created_at, updated_at) VALUES ('u1', 'u1@example.test', now(), now())`).Error)
		tx := db.Begin()
		defer tx.Rollback()
		d, err := deferIndexesAndKeys(tx)
		require.NoError(t, err)
		require.NotEmpty(t, d.indexes)
		var left []string
		require.NoError(t, tx.Raw(`SELECT indexname FROM pg_indexes WHERE tablename = 'autofill_event_keys' AND schemaname = current_schema()
			ORDER BY indexname`).Scan(&left).Error)
		require.Contains(t, left, "autofill_event_keys_pkey")
		insert := `INSERT INTO autofill_events (id, event_id, user_id, host, schema_hash, suggested_map, final_map, validation_errors,
			status, created_at, host_family) VALUES (gen_random_uuid(), '0193a1b2-0000-7000-8000-000000000001', 'u1', 'h', 's', '{}', '{}', '{}',
			'ok', now(), '')`
		require.NoError(t, tx.Exec(insert).Error)
		require.NoError(t, copiedKeys(tx))
		require.NoError(t, tx.Exec(insert).Error)
		require.Error(t, copiedKeys(tx), "a second copy of the event is refused while the indexes are down")
	})
}

// TestBulkLoadRestoresEveryIndex: the indexes a large seed drops come back as they were, on the
// events' partitions too. (On the partitioned table pg_get_indexdef says ON ONLY, which built
// each index on the parent alone, marked invalid: every partition was left with its primary
// key only, and every read of the events by form or day became a scan of the whole table.)
func TestBulkLoadRestoresEveryIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		if db.Dialector.Name() != "postgres" {
			t.Skip("SQLite is seeded with its indexes in place")
		}
		// Every index of the events' table and of its partitions, with whether it is usable.
		indexes := func(tx *gorm.DB) []string {
			var out []string
			require.NoError(t, tx.Raw(`SELECT c.relname || ' on ' || t.relname || CASE WHEN x.indisvalid THEN '' ELSE ' (invalid)' END
				FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
				WHERE x.indrelid = 'autofill_events'::regclass
				   OR x.indrelid IN (SELECT relid FROM pg_partition_tree('autofill_events') WHERE relid <> 'autofill_events'::regclass)
				ORDER BY 1`).Scan(&out).Error)
			return out
		}
		tx := db.Begin()
		defer tx.Rollback()
		before := indexes(tx)
		require.Greater(t, len(before), 10, "the events and their partitions have secondary indexes")
		for _, ix := range before {
			require.NotContains(t, ix, "(invalid)")
		}
		d, err := deferIndexesAndKeys(tx)
		require.NoError(t, err)
		require.NotEmpty(t, d.indexes)
		require.Less(t, len(indexes(tx)), len(before))
		require.NoError(t, d.restore(tx))
		require.Equal(t, before, indexes(tx))

		// A database an older seed left with an invalid index on the parent alone: the next
		// large seed builds it on every partition.
		require.NoError(t, tx.Exec("DROP INDEX ix_autofill_events_policy").Error)
		require.NoError(t, tx.Exec("CREATE INDEX ix_autofill_events_policy ON ONLY autofill_events (policy)").Error)
		require.Contains(t, indexes(tx), "ix_autofill_events_policy on autofill_events (invalid)")
		d, err = deferIndexesAndKeys(tx)
		require.NoError(t, err)
		require.NoError(t, d.restore(tx))
		repaired := indexes(tx)
		require.Len(t, repaired, len(before))
		for _, ix := range repaired {
			require.NotContains(t, ix, "(invalid)")
		}
	})
}
