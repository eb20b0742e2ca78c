package learning

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/applylens/learning/app/store"
)

// purgeBatch is how many events one statement of PurgeEvents deletes: each batch is its own
// transaction, so syncs (and, on SQLite, everything else that writes) wait for one batch at
// most, never for the whole purge.
func purgeBatch(d store.Dialect) int {
	if d.Postgres {
		return 5000
	}
	return 1000
}

// PurgeEvents deletes every event received before before (RETENTION_DAYS), oldest first, in
// batches by primary key through the created_at index, and returns how many it deleted. The
// triggers mark the cells it empties, so the next fold drops them from the learning rollups;
// the dashboard keeps its own counts of those days (report.Retain records the horizon first).
// On Postgres the replay keys of those events go too (purgeKeys): a replay received after the
// horizon has passed its event would be stored again, as a new event.
func PurgeEvents(ctx context.Context, db *gorm.DB, before time.Time) (int64, error) {
	d := store.DialectOf(db)
	q := fmt.Sprintf(`DELETE FROM autofill_events WHERE id IN (
		SELECT id FROM autofill_events WHERE created_at < ? ORDER BY created_at LIMIT %d)`, purgeBatch(d))
	var total int64
	for {
		res := db.WithContext(ctx).Exec(q, before.UTC())
		if res.Error != nil {
			return total, fmt.Errorf("delete events received before %s: %w", before.UTC().Format(time.DateOnly), res.Error)
		}
		total += res.RowsAffected
		if res.RowsAffected == 0 {
			return total, purgeKeys(ctx, db, before)
		}
	}
}

// purgeKeys deletes the replay keys of events received before before (Postgres), in batches
// like the events, whether their events were deleted by range or their month dropped.
func purgeKeys(ctx context.Context, db *gorm.DB, before time.Time) error {
	if !store.IsPostgres(db) {
		return nil
	}
	q := fmt.Sprintf(`DELETE FROM autofill_event_keys WHERE (user_id, event_id) IN (
		SELECT user_id, event_id FROM autofill_event_keys WHERE created_at < ? LIMIT %d)`, 4*purgeBatch(store.DialectOf(db)))
	for {
		res := db.WithContext(ctx).Exec(q, before.UTC())
		if res.Error != nil {
			return fmt.Errorf("delete the replay keys of events received before %s: %w", before.UTC().Format(time.DateOnly), res.Error)
		}
		if res.RowsAffected == 0 {
			return nil
		}
	}
}
