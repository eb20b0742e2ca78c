package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// userAccounts lets every user (not only admins) sign in: an admin can disable a user
// (disabled_at), and a user's deletion of their own events is recorded for the admins
// (data_deletions keeps who, how many events and when; never the events).
var userAccounts = &gormigrate.Migration{
	ID: "202612061100_user_accounts",
	Migrate: func(tx *gorm.DB) error {
		if err := addColumn(tx, "users", "disabled_at", "{ts}"); err != nil {
			return err
		}
		if err := createTableIfMissing(tx, "data_deletions", `
			id         varchar(64)  PRIMARY KEY,
			user_id    varchar(64)  NOT NULL,
			email      varchar(320) NOT NULL,
			events     integer      NOT NULL,
			created_at {ts}         NOT NULL`); err != nil {
			return err
		}
		return ddl(tx, "CREATE INDEX IF NOT EXISTS ix_data_deletions_created_at ON data_deletions (created_at)")
	},
	Rollback: func(tx *gorm.DB) error {
		if err := dropOwnedTable(tx, "data_deletions"); err != nil {
			return err
		}
		return dropColumn(tx, "users", "disabled_at")
	},
}
