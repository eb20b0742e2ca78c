package store

import (
	"fmt"
	"io/fs"
	"strings"

	"gorm.io/gorm"
)

// Statement is one hand-written SQL statement, kept in an embedded .sql file beside the Go that
// runs it: name.sql when both databases run the same text, else name.postgres.sql and
// name.sqlite.sql. The house convention: every statement a package writes by hand (Raw or
// Exec, more than a condition) is a Statement; GORM's own calls are for plain CRUD and for
// filters built from optional conditions.
type Statement struct {
	Name             string
	postgres, sqlite string
}

// MustStatement reads the statement called name from fsys (a package's embedded sql folder).
// It runs at package initialisation, so a missing or half-written pair fails every test of the
// package at once.
func MustStatement(fsys fs.FS, name string) Statement {
	read := func(file string) (string, bool) {
		b, err := fs.ReadFile(fsys, file)
		if err != nil {
			return "", false
		}
		return stripHeader(string(b)), true
	}
	s := Statement{Name: name}
	if both, ok := read(name + ".sql"); ok && both != "" {
		s.postgres, s.sqlite = both, both
		return s
	}
	pg, okPG := read(name + ".postgres.sql")
	lite, okLite := read(name + ".sqlite.sql")
	if !okPG || !okLite || pg == "" || lite == "" {
		panic(fmt.Sprintf("store: statement %s: want %[1]s.sql, or both %[1]s.postgres.sql and %[1]s.sqlite.sql", name))
	}
	s.postgres, s.sqlite = pg, lite
	return s
}

// stripHeader drops the file's leading "--" comment lines (what the statement is for): the
// database gets the statement alone.
func stripHeader(text string) string {
	lines := strings.Split(strings.TrimSpace(text), "\n")
	for len(lines) > 0 && strings.HasPrefix(strings.TrimSpace(lines[0]), "--") {
		lines = lines[1:]
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

// For returns the statement's text for db's database.
func (s Statement) For(db *gorm.DB) string {
	if IsPostgres(db) {
		return s.postgres
	}
	return s.sqlite
}
