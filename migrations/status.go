package migrations

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"gorm.io/gorm"
)

// Status is what `migrate status`, /readyz and the admin schema page report.
type Status struct {
	Applied []string // known steps that are applied, in order
	Pending []string // known steps not applied yet, in order
	Unknown []string // applied IDs this build does not know (a newer build migrated)
	Checks  []Check  // the seed's verification: segment_key column and index
	// Backfill is the progress of the rows' backfill (RunBackfill), once the steps are applied.
	Backfill BackfillStatus
	// Partitioning is the progress of the conversion of the events into month partitions
	// (Postgres), which RunBackfill carries out after the backfill.
	Partitioning BackfillStatus
}

// Current reports whether every known step is applied.
func (s Status) Current() bool { return len(s.Pending) == 0 }

// Check is one schema object the seed's operators verify by hand.
type Check struct {
	Name    string
	Present bool
	Detail  string // the column type, or the index definition
}

// ReadStatus reads the applied steps and the seed's checks.
func ReadStatus(ctx context.Context, db *gorm.DB) (Status, error) {
	db = db.WithContext(ctx)
	var st Status
	var applied []string
	if db.Migrator().HasTable(TableName) {
		if err := db.Table(TableName).Order("id").Pluck("id", &applied).Error; err != nil {
			return st, fmt.Errorf("read %s: %w", TableName, err)
		}
	}
	for _, id := range IDs() {
		if slices.Contains(applied, id) {
			st.Applied = append(st.Applied, id)
		} else {
			st.Pending = append(st.Pending, id)
		}
	}
	for _, id := range applied {
		if !slices.Contains(IDs(), id) {
			st.Unknown = append(st.Unknown, id)
		}
	}
	col, err := columnType(db, "autofill_events", "segment_key")
	if err != nil {
		return st, err
	}
	st.Checks = append(st.Checks, Check{Name: "autofill_events.segment_key column", Present: col != "", Detail: col})
	idx, err := indexDef(db, "ix_autofill_events_segment_key")
	if err != nil {
		return st, err
	}
	st.Checks = append(st.Checks, Check{Name: "ix_autofill_events_segment_key index", Present: idx != "", Detail: idx})
	if st.Backfill, err = ReadBackfill(ctx, db); err != nil {
		return st, err
	}
	if st.Partitioning, err = ReadPartitioning(ctx, db); err != nil {
		return st, err
	}
	return st, nil
}

// columnType returns the declared type of a column ("character varying(128)"), or "".
func columnType(db *gorm.DB, table, column string) (string, error) {
	var typ string
	var q string
	if isPostgres(db) {
		q = `SELECT data_type || COALESCE('(' || character_maximum_length || ')', '') FROM information_schema.columns
		     WHERE table_schema = current_schema() AND table_name = ? AND column_name = ?`
	} else {
		q = `SELECT type FROM pragma_table_info(?) WHERE name = ?`
	}
	if err := db.Raw(q, table, column).Row().Scan(&typ); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("inspect column %s.%s: %w", table, column, err)
	}
	return typ, nil
}

// indexDef returns an index's definition, or "".
func indexDef(db *gorm.DB, name string) (string, error) {
	var def string
	var q string
	if isPostgres(db) {
		q = `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ?`
	} else {
		q = `SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?`
	}
	if err := db.Raw(q, name).Row().Scan(&def); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("inspect index %s: %w", name, err)
	}
	return def, nil
}
