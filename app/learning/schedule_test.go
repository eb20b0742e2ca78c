package learning_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
)

// TestScheduleRuns lets the scheduler run with a tiny interval until it has recorded a
// scheduled run over AGGREGATOR_DAYS, then stops it.
func TestScheduleRuns(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, func(c *config.Config) {
			c.AggregatorInterval = time.Millisecond
			c.AggregatorDays = 12
		})
		h.insert(rated(ghAcme, "a", concise, "", "", 1))
		ctx, cancel := context.WithCancel(context.Background())
		stopped := make(chan struct{})
		go func() { h.r.Schedule(ctx); close(stopped) }()

		var run models.AggregatorRun
		require.Eventually(t, func() bool {
			return db.Where("triggered_by = ? AND status = ?", learning.TriggerSchedule, learning.StatusOK).Take(&run).Error == nil
		}, 30*time.Second, 5*time.Millisecond)
		cancel()
		<-stopped
		require.Equal(t, 12, run.Days)
		require.EqualValues(t, 1, storetest.Count(t, db, "form_profiles"))
	})
}

func TestScheduleOff(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		h := newHarness(t, db, func(c *config.Config) { c.AggregatorInterval = 0 })
		h.r.Schedule(context.Background()) // returns at once
		require.Zero(t, storetest.Count(t, db, "aggregator_runs"))
	})
}
