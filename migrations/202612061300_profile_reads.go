package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// profileReads remembers each caller's last read of each form's profile (the client reads it
// at the start of every run): when, and what it was served (the preferred style, the
// competitors offered for exploration, and the style and propensity the server chose, when it
// chose). A thumbs sent before that run's sync is held here (pending_*) and attached to the
// run's event when it arrives; an event sent without a propensity gets one imputed from what
// was served, marked in autofill_events.propensity_imputed.
var profileReads = &gormigrate.Migration{
	ID: "202612061300_profile_reads",
	Migrate: func(tx *gorm.DB) error {
		if err := createTableIfMissing(tx, "profile_reads", `
			user_id              varchar(64) NOT NULL,
			host                 text        NOT NULL,
			schema_hash          text        NOT NULL,
			read_at              {ts}        NOT NULL,
			preferred_style_id   text,
			competitor_style_ids {json}      NOT NULL DEFAULT '[]',
			served_style_id      text,
			served_policy        varchar(16),
			served_propensity    {double},
			pending_feedback     varchar(16),
			pending_style_id     text,
			pending_at           {ts},
			PRIMARY KEY (user_id, host, schema_hash)`); err != nil {
			return err
		}
		return addColumn(tx, "autofill_events", "propensity_imputed", "boolean NOT NULL DEFAULT false")
	},
	Rollback: func(tx *gorm.DB) error {
		if err := dropColumn(tx, "autofill_events", "propensity_imputed"); err != nil {
			return err
		}
		return dropOwnedTable(tx, "profile_reads")
	},
}
