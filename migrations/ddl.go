package migrations

import (
	"fmt"
	"strings"

	"gorm.io/gorm"

	"github.com/applylens/learning/app/store"
)

// ddl runs statements after replacing the few words that differ by dialect:
// {uuid} {ts} {json} {real} {double} {now}.
func ddl(tx *gorm.DB, stmts ...string) error {
	r := sqliteWords
	if isPostgres(tx) {
		r = postgresWords
	}
	for _, s := range stmts {
		if err := tx.Exec(r.Replace(s)).Error; err != nil {
			return fmt.Errorf("%s: %w", firstLine(s), err)
		}
	}
	return nil
}

var (
	postgresWords = strings.NewReplacer("{uuid}", "uuid", "{ts}", "timestamptz", "{json}", "jsonb",
		"{real}", "numeric", "{double}", "double precision", "{now}", "now()")
	sqliteWords = strings.NewReplacer("{uuid}", "text", "{ts}", "datetime", "{json}", "text",
		"{real}", "real", "{double}", "real", "{now}", "CURRENT_TIMESTAMP")
)

func isPostgres(tx *gorm.DB) bool { return store.IsPostgres(tx) }

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i > 0 {
		s = s[:i]
	}
	return s
}

// addColumn adds a column unless the table has it already.
func addColumn(tx *gorm.DB, table, column, typ string) error {
	if tx.Migrator().HasColumn(table, column) {
		return nil
	}
	return ddl(tx, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s %s", table, column, typ))
}

// dropColumn drops a column if the table has it.
func dropColumn(tx *gorm.DB, table, column string) error {
	if !tx.Migrator().HasColumn(table, column) {
		return nil
	}
	return ddl(tx, fmt.Sprintf("ALTER TABLE %s DROP COLUMN %s", table, column))
}

// createdTables lists the tables that a step created (not adopted), so that its Rollback
// drops only those.
const ownedTable = "applylens_owned_tables"

func createTableIfMissing(tx *gorm.DB, name, body string) error {
	if tx.Migrator().HasTable(name) {
		return nil
	}
	if err := ddl(tx, fmt.Sprintf("CREATE TABLE %s (%s)", name, body)); err != nil {
		return err
	}
	return tx.Exec("INSERT INTO "+ownedTable+" (name) VALUES (?)", name).Error
}

// dropOwnedTable drops name if a step of ours created it.
func dropOwnedTable(tx *gorm.DB, name string) error {
	var n int64
	if err := tx.Table(ownedTable).Where("name = ?", name).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return nil
	}
	if err := ddl(tx, "DROP TABLE IF EXISTS "+name); err != nil {
		return err
	}
	return tx.Exec("DELETE FROM "+ownedTable+" WHERE name = ?", name).Error
}
