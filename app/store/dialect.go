package store

import (
	"strings"

	"gorm.io/gorm"
)

// IsPostgres reports whether db talks to Postgres: the one way the code asks which database
// it is on (the alternative is the embedded SQLite).
func IsPostgres(db *gorm.DB) bool { return db.Dialector.Name() == "postgres" }

// Dialect holds the few SQL words that differ between Postgres and SQLite. Packages that
// build SQL of their own (learning's aggregator, report) keep their statements and take these
// words from here.
type Dialect struct{ Postgres bool }

// DialectOf returns the dialect of db.
func DialectOf(db *gorm.DB) Dialect { return Dialect{Postgres: IsPostgres(db)} }

// Day is the UTC day of a timestamp column as YYYY-MM-DD. SQLite stores UTC times as text that
// starts with the date.
func (d Dialect) Day(col string) string {
	if d.Postgres {
		return "to_char(" + col + " AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
	}
	return "substr(" + col + ", 1, 10)"
}

// JSONText extracts a text field of a JSON column, path naming the keys from the top.
func (d Dialect) JSONText(col string, path ...string) string {
	if d.Postgres {
		expr := col
		for i, p := range path {
			op := "->"
			if i == len(path)-1 {
				op = "->>"
			}
			expr += op + "'" + p + "'"
		}
		return "(" + expr + ")"
	}
	return "json_extract(" + col + ", '$." + strings.Join(path, ".") + "')"
}
