package store

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

func TestMustStatement(t *testing.T) {
	fsys := fstest.MapFS{
		"sql/both.sql":           {Data: []byte("-- what it is for\n-- on two lines\nSELECT 1\nFROM t\n")},
		"sql/pair.postgres.sql":  {Data: []byte("-- the jsonb form\nSELECT x->>'a' FROM t")},
		"sql/pair.sqlite.sql":    {Data: []byte("SELECT json_extract(x, '$.a') FROM t\n")},
		"sql/half.postgres.sql":  {Data: []byte("SELECT 1")},
		"sql/blank.postgres.sql": {Data: []byte("-- only a comment\n")},
		"sql/blank.sqlite.sql":   {Data: []byte("SELECT 1")},
	}
	both := MustStatement(fsys, "sql/both")
	require.Equal(t, "SELECT 1\nFROM t", both.postgres, "the header comment is left out")
	require.Equal(t, both.postgres, both.sqlite)

	pair := MustStatement(fsys, "sql/pair")
	require.Equal(t, "SELECT x->>'a' FROM t", pair.postgres)
	require.Equal(t, "SELECT json_extract(x, '$.a') FROM t", pair.sqlite)

	for _, name := range []string{"sql/half", "sql/blank", "sql/missing"} {
		require.PanicsWithValue(t, "store: statement "+name+": want "+name+".sql, or both "+name+".postgres.sql and "+name+".sqlite.sql",
			func() { MustStatement(fsys, name) }, name)
	}
}
