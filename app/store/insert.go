package store

import (
	"strconv"
	"strings"
)

// InsertSQL is "INSERT INTO table (columns) VALUES (…), (…)" for rows rows, with "?"
// placeholders, or Postgres's "$n" ones when dollar is true (for statements sent to the
// driver directly, past gorm). Callers append their ON CONFLICT clause.
func InsertSQL(table string, columns []string, rows int, dollar bool) string {
	var b strings.Builder
	b.Grow(32 + len(table) + 16*len(columns) + rows*len(columns)*5)
	b.WriteString("INSERT INTO ")
	b.WriteString(table)
	b.WriteString(" (")
	b.WriteString(strings.Join(columns, ", "))
	b.WriteString(") VALUES ")
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
