package storetest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/store"
	"github.com/applylens/learning/migrations"
)

// Migrating a database costs about 0.1 s on SQLite and 0.9 s on Postgres, and most tests want
// a migrated one. So each test process migrates one template per backend, the first time a
// test asks for it, and copies it for every test: each test still has its own database.
//   - SQLite: the migrated file's bytes, written as the test's file.
//   - Postgres: a script read once from the migrated template schema's catalog (its tables
//     with their columns and defaults, keys, checks and indexes under their own names, its
//     rows, sequences, functions and triggers), run in the test's new schema. The template schema is dropped as soon as it is
//     read. TestTemplateCopyIsTheMigratedSchema compares a copy with a migrated schema.
//
// A schema with objects the copy does not handle (views, procedures, enum or domain types,
// identity or generated columns) makes every test migrate its own database, as before, with a
// warning.
type template struct {
	once   sync.Once
	err    error
	sqlite []byte // the migrated SQLite file
	pg     string // the script that builds the migrated Postgres schema in the current one
}

var templates = map[string]*template{"sqlite": {}, "postgres": {}}

// errUnsupported is a schema the template copy cannot reproduce.
var errUnsupported = errors.New("the template copy does not handle it")

// newFromTemplate returns a migrated database for the test, copied from the backend's template
// (made on first use), or false when the schema cannot be copied.
func (b Backend) newFromTemplate(t testing.TB) (*gorm.DB, bool) {
	t.Helper()
	tp := templates[b.Name]
	tp.once.Do(func() {
		if b.Name == "sqlite" {
			tp.sqlite, tp.err = sqliteTemplate()
		} else {
			tp.pg, tp.err = postgresTemplate(adminDB(t))
		}
		if errors.Is(tp.err, errUnsupported) {
			fmt.Fprintf(os.Stderr, "storetest: every test migrates its own %s database: %v\n", b.Name, tp.err)
		}
	})
	if errors.Is(tp.err, errUnsupported) {
		return nil, false
	}
	require.NoError(t, tp.err, "migrate the %s template", b.Name)
	cfg := b.Config(t)
	if b.Name == "sqlite" {
		require.NoError(t, os.WriteFile(cfg.SQLitePath(), tp.sqlite, 0o600), "copy the sqlite template")
	} else {
		runScript(t, cfg, tp.pg)
	}
	return OpenConfig(t, cfg), true
}

// runScript runs a template's script in the schema of cfg, in one round trip; the SET LOCALs
// end with the transaction, so the pooled connection keeps its own search path (and a test
// database needs no commit to disk).
func runScript(t testing.TB, cfg config.Config, script string) {
	t.Helper()
	_, err := adminDB(t).Exec("BEGIN; SET LOCAL synchronous_commit = off; SET LOCAL search_path TO " + searchPath(t, cfg) + ";\n" + script + "\nCOMMIT;")
	require.NoError(t, err, "copy the postgres template")
}

func searchPath(t testing.TB, cfg config.Config) string {
	t.Helper()
	i := strings.Index(cfg.DatabaseURL, "search_path=")
	require.GreaterOrEqual(t, i, 0, "no search_path in the test database's URL")
	s := cfg.DatabaseURL[i+len("search_path="):]
	if j := strings.IndexByte(s, '&'); j >= 0 {
		s = s[:j]
	}
	return s
}

func loadConfig(databaseURL string) (config.Config, error) {
	return config.Load(func(k string) string {
		switch k {
		case "DATABASE_URL":
			return databaseURL
		case "APP_ENV":
			return "test"
		}
		return ""
	})
}

// migrated opens the database at databaseURL, migrates it and closes it.
func migrated(databaseURL string) error {
	ctx := context.Background()
	cfg, err := loadConfig(databaseURL)
	if err != nil {
		return err
	}
	db, err := store.Open(ctx, cfg, Logger(nil))
	if err != nil {
		return err
	}
	defer store.Close(db)
	if err := migrations.Up(ctx, db); err != nil {
		return err
	}
	if !store.IsPostgres(db) {
		// Everything in the main file, so that its bytes are the whole database.
		return db.Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error
	}
	return nil
}

