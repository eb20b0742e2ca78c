package store

import (
	"strconv"
	"strings"
)

// InsertSQL is "INSERT INTO table (columns) VALUES (…), (…)" for rows rows, with "?"
// placeholders, or Postgres's "$n" ones when dollar is true (for statements sent to the
// driver directly, past gorm). Callers append their ON CONFLICT clause.
func InsertSQL(table string, columns []string, rows int, dollar bool) string {
	return "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES " + ValuesSQL(len(columns), rows, dollar)
}

// ValuesSQL is the "(…), (…)" of a VALUES list of rows rows of columns placeholders, as
// InsertSQL writes them.
func ValuesSQL(columns, rows int, dollar bool) string {
	var b strings.Builder
	b.Grow(rows * columns * 5)
	n := 0
	for r := range rows {
		if r > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('(')
		for c := range columns {
			if c > 0 {
				b.WriteByte(',')
			}
			n++
			if dollar {
				b.WriteByte('$')
				b.WriteString(strconv.Itoa(n))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}
