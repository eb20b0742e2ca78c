package migrations

import (
	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"
)

// profileHostFamily stores each form profile's host family, so that the dashboard's list,
// its filter, the profile page and explain-style read it instead of computing it again. The
// aggregator writes the family it derives from the form's events; a sync writes its host's
// family when it creates a profile. Existing profiles get their host's family by this step's
// rule (the one of the step that gave events theirs), and ” when it is in none.
var profileHostFamily = &gormigrate.Migration{
	ID: "202612061200_profile_host_family",
	Migrate: func(tx *gorm.DB) error {
		if err := addColumn(tx, "form_profiles", "host_family", "varchar(32) NOT NULL DEFAULT ''"); err != nil {
			return err
		}
		var hosts []string
		if err := tx.Raw("SELECT DISTINCT host FROM form_profiles WHERE host_family = ''").Scan(&hosts).Error; err != nil {
			return err
		}
		byFamily := map[string][]string{}
		for _, h := range hosts {
			if f := familyAt202611(h); f != "" {
				byFamily[f] = append(byFamily[f], h)
			}
		}
		for family, hs := range byFamily {
			for start := 0; start < len(hs); start += 500 {
				chunk := hs[start:min(start+500, len(hs))]
				if err := tx.Exec("UPDATE form_profiles SET host_family = ? WHERE host IN ? AND host_family = ''",
					family, chunk).Error; err != nil {
					return err
				}
			}
		}
		return ddl(tx, "CREATE INDEX IF NOT EXISTS ix_form_profiles_host_family ON form_profiles (host_family)")
	},
	Rollback: func(tx *gorm.DB) error {
		if err := ddl(tx, "DROP INDEX IF EXISTS ix_form_profiles_host_family"); err != nil {
			return err
		}
		return dropColumn(tx, "form_profiles", "host_family")
	},
}
