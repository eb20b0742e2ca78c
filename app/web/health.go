package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/applylens/learning/migrations"
)

// Health routes.
const (
	PathHealthz = "/healthz"
	PathReadyz  = "/readyz"
)

// Healthz answers 200 while the process is up.
func Healthz(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) }

// Readyz answers 200 when the database answers and its schema is current, else 503 with the
// reason. While the adoption backfill fills rows after the steps it is ready, and says how
// far the backfill is.
func Readyz(db *gorm.DB) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
		defer cancel()
		sqlDB, err := db.DB()
		if err == nil {
			err = sqlDB.PingContext(ctx)
		}
		if err != nil {
			c.Header("Retry-After", strconv.Itoa(RetryAfterSeconds))
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "reason": "database does not answer"})
			return
		}
		st, err := migrations.ReadStatus(ctx, db)
		if err != nil {
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "reason": "cannot read the schema version"})
			return
		}
		if !st.Current() {
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable",
				"reason": "schema is behind: run `migrate up`", "pending": st.Pending})
			return
		}
		reply := gin.H{"status": "ready", "schema": st.Applied[len(st.Applied)-1]}
		if b := st.Backfill; b.Pending {
			// Ready: the steps are applied and everything serves; only the aggregator waits.
			reply["backfill"] = gin.H{"rows_done": b.Done, "rows_total": b.Total, "percent": b.Percent()}
		}
		if b := st.Partitioning; b.Pending {
			// Ready too: the conversion into month partitions runs online.
			reply["partitioning"] = gin.H{"events_keyed": b.Done, "events_total": b.Total, "percent": b.Percent(), "last_error": b.LastError}
		}
		c.JSON(http.StatusOK, reply)
	}
}
