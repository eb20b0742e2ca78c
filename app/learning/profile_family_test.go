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
