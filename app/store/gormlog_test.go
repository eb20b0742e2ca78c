package store_test

import (
	"bytes"
	"context"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/store"
)

// TestFailedStatementsLogNoValues: a failing statement is logged, without its bound values.
func TestFailedStatementsLogNoValues(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	cfg, err := config.Load(func(k string) string {
		if k == "DATABASE_URL" {
			return "sqlite:" + t.TempDir() + "/x.db"
		}
		return ""
	})
	require.NoError(t, err)
	db, err := store.Open(context.Background(), cfg, log)
	require.NoError(t, err)
	defer store.Close(db)
	require.NoError(t, db.Exec("CREATE TABLE t (v text NOT NULL)").Error)
	require.Error(t, db.Exec("INSERT INTO t (v) VALUES (?), (NULL)", "secret-token-hash").Error)
	require.Contains(t, buf.String(), "INSERT INTO t")
	require.NotContains(t, buf.String(), "secret-token-hash")
}
