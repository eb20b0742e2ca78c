package storetest

import (
	"context"
	"fmt"
	"strings"
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

// TestTemplateCopiesSequencesFunctionsAndTriggers: what the migrations may add next (a serial
// key, a trigger function and a statement trigger) is copied too, and the copy's trigger and
// sequences work on the copy. (A SQLite copy is the file itself.)
func TestTemplateCopiesSequencesFunctionsAndTriggers(t *testing.T) {
	for _, b := range Backends() {
		if b.Name != "postgres" {
			continue
		}
		t.Run(b.Name, func(t *testing.T) {
			src, srcCfg := b.Open(t)
			require.NoError(t, src.Exec(`CREATE TABLE events (id bigserial PRIMARY KEY, host text NOT NULL);
				CREATE TABLE log (seq bigserial PRIMARY KEY, host text NOT NULL, n int NOT NULL DEFAULT 1);
				CREATE INDEX ix_log_host ON log (host);
				CREATE FUNCTION mark() RETURNS trigger LANGUAGE plpgsql AS $$
				BEGIN
					INSERT INTO log (host) SELECT host FROM new_rows;
					RETURN NULL;
				END $$;
				CREATE TRIGGER mark_insert AFTER INSERT ON events REFERENCING NEW TABLE AS new_rows
					FOR EACH STATEMENT EXECUTE FUNCTION mark();
				INSERT INTO events (host) VALUES ('a.example'), ('b.example')`).Error)
			schema := searchPath(t, srcCfg)
			script, err := schemaScript(context.Background(), adminDB(t), schema)
			require.NoError(t, err)
			cfg := b.Config(t)
			runScript(t, cfg, strings.ReplaceAll(script, schema+".", ""))
			dst := OpenConfig(t, cfg)
			require.Equal(t, describe(t, src), describe(t, dst))

			require.NoError(t, dst.Exec(`INSERT INTO events (host) VALUES ('c.example')`).Error)
			var id int64
			require.NoError(t, dst.Raw(`SELECT MAX(id) FROM events`).Scan(&id).Error)
			require.EqualValues(t, 3, id, "the sequence goes on from the template's")
			require.EqualValues(t, 3, Count(t, dst, "log"), "the copied rows fired nothing; the new one fired the copy's trigger")
			require.EqualValues(t, 2, Count(t, src, "log"))
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
		UNION ALL
		SELECT 'sequence ' || sequencename || ' ' || data_type::text || ' ' || start_value || ' ' || increment_by || ' '
			|| COALESCE(last_value::text, 'unused') FROM pg_sequences WHERE schemaname = current_schema()
		UNION ALL
		SELECT 'owned ' || c.relname || ' by ' || t.relname || '.' || a.attname
		FROM pg_depend d JOIN pg_class c ON c.oid = d.objid JOIN pg_class t ON t.oid = d.refobjid
		JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
		WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'S' AND d.deptype = 'a' AND d.classid = 'pg_class'::regclass
		UNION ALL
		SELECT 'function ' || replace(pg_get_functiondef(oid), current_schema() || '.', '') FROM pg_proc WHERE pronamespace = current_schema()::regnamespace
		UNION ALL
		SELECT 'trigger ' || replace(pg_get_triggerdef(g.oid), current_schema() || '.', '')
		FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid WHERE c.relnamespace = current_schema()::regnamespace AND NOT g.tgisinternal
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
