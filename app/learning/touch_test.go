package learning_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
)

// TestSyncTouchesProfiles: a batch creates the profile of each form it stores an event on and
// of the form it touches, leaves a form it only replayed alone, and moves a profile's
// last_seen_at at most once a minute, on both databases (on Postgres the touch is part of the
// insert's statement).
func TestSyncTouchesProfiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		require.NoError(t, db.Exec("INSERT INTO users (id, email) VALUES ('u-1', 'u1@example.test')").Error)
		ev := func(id, host, schema string) models.AutofillEvent {
			return models.AutofillEvent{EventID: id, Host: host, SchemaHash: schema, Status: "ok"}
		}
		seen := func(host, schema string) *time.Time {
			var p []models.FormProfile
			require.NoError(t, db.Where("host = ? AND schema_hash = ?", host, schema).Find(&p).Error)
			if len(p) == 0 {
				return nil
			}
			require.NotNil(t, p[0].LastSeenAt, host)
			return p[0].LastSeenAt
		}
		const a, b, c = "01930000-0000-7000-8000-00000000000a", "01930000-0000-7000-8000-00000000000b", "01930000-0000-7000-8000-00000000000c"
		touched := learning.Form{Host: "jobs.lever.co", SchemaHash: "only-touched"}
		res, err := learning.SaveEvents(ctx, db, "u-1", []models.AutofillEvent{ev(a, "boards.greenhouse.io", "gh-1"), ev(b, "boards.greenhouse.io", "gh-2")}, &touched)
		require.NoError(t, err)
		require.Equal(t, 2, res.Saved)
		require.NotNil(t, seen("boards.greenhouse.io", "gh-1"))
		require.NotNil(t, seen("boards.greenhouse.io", "gh-2"))
		require.NotNil(t, seen("jobs.lever.co", "only-touched"), "a touched form gets a profile without an event")

		// A replay stores nothing and creates no profile for a form it alone names.
		require.NoError(t, db.Exec("DELETE FROM form_profiles WHERE schema_hash = 'gh-2'").Error)
		res, err = learning.SaveEvents(ctx, db, "u-1", []models.AutofillEvent{ev(b, "boards.greenhouse.io", "gh-2")}, nil)
		require.NoError(t, err)
		require.Equal(t, 1, res.Duplicates)
		require.Nil(t, seen("boards.greenhouse.io", "gh-2"), "a replayed event touches nothing")

		// Seen within the minute: left as it is. Seen before that: moved to now.
		old := time.Now().UTC().Add(-2 * time.Minute).Truncate(time.Second)
		recent := time.Now().UTC().Add(-10 * time.Second).Truncate(time.Second)
		require.NoError(t, db.Exec("UPDATE form_profiles SET last_seen_at = ? WHERE schema_hash = 'gh-1'", old).Error)
		require.NoError(t, db.Exec("UPDATE form_profiles SET last_seen_at = ? WHERE schema_hash = 'only-touched'", recent).Error)
		before := time.Now().UTC().Add(-time.Second)
		_, err = learning.SaveEvents(ctx, db, "u-1", []models.AutofillEvent{ev(c, "boards.greenhouse.io", "gh-1")}, &touched)
		require.NoError(t, err)
		require.True(t, seen("boards.greenhouse.io", "gh-1").After(before), "seen two minutes ago: moved")
		require.True(t, seen("jobs.lever.co", "only-touched").Equal(recent), "seen 10 s ago: kept, got %v", seen("jobs.lever.co", "only-touched"))
	})
}
