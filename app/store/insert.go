package store

import (
	"strconv"
	"strings"
)

// InsertSQL is "INSERT INTO table (columns) VALUES (…), (…)" for rows rows, with "?"
// placeholders, or Postgres's "$n" ones when dollar is true (for statements sent to the
// driver directly, past gorm). Callers append their ON CONFLICT clause.
func InsertSQL(table string, columns []string, rows int, dollar bool) string {
	return "INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES " + ValuesSQL(len(columns), rows, dollar, nil)
}

// ValuesSQL is the "(…), (…)" of a VALUES list of rows rows of columns placeholders, as
// InsertSQL writes them. With types (Postgres, one per column), the first row's placeholders
// are cast to them: a VALUES list that is not an INSERT's takes its column types from there.
func ValuesSQL(columns, rows int, dollar bool, types []string) string {
	return ValuesSQLAfter(0, columns, rows, dollar, types)
}

// ValuesSQLAfter is ValuesSQL whose "$n" placeholders start after the first used ones, for a
// second list in the same statement.
func ValuesSQLAfter(used, columns, rows int, dollar bool, types []string) string {
	var b strings.Builder
	b.Grow(rows*columns*5 + 16*len(types))
	n := used
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
			if r == 0 && types != nil {
				b.WriteString("::" + types[c])
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}
