package storetest

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/store"
)

// TestTemplateCopyIsTheMigratedSchema: a database copied from the template has exactly the
// tables, columns, defaults, constraints, indexes (by name) and rows (but for the time they
// were written) of one migrated for the test, on every backend; and a copy is the test's own.
func TestTemplateCopyIsTheMigratedSchema(t *testing.T) {
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			copied, ok := b.newFromTemplate(t)
			require.True(t, ok, "the schema can be copied")
			fresh := b.migrate(t)
			want := describe(t, fresh)
			require.NotEmpty(t, want)
			require.Equal(t, want, describe(t, copied))

			require.NoError(t, copied.Exec("DELETE FROM gen_styles").Error)
			other, ok := b.newFromTemplate(t)
			require.True(t, ok)
			require.Equal(t, want, describe(t, other), "a change to one copy is not in the next")
		})
	}
}

// describe lists a database's schema objects and rows as text, without the schema's name.
func describe(t *testing.T, db *gorm.DB) []string {
	t.Helper()
	var out []string
	if !store.IsPostgres(db) {
		require.NoError(t, db.Raw(`SELECT type || ' ' || name || ': ' || COALESCE(sql, '') FROM sqlite_master ORDER BY type, name`).Scan(&out).Error)
		var tables []string
		require.NoError(t, db.Raw(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).Scan(&tables).Error)
		for _, tb := range tables {
			var rows []map[string]any
			require.NoError(t, db.Table(tb).Find(&rows).Error)
			for _, r := range rows {
				delete(r, "created_at") // the time the row was migrated in
				delete(r, "updated_at")
				out = append(out, tb+" row "+fmt.Sprint(r)) // fmt sorts a map's keys
			}
		}
		return out
	}
	require.NoError(t, db.Raw(`SELECT c.relname || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod)
			|| CASE WHEN a.attnotnull THEN ' not null' ELSE '' END || ' default ' || COALESCE(pg_get_expr(d.adbin, d.adrelid), '-')
		FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
		LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
		UNION ALL
		SELECT conrelid::regclass::text || ' constraint ' || conname || ' ' || contype::text || ' ' || pg_get_constraintdef(oid)
		FROM pg_constraint WHERE connamespace = current_schema()::regnamespace
		UNION ALL
		SELECT 'index ' || replace(pg_get_indexdef(indexrelid), current_schema() || '.', '')
		FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relnamespace = current_schema()::regnamespace
		ORDER BY 1`).Scan(&out).Error)
	var tables []string
	require.NoError(t, db.Raw(`SELECT relname FROM pg_class WHERE relnamespace = current_schema()::regnamespace AND relkind = 'r' ORDER BY relname`).
		Scan(&tables).Error)
	for _, tb := range tables {
		var rows []string
		require.NoError(t, db.Raw(`SELECT (to_jsonb(t) - 'created_at' - 'updated_at')::text FROM `+tb+` t ORDER BY 1`).Scan(&rows).Error)
		for _, r := range rows {
			out = append(out, tb+" row "+r)
		}
	}
	return out
}