func sqliteTemplate() ([]byte, error) {
	dir, err := os.MkdirTemp("", "storetest-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "template.db")
	if err := migrated("sqlite:" + path); err != nil {
		return nil, err
	}
	return os.ReadFile(path)
}

func postgresTemplate(admin *sql.DB) (string, error) {
	ctx := context.Background()
	schema := "tmpl_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:20]
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		return "", err
	}
	defer func() { _, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE") }()
	u := os.Getenv("TEST_DATABASE_URL")
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	if err := migrated(u + sep + "search_path=" + schema); err != nil {
		return "", err
	}
	script, err := schemaScript(ctx, admin, schema)
	if err != nil {
		return "", err
	}
	// The catalog names some objects with their schema (an index's table): the copy's are in
	// the current schema. The template's name is random, so it appears nowhere else.
	return strings.ReplaceAll(script, schema+".", ""), nil
}

// schemaScript writes the statements that rebuild schema's sequences, tables, constraints,
// indexes, rows, functions and triggers in the current schema.
func schemaScript(ctx context.Context, db *sql.DB, schema string) (string, error) {
	var odd int
	err := db.QueryRowContext(ctx, `SELECT
			(SELECT COUNT(*) FROM pg_class WHERE relnamespace = $1::regnamespace AND relkind NOT IN ('r', 'i', 'S', 'p', 'I'))
			+ (SELECT COUNT(*) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
				WHERE c.relnamespace = $1::regnamespace AND a.attnum > 0 AND (a.attidentity <> '' OR a.attgenerated <> ''))
			+ (SELECT COUNT(*) FROM pg_proc WHERE pronamespace = $1::regnamespace AND prokind <> 'f')
			+ (SELECT COUNT(*) FROM pg_type WHERE typnamespace = $1::regnamespace AND typtype NOT IN ('c', 'b'))`,
		schema).Scan(&odd)
	if err != nil {
		return "", fmt.Errorf("inspect the template: %w", err)
	}
	if odd > 0 {
		return "", fmt.Errorf("the schema has %d views, procedures, types of its own, or identity or generated columns: %w", odd, errUnsupported)
	}
	var b, foreign, owned, partRenames strings.Builder
	// Sequences first: the columns' defaults name them.
	err = each(ctx, db, func(r *sql.Rows) error {
		var name, typ, table, column string
		var start, inc, minV, maxV, cache int64
		var cycle bool
		var last sql.NullInt64 // NULL: never used
		if err := r.Scan(&name, &typ, &start, &inc, &minV, &maxV, &cache, &cycle, &last, &table, &column); err != nil {
			return err
		}
		cyc := "NO CYCLE"
		if cycle {
			cyc = "CYCLE"
		}
		fmt.Fprintf(&b, "CREATE SEQUENCE %s AS %s INCREMENT %d MINVALUE %d MAXVALUE %d START %d CACHE %d %s;\n",
			name, typ, inc, minV, maxV, start, cache, cyc)
		if last.Valid {
			fmt.Fprintf(&b, "SELECT setval('%s', %d);\n", strings.ReplaceAll(name, "'", "''"), last.Int64)
		}
		if table != "" {
			fmt.Fprintf(&owned, "ALTER SEQUENCE %s OWNED BY %s.%s;\n", name, table, column)
		}
		return nil
	}, `SELECT quote_ident(c.relname), format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle,
			pg_sequence_last_value(c.oid), COALESCE(quote_ident(t.relname), ''), COALESCE(quote_ident(a.attname), '')
		FROM pg_class c JOIN pg_sequence s ON s.seqrelid = c.oid
		LEFT JOIN pg_depend d ON d.objid = c.oid AND d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'a'
		LEFT JOIN pg_class t ON t.oid = d.refobjid
		LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid
		WHERE c.relnamespace = $1::regnamespace AND c.relkind = 'S' ORDER BY c.relname`, schema)
	if err != nil {
		return "", err
	}
	type table struct {
		oid         uint32
		name, parts string // parts: the partition key of a partitioned table
	}
	var tables []table
	if err := each(ctx, db, func(r *sql.Rows) error {
		var tb table
		err := r.Scan(&tb.oid, &tb.name, &tb.parts)
		tables = append(tables, tb)
		return err
	}, `SELECT oid, quote_ident(relname), CASE relkind WHEN 'p' THEN pg_get_partkeydef(oid) ELSE '' END FROM pg_class
		WHERE relnamespace = $1::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition ORDER BY relname`, schema); err != nil {
		return "", err
	}
	for _, tb := range tables {
		var cols []string
		err := each(ctx, db, func(r *sql.Rows) error {
			var name, typ, def, compression string
			var notNull bool
			if err := r.Scan(&name, &typ, &notNull, &def, &compression); err != nil {
				return err
			}
			c := name + " " + typ
			if compression != "" {
				c += " COMPRESSION " + compression // a step chose it (form_profiles' hints)
			}
			if def != "" {
				c += " DEFAULT " + def
			}
			if notNull {
				c += " NOT NULL"
			}
			cols = append(cols, c)
			return nil
		}, `SELECT quote_ident(a.attname), format_type(a.atttypid, a.atttypmod), a.attnotnull, COALESCE(pg_get_expr(d.adbin, d.adrelid), ''),
				CASE a.attcompression WHEN 'l' THEN 'lz4' WHEN 'p' THEN 'pglz' ELSE '' END
			FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
			WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`, tb.oid)
		if err != nil {
			return "", err
		}
		if tb.parts == "" {
			fmt.Fprintf(&b, "CREATE TABLE %s (\n\t%s\n);\n", tb.name, strings.Join(cols, ",\n\t"))
		} else {
			// A partitioned table, then its partitions: they take its constraints, indexes
			// and triggers as those are added below.
			fmt.Fprintf(&b, "CREATE TABLE %s (\n\t%s\n) PARTITION BY %s;\n", tb.name, strings.Join(cols, ",\n\t"), tb.parts)
			err = each(ctx, db, func(r *sql.Rows) error {
				var name, bound string
				if err := r.Scan(&name, &bound); err != nil {
					return err
				}
				fmt.Fprintf(&b, "CREATE TABLE %s PARTITION OF %s %s;\n", name, tb.name, bound)
				return nil
			}, `SELECT quote_ident(c.relname), pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
				WHERE i.inhparent = $1 ORDER BY c.relname`, tb.oid)
			if err != nil {
				return "", err
			}
			// The partitions' indexes are made with the parent's, named by Postgres: give them
			// the template's names (a partition that was a table before has its own).
			err = each(ctx, db, func(r *sql.Rows) error {
				var parent, partition, name string
				if err := r.Scan(&parent, &partition, &name); err != nil {
					return err
				}
				fmt.Fprintf(&partRenames, `DO $$ DECLARE n text; BEGIN
	SELECT c.relname INTO n FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_index x ON x.indexrelid = c.oid
	WHERE i.inhparent = '%s'::regclass AND x.indrelid = '%s'::regclass;
	IF n <> '%s' THEN EXECUTE format('ALTER INDEX %%I RENAME TO %%I', n, '%[3]s'); END IF;
END $$;
`, parent, partition, name)
				return nil
			}, `SELECT quote_ident(p.relname), quote_ident(t.relname), ci.relname FROM pg_inherits i
				JOIN pg_class ci ON ci.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
				JOIN pg_index x ON x.indexrelid = ci.oid JOIN pg_class t ON t.oid = x.indrelid
				JOIN pg_inherits ti ON ti.inhrelid = t.oid AND ti.inhparent = $1
				ORDER BY 1, 2`, tb.oid)
			if err != nil {
				return "", err
			}
		}
		err = each(ctx, db, func(r *sql.Rows) error {
			var name, def, kind string
			if err := r.Scan(&name, &def, &kind); err != nil {
				return err
			}
			stmt := fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s %s;\n", tb.name, name, def)
			switch kind {
			case "f":
				foreign.WriteString(stmt) // once every table exists
			case "n": // NOT NULL (Postgres 18): in the column
			default:
				b.WriteString(stmt)
			}
			return nil
		}, `SELECT quote_ident(conname), pg_get_constraintdef(oid), contype::text FROM pg_constraint WHERE conrelid = $1 ORDER BY conname`, tb.oid)
		if err != nil {
			return "", err
		}
		err = each(ctx, db, func(r *sql.Rows) error {
			var def string
			if err := r.Scan(&def); err != nil {
				return err
			}
			b.WriteString(strings.Replace(def, " ON ONLY ", " ON ", 1) + ";\n") // a partitioned table's, for its partitions too
			return nil
		}, `SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
			WHERE i.indrelid = $1 AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND k.conrelid = i.indrelid)
			ORDER BY c.relname`, tb.oid)
		if err != nil {
			return "", err
		}
		err = each(ctx, db, func(r *sql.Rows) error {
			var row string
			if err := r.Scan(&row); err != nil {
				return err
			}
			fmt.Fprintf(&b, "INSERT INTO %s SELECT * FROM json_populate_record(NULL::%[1]s, '%s');\n", tb.name, strings.ReplaceAll(row, "'", "''"))
			return nil
		}, `SELECT row_to_json(t)::text FROM `+schema+`.`+tb.name+` t`)
		if err != nil {
			return "", err
		}
	}
	b.WriteString(owned.String())
	b.WriteString(foreign.String())
	b.WriteString(partRenames.String())
	// Functions, then the triggers that call them: after the rows, so that copying the rows
	// fires nothing.
	for _, q := range []string{
		`SELECT pg_get_functiondef(oid) FROM pg_proc WHERE pronamespace = $1::regnamespace ORDER BY proname, oid`,
		`SELECT pg_get_triggerdef(g.oid) FROM pg_trigger g JOIN pg_class c ON c.oid = g.tgrelid
			WHERE c.relnamespace = $1::regnamespace AND NOT g.tgisinternal AND g.tgparentid = 0 ORDER BY c.relname, g.tgname`,
	} {
		err := each(ctx, db, func(r *sql.Rows) error {
			var def string
			if err := r.Scan(&def); err != nil {
				return err
			}
			b.WriteString(def + ";\n")
			return nil
		}, q, schema)
		if err != nil {
			return "", err
		}
	}
	return b.String(), nil
}

// each runs a query and calls fn on every row.
func each(ctx context.Context, db *sql.DB, fn func(*sql.Rows) error, query string, args ...any) error {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return fmt.Errorf("read the template: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
