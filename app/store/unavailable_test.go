package store_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"testing"

	"github.com/glebarez/sqlite"
	"github.com/stretchr/testify/require"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/applylens/learning/app/store"
	"github.com/applylens/learning/app/store/storetest"
)

// TestUnavailable tells a database that cannot serve now (the same request may succeed
// later: 503) from a bad request (a 4xx or a 500), on the errors the real drivers return.
func TestUnavailable(t *testing.T) {
	ctx := context.Background()
	require.False(t, store.Unavailable(nil))

	// Postgres on a closed port: nothing listens there.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	pg, err := gorm.Open(postgres.Open(fmt.Sprintf("postgres://postgres@%s/x?sslmode=disable&connect_timeout=2", addr)),
		&gorm.Config{DisableAutomaticPing: true, Logger: logger.Discard})
	require.NoError(t, err)
	err = pg.WithContext(ctx).Exec("SELECT 1").Error
	require.Error(t, err)
	require.True(t, store.Unavailable(err), "%v", err)
	require.True(t, store.Unavailable(fmt.Errorf("wrapped: %w", err)))

	// SQLite whose file another process holds for writing, past the busy timeout.
	path := filepath.Join(t.TempDir(), "busy.db")
	holder, err := gorm.Open(sqlite.Open(store.SQLiteDSN(path)), &gorm.Config{Logger: logger.Discard})
	require.NoError(t, err)
	require.NoError(t, holder.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY)").Error)
	tx := holder.Begin()
	require.NoError(t, tx.Exec("INSERT INTO t VALUES (1)").Error)
	defer tx.Rollback()
	other, err := gorm.Open(sqlite.Open(path+"?_pragma=busy_timeout(0)&_pragma=journal_mode(WAL)"), &gorm.Config{Logger: logger.Discard})
	require.NoError(t, err)
	err = other.Exec("INSERT INTO t VALUES (2)").Error
	require.Error(t, err)
	require.True(t, store.Unavailable(err), "%v", err)

	// Bad requests are not outages, on either database.
	require.False(t, store.Unavailable(other.Exec("SELEC 1").Error))
	require.False(t, store.Unavailable(holder.Exec("INSERT INTO no_such_table VALUES (1)").Error))
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		err := db.Exec("SELECT * FROM no_such_table").Error
		require.Error(t, err)
		require.False(t, store.Unavailable(err), "%v", err)
		require.NoError(t, db.Exec("CREATE TABLE z (id integer PRIMARY KEY)").Error)
		require.NoError(t, db.Exec("INSERT INTO z VALUES (1)").Error)
		err = db.Exec("INSERT INTO z VALUES (1)").Error
		require.Error(t, err)
		require.False(t, store.Unavailable(err), "%v", err)
	})
}
