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
			return total, nil
		}
	}
}
