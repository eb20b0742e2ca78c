package store_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/store"
	"github.com/applylens/learning/app/store/storetest"
)

// TestAdvisoryLocks: a held lock refuses a second holder until released, whichever way it is
// taken; another schema's lock of the same name is another lock.
func TestAdvisoryLocks(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		ctx := context.Background()
		db, _ := b.Open(t)
		if !store.IsPostgres(db) {
			ran := false
			require.NoError(t, store.WithAdvisoryLock(ctx, db, store.LockMigrate, func(*gorm.DB) error { ran = true; return nil }))
			require.True(t, ran, "SQLite: the function runs, unlocked")
			require.NoError(t, store.AdvisoryXactLock(db, store.LockRollup))
			return
		}
		_, release, held, err := store.HoldAdvisoryLock(ctx, db, store.LockAggregator, false)
		require.NoError(t, err)
		require.True(t, held)
		_, _, again, err := store.HoldAdvisoryLock(ctx, db, store.LockAggregator, false)
		require.NoError(t, err)
		require.False(t, again, "held by another session")
		_, otherRelease, otherHeld, err := store.HoldAdvisoryLock(ctx, db, store.LockRollup, false)
		require.NoError(t, err)
		require.True(t, otherHeld, "another name is another lock")
		require.NoError(t, otherRelease())

		other, _ := b.Open(t) // another schema of the same database
		_, otherSchema, heldThere, err := store.HoldAdvisoryLock(ctx, other, store.LockAggregator, false)
		require.NoError(t, err)
		require.True(t, heldThere, "another schema's lock")
		require.NoError(t, otherSchema())

		err = store.WithAdvisoryLock(ctx, db, store.LockMigrate, func(conn *gorm.DB) error {
			_, _, got, err := store.HoldAdvisoryLock(ctx, db, store.LockMigrate, false)
			require.False(t, got, "held while fn runs")
			return err
		})
		require.NoError(t, err)
		require.NoError(t, db.Transaction(func(tx *gorm.DB) error {
			require.NoError(t, store.AdvisoryXactLock(tx, store.LockRollup))
			_, _, got, err := store.HoldAdvisoryLock(ctx, db, store.LockRollup, false)
			require.False(t, got, "held until the transaction ends")
			return err
		}))

		require.NoError(t, release())
		_, release, held, err = store.HoldAdvisoryLock(ctx, db, store.LockAggregator, false)
		require.NoError(t, err)
		require.True(t, held, "free again once released")
		require.NoError(t, release())
	})
}
