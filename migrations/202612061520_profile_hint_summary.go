package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// profileHintSummary adds form_profiles.hint_summary: what the dashboard counts of a profile's
// style hint (its source, policy, winner's rated and helpful runs, and each segment's source),
// written by the aggregator with the hint, in the same JSON paths, so that the overview's
// profile mix reads a few hundred bytes per profile instead of parsing every hint (tens of
// kilobytes each: on SQLite with 10,000 profiles that took 14 s). No backfill: the next run
// writes the summary of every profile that has none; until then the mix reads those hints.
var profileHintSummary = &gormigrate.Migration{
	ID: "202612061520_profile_hint_summary",
	Migrate: func(tx *gorm.DB) error {
		return addColumn(tx, "form_profiles", "hint_summary", "{json}")
	},
	Rollback: func(tx *gorm.DB) error {
		return dropColumn(tx, "form_profiles", "hint_summary")
	},
}
