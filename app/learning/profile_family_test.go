package learning_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
)

// TestProfileHostFamilyIsStored: a sync that creates a profile stores its host's family, and
// every aggregator run writes the family it derives from the form's events, which is what
// every reader shows.
func TestProfileHostFamilyIsStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		require.NoError(t, db.Exec("INSERT INTO users (id, email) VALUES ('u-1', 'u1@example.test')").Error)
		touched := learning.Form{Host: "jobs.lever.co", SchemaHash: "lv-1"}
		_, err := learning.SaveEvents(ctx, db, "u-1", []models.AutofillEvent{{Host: "jobs.lever.co", SchemaHash: "lv-1", Status: "ok"}}, &touched)
		require.NoError(t, err)
		h := newHarness(t, db)
		require.Equal(t, "lever", h.profile("jobs.lever.co", "lv-1").HostFamily, "written by the sync")

		h.insert(rated(ghAcme, "gh-1", "concise_bullets_v1", "", learning.Helpful, 2), rated(noFamily, "x-1", "concise_bullets_v1", "", "", 1))
		require.NoError(t, db.Exec("UPDATE form_profiles SET host_family = 'stale'").Error)
		h.run(30)
		require.Equal(t, "greenhouse", h.profile(ghAcme, "gh-1").HostFamily)
		require.Equal(t, "", h.profile(noFamily, "x-1").HostFamily)
		require.Equal(t, "lever", h.profile("jobs.lever.co", "lv-1").HostFamily)
	})
}

// TestProfileWithoutEventsKeepsItsStoredFamily: a form with no events in the window keeps the
// family stored on its profile (the run recomputes none); one stored without a family (by a
// writer older than the column) gets its host's.
func TestProfileWithoutEventsKeepsItsStoredFamily(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db)
		h.insert(rated(ghAcme, "gone", concise, "", learning.Helpful, 2), rated(leverCo, "old", concise, "", "", 1))
		h.run(30)
		require.NoError(t, db.Exec("DELETE FROM autofill_events").Error)
		require.NoError(t, db.Exec("UPDATE form_profiles SET host_family = 'workday' WHERE schema_hash = 'gone'").Error)
		require.NoError(t, db.Exec("UPDATE form_profiles SET host_family = '' WHERE schema_hash = 'old'").Error)
		h.run(30)
		require.Equal(t, "workday", h.profile(ghAcme, "gone").HostFamily, "read, not recomputed")
		require.Equal(t, "workday", h.hint(ghAcme, "gone").HostFamily)
		require.Equal(t, "lever", h.profile(leverCo, "old").HostFamily)
	})
}
