// Package migrations owns the database schema: one gormigrate step per file, named by a
// timestamp ID, each with a Rollback. Steps speak SQL with a few per-dialect words (see ddl)
// and check before they create, so that they also adopt a database of the original Python
// service that already holds some of the objects.
package migrations

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/go-gormigrate/gormigrate/v2"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/store"
)

// TableName is where applied step IDs are recorded.
const TableName = "schema_migrations"

// steps lists every step in order. Each file adds its step here through init-free code:
// keep this list the one place that orders them.
func steps() []*gormigrate.Migration {
	return []*gormigrate.Migration{
		phase50LearningTables,
		phase52SegmentKey,
		phase54Policy,
		eventIdentity,
		accounts,
		profileCounters,
		aggregatorRuns,
		queryIndexes,
		reportRollup,
		eventDerivedColumns,
		adminSessions,
		userAccounts,
		profileHostFamily,
		profileReads,
		rollupPropensity,
		runChanges,
		eventDiscipline,
		rollupDiscipline,
		learningRollups,
		profileHintSummary,
		eventIDDefault,
		hintCompression,
		eventPartitions,
		reportWeeklyEvents,
		mapDaysByForm,
		learningNewEvents,
	}
}

// IDs returns every step ID in order.
func IDs() []string {
	var ids []string
	for _, m := range steps() {
		ids = append(ids, m.ID)
	}
	return ids
}

func newMigrator(db *gorm.DB) *gormigrate.Gormigrate {
	return gormigrate.New(db, &gormigrate.Options{
		TableName:      TableName,
		IDColumnName:   "id",
		IDColumnSize:   255,
		UseTransaction: true,
	}, steps())
}

// Up applies every pending step, then runs the backfill of the rows (RunBackfill) to the end.
// Concurrent callers on Postgres wait for each other.
func Up(ctx context.Context, db *gorm.DB) error {
	if err := UpSchema(ctx, db); err != nil {
		return err
	}
	_, err := RunBackfill(ctx, db, true, nil)
	return err
}

// UpSchema applies every pending step and leaves the rows they need filled to RunBackfill,
// which serve runs in the background: on a big database the steps take seconds, the backfill
// minutes.
func UpSchema(ctx context.Context, db *gorm.DB) error {
	defer forgetDone(db) // a step applied again may have asked for the backfill again
	return withLock(ctx, db, func(conn *gorm.DB) error {
		if err := newMigrator(conn).Migrate(); err != nil {
			return fmt.Errorf("migrate up: %w", err)
		}
		return nil
	})
}

// DownLast rolls back the last applied step.
func DownLast(ctx context.Context, db *gorm.DB) error {
	return withLock(ctx, db, func(conn *gorm.DB) error {
		err := newMigrator(conn).RollbackLast()
		if errors.Is(err, gormigrate.ErrNoRunMigration) {
			return errors.New("migrate down: no step is applied")
		}
		return err
	})
}

// DownTo rolls back every step applied after id; id itself stays applied.
func DownTo(ctx context.Context, db *gorm.DB, id string) error {
	if !slices.Contains(IDs(), id) {
		return fmt.Errorf("migrate down: unknown step %q (known: %s)", id, strings.Join(IDs(), ", "))
	}
	return withLock(ctx, db, func(conn *gorm.DB) error {
		return newMigrator(conn).RollbackTo(id)
	})
}

// DownAll rolls back every applied step. On an adopted database it removes only what these
// steps created; the original service's tables and rows stay.
func DownAll(ctx context.Context, db *gorm.DB) error {
	return withLock(ctx, db, func(conn *gorm.DB) error {
		m := newMigrator(conn)
		for {
			err := m.RollbackLast()
			if errors.Is(err, gormigrate.ErrNoRunMigration) {
				return nil
			}
			if err != nil {
				return err
			}
		}
	})
}

// withLock runs fn on one connection holding the migration lock (Postgres); SQLite has one
// writer and a single connection, which serialises by itself.
func withLock(ctx context.Context, db *gorm.DB, fn func(conn *gorm.DB) error) error {
	return store.WithAdvisoryLock(ctx, db, store.LockMigrate, fn)
}
