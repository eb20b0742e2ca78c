package store_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/store"
)

func TestInsertSQL(t *testing.T) {
	require.Equal(t, "INSERT INTO t (a, b) VALUES (?,?),(?,?)", store.InsertSQL("t", []string{"a", "b"}, 2, false))
	require.Equal(t, "INSERT INTO t (a, b) VALUES ($1,$2),($3,$4),($5,$6)", store.InsertSQL("t", []string{"a", "b"}, 3, true))
}
