package report

import (
	"context"
	"time"

	"gorm.io/gorm"
)

// LoadOverviewFromDays is LoadOverview with every day of the window read from the daily rows
// (no week from the weekly rollup): what the weekly path must equal.
func LoadOverviewFromDays(ctx context.Context, db *gorm.DB, days int, now time.Time) (*Overview, error) {
	w := NewWindow(days, now)
	w.weekFrom = "9999-12-31"
	return loadOverview(ctx, db, nil, w)
}

// WindowFirstWeek is the first week of the window that the overview reads from the weekly
// rollup.
func WindowFirstWeek(days int, now time.Time) string { return NewWindow(days, now).weekFrom }
