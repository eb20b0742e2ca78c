package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// accounts gives users an admin flag and a password, and adds extension tokens (stored as
// SHA-256 hashes only).
var accounts = &gormigrate.Migration{
	ID: "202611290200_accounts",
	Migrate: func(tx *gorm.DB) error {
		if err := addColumn(tx, "users", "is_admin", "boolean NOT NULL DEFAULT false"); err != nil {
			return err
		}
		if err := addColumn(tx, "users", "password_hash", "text"); err != nil {
			return err
		}
		if err := createTableIfMissing(tx, "api_tokens", `
			id           varchar(64) PRIMARY KEY,
			user_id      varchar(64) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
			name         text        NOT NULL DEFAULT '',
			prefix       varchar(16) NOT NULL,
			token_hash   varchar(64) NOT NULL,
			created_at   {ts}        NOT NULL DEFAULT {now},
			last_used_at {ts},
			revoked_at   {ts}`); err != nil {
			return err
		}
		return ddl(tx,
			"CREATE UNIQUE INDEX IF NOT EXISTS ux_api_tokens_token_hash ON api_tokens (token_hash)",
			"CREATE INDEX IF NOT EXISTS ix_api_tokens_user_id ON api_tokens (user_id)",
		)
	},
	Rollback: func(tx *gorm.DB) error {
		if err := dropOwnedTable(tx, "api_tokens"); err != nil {
			return err
		}
		if err := dropColumn(tx, "users", "password_hash"); err != nil {
			return err
		}
		return dropColumn(tx, "users", "is_admin")
	},
}
