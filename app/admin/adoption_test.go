package admin_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/admin"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/migrations"
)

// TestAdoptionInProgress: while the adoption backfill fills an adopted database's rows, the
// dashboard serves, the Schema page shows how far it is (rows, rate, time left) and the run
// button answers that the aggregator waits for it; once it is done the panel is gone and a
// run goes through.
func TestAdoptionInProgress(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		storetest.Adopting(t, db, 30)
		// Midway, as a backfill that has walked 12 of the 30 rows in 10 seconds leaves it.
		now := time.Now().UTC()
		require.NoError(t, db.Exec("UPDATE "+migrations.BackfillTable+
			" SET total_rows = 30, done_rows = 12, started_at = ?, updated_at = ? WHERE name = ?",
			now.Add(-10*time.Second), now, migrations.EventsBackfill).Error)
		c, runner := signedIn(t, db, false)

		doc := c.page(admin.PathSchema)
		require.Equal(t, "12 of 30 events (40.0%), 1.2 rows/s, about 15s left", text(doc.Selection, "backfill-summary"))
		progress := byTestID(doc, "backfill-progress").Find("progress")
		require.Equal(t, "30", progress.AttrOr("max", ""))
		require.Equal(t, "12", progress.AttrOr("value", ""))
		require.Contains(t, text(doc.Selection, "schema-summary"), "The schema is current")

		c.page(admin.PathOverview)
		r := c.post(admin.PathRuns, url.Values{"days": {"30"}})
		require.Equal(t, http.StatusServiceUnavailable, r.StatusCode, r.Body)
		require.Contains(t, r.Body, "still being adopted (backfill of events: 12 of 30 rows (40.0%)")
		require.Equal(t, "60", r.Header.Get("Retry-After"))

		_, err := migrations.RunBackfill(context.Background(), db, true, nil)
		require.NoError(t, err)
		doc = c.page(admin.PathSchema)
		require.Zero(t, byTestID(doc, "schema-backfill").Length())
		c.page(admin.PathOverview)
		r = c.post(admin.PathRuns, url.Values{"days": {"30"}})
		require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
		runner.Wait()
	})
}

// TestPartitioningInProgress (Postgres): while the events are moved into month partitions, the
// Schema page shows how many events are keyed, then what is left once they all are, and the
// last error; /readyz says ready and how far it is.
func TestPartitioningInProgress(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		if b.Name != "postgres" {
			t.Skip("SQLite keeps one events table")
		}
		db := b.New(t)
		now := time.Now().UTC()
		require.NoError(t, db.Exec("INSERT INTO "+migrations.BackfillTable+
			" (name, total_rows, done_rows, started_at, updated_at, last_error) VALUES (?, 40, 10, ?, ?, 'canceling statement due to lock timeout (SQLSTATE 55P03)')",
			migrations.PartitionsBackfill, now.Add(-5*time.Second), now).Error)
		c, _ := signedIn(t, db, false)

		doc := c.page(admin.PathSchema)
		require.Equal(t, "10 of 40 events keyed (25.0%), 2.0 rows/s, about 15s left", text(doc.Selection, "partitioning-summary"))
		require.Equal(t, "40", byTestID(doc, "partitioning-progress").Find("progress").AttrOr("max", ""))
		require.Contains(t, text(doc.Selection, "partitioning-error"), "lock timeout")
		require.Zero(t, byTestID(doc, "schema-backfill").Length(), "the events backfill is done")

		r := c.get("/readyz")
		require.Equal(t, http.StatusOK, r.StatusCode, r.Body)
		require.Contains(t, r.Body, `"partitioning":{"events_keyed":10,"events_total":40`)

		require.NoError(t, db.Exec("UPDATE "+migrations.BackfillTable+" SET done_rows = 40, last_error = '' WHERE name = ?",
			migrations.PartitionsBackfill).Error)
		doc = c.page(admin.PathSchema)
		require.Contains(t, text(doc.Selection, "partitioning-summary"), "All 40 events keyed.")
		require.Zero(t, byTestID(doc, "partitioning-error").Length())

		require.NoError(t, db.Exec("UPDATE "+migrations.BackfillTable+" SET finished_at = ? WHERE name = ?",
			now, migrations.PartitionsBackfill).Error)
		doc = c.page(admin.PathSchema)
		require.Zero(t, byTestID(doc, "schema-partitioning").Length())
	})
}
