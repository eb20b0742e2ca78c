package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// adminSessions gives users a session epoch. Every dashboard session carries the epoch its user
// had at sign-in; signing out bumps it, which ends every session of that user at once ("sign
// out everywhere"), copies of the cookie included. Existing users start at 0, as do the
// sessions signed before this step, so nobody is signed out by it.
var adminSessions = &gormigrate.Migration{
	ID: "202611290800_admin_sessions",
	Migrate: func(tx *gorm.DB) error {
		return addColumn(tx, "users", "session_epoch", "integer NOT NULL DEFAULT 0")
	},
	Rollback: func(tx *gorm.DB) error {
		return dropColumn(tx, "users", "session_epoch")
	},
}
