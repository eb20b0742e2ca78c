// Package storetest gives tests real databases: the embedded SQLite always, and Postgres when
// TEST_DATABASE_URL is set (a fresh schema per test, dropped afterwards). When the variable is
// set and Postgres does not answer, tests fail: they never skip.
package storetest

import (
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib" // the admin connection that creates test schemas
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/store"
	"github.com/applylens/learning/migrations"
)

// Backend is one kind of database tests run on.
type Backend struct {
	Name string // "sqlite" or "postgres"
}

// Backends lists the databases of this test run.
func Backends() []Backend {
	bs := []Backend{{Name: "sqlite"}}
	if os.Getenv("TEST_DATABASE_URL") != "" {
		bs = append(bs, Backend{Name: "postgres"})
	}
	return bs
}

// Postgres returns the Postgres backend, or skips the test or benchmark, saying why it needs
// one, when TEST_DATABASE_URL is not set (CI sets it).
func Postgres(t testing.TB, why string) Backend {
	t.Helper()
	if os.Getenv("TEST_DATABASE_URL") == "" {
		t.Skip(why + ": set TEST_DATABASE_URL (CI does)")
	}
	return Backend{Name: "postgres"}
}

// URL returns the DATABASE_URL of a new, empty database of this backend, removed when the test
// ends.
func (b Backend) URL(t testing.TB) string {
	t.Helper()
	if b.Name == "sqlite" {
		return "sqlite:" + filepath.Join(t.TempDir(), "test.db")
	}
	admin := adminDB(t)
	schema := "t_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:20]
	_, err := admin.Exec("CREATE SCHEMA " + schema)
	require.NoError(t, err, "create test schema")
	t.Cleanup(func() { _, _ = admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
	u, err := url.Parse(os.Getenv("TEST_DATABASE_URL"))
	require.NoError(t, err, "TEST_DATABASE_URL")
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Config returns a configuration for a new, empty database of this backend.
func (b Backend) Config(t testing.TB) config.Config {
	t.Helper()
	cfg, err := config.Load(func(k string) string {
		switch k {
		case "DATABASE_URL":
			return b.URL(t)
		case "APP_ENV":
			return "test"
		}
		return ""
	})
	require.NoError(t, err)
	return cfg
}

// Open opens a new, empty (unmigrated) database of this backend.
func (b Backend) Open(t testing.TB) (*gorm.DB, config.Config) {
	t.Helper()
	cfg := b.Config(t)
	db := OpenConfig(t, cfg)
	return db, cfg
}

// OpenConfig opens the database cfg names, closed when the test ends.
func OpenConfig(t testing.TB, cfg config.Config) *gorm.DB {
	t.Helper()
	db, err := store.Open(context.Background(), cfg, Logger(t))
	require.NoError(t, err, "open %s", store.Describe(cfg))
	t.Cleanup(func() { store.Close(db) })
	return db
}

// New opens a new database of this backend with every migration applied: a copy of the
// process's migrated template (template.go).
func (b Backend) New(t testing.TB) *gorm.DB {
	t.Helper()
	if db, ok := b.newFromTemplate(t); ok {
		return db
	}
	return b.migrate(t)
}

// migrate opens a new database of this backend and applies every migration to it.
func (b Backend) migrate(t testing.TB) *gorm.DB {
	t.Helper()
	db, _ := b.Open(t)
	require.NoError(t, migrations.Up(context.Background(), db))
	return db
}

// Each runs fn as a subtest on every backend, with a freshly migrated database; the backends'
// subtests run in parallel (each has its own database). A test that changes package state
// uses EachSerial.
func Each(t *testing.T, fn func(t *testing.T, db *gorm.DB)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, b.New(t))
		})
	}
}

// EachSerial is Each with the backends one after the other, for a test that changes package
// state (a variable it swaps for the test).
func EachSerial(t *testing.T, fn func(t *testing.T, db *gorm.DB)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, b.New(t)) })
	}
}

// EachBackend runs fn as a subtest on every backend, leaving the database to fn.
func EachBackend(t *testing.T, fn func(t *testing.T, b Backend)) {
	t.Helper()
	for _, b := range Backends() {
		t.Run(b.Name, func(t *testing.T) { fn(t, b) })
	}
}

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
)

func adminDB(t testing.TB) *sql.DB {
	t.Helper()
	adminOnce.Do(func() {
		admin, adminErr = sql.Open("pgx", os.Getenv("TEST_DATABASE_URL"))
		if adminErr == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			adminErr = admin.PingContext(ctx)
		}
	})
	if adminErr != nil {
		t.Fatalf("TEST_DATABASE_URL is set but Postgres does not answer: %v", adminErr)
	}
	return admin
}

// Logger is a logger for tests: quiet unless TEST_LOG is set.
func Logger(t testing.TB) *slog.Logger {
	if os.Getenv("TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// Testdata returns the contents of a file in the repository's testdata/ folder: copies of the
// extension's real payloads and the legacy database, kept identical to ../shared/fixtures by
// TestFixturesMatchShared.
func Testdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(RepoRoot(t), "testdata", name))
	require.NoError(t, err)
	return b
}

// RepoRoot is the folder holding go.mod.
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	require.True(t, ok)
	dir := filepath.Dir(file)
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above " + file)
		}
		dir = parent
	}
}

// Count returns the number of rows in a table.
func Count(t testing.TB, db *gorm.DB, table string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.Table(table).Count(&n).Error, fmt.Sprintf("count %s", table))
	return n
}

// BenchSize is a benchmark's size from the environment variable name (digits, underscores
// allowed: 10_000_000), or def when it is unset.
func BenchSize(name string, def int) (int, error) {
	s := strings.ReplaceAll(os.Getenv(name), "_", "")
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("%s: want a positive number, got %q", name, os.Getenv(name))
	}
	return n, nil
}
