package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/store/storetest"
)

// TestSQLiteReadersDoNotWaitForTheWriter: while a transaction holds SQLite's one writer (an
// aggregator run, a sync), reads outside it are answered at once from the reader pool with the
// last committed state, and see the transaction's writes once it commits.
func TestSQLiteReadersDoNotWaitForTheWriter(t *testing.T) {
	db, _ := storetest.Backend{Name: "sqlite"}.Open(t)
	require.NoError(t, db.Exec("CREATE TABLE t (id INTEGER PRIMARY KEY)").Error)
	require.NoError(t, db.Exec("INSERT INTO t VALUES (1)").Error)

	tx := db.Begin()
	require.NoError(t, tx.Error)
	require.NoError(t, tx.Exec("INSERT INTO t VALUES (2)").Error)
	count := func() (int64, error) {
		var n int64
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		err := db.WithContext(ctx).Raw("SELECT COUNT(*) FROM t").Scan(&n).Error
		return n, err
	}
	start := time.Now()
	for range 3 {
		n, err := count()
		require.NoError(t, err, "a read while the writer is busy")
		require.EqualValues(t, 1, n, "the last committed state")
	}
	require.Less(t, time.Since(start), time.Second, "reads did not wait for the transaction")
	var n int64
	require.NoError(t, db.Table("t").Count(&n).Error)
	require.EqualValues(t, 1, n)
	require.NoError(t, tx.Commit().Error)
	n, err := count()
	require.NoError(t, err)
	require.EqualValues(t, 2, n)
}
