package report

import (
	"context"
	"errors"
	"fmt"

	"gorm.io/gorm"

	"github.com/applylens/learning/app/models"
)

// Errors callers tell apart.
var (
	ErrNotFound  = errors.New("not found")
	ErrBadFilter = errors.New("unknown filter value")
)

// RunsPageSize is how many runs a page of the history shows.
const RunsPageSize = 25

// LastRun returns the latest aggregator run, or nil when there was none.
func LastRun(ctx context.Context, db *gorm.DB) (*models.AggregatorRun, error) {
	var runs []models.AggregatorRun
	if err := db.WithContext(ctx).Order("started_at DESC, id DESC").Limit(1).Find(&runs).Error; err != nil {
		return nil, fmt.Errorf("last run: %w", err)
	}
	if len(runs) == 0 {
		return nil, nil
	}
	return &runs[0], nil
}

// ListRuns returns one page (from 1) of the run history, newest first, and the number of runs.
func ListRuns(ctx context.Context, db *gorm.DB, page int) ([]models.AggregatorRun, int64, error) {
	db = db.WithContext(ctx)
	var total int64
	if err := db.Model(&models.AggregatorRun{}).Count(&total).Error; err != nil {
		return nil, 0, fmt.Errorf("count runs: %w", err)
	}
	var runs []models.AggregatorRun
	err := db.Order("started_at DESC, id DESC").Limit(RunsPageSize).Offset(offset(page, RunsPageSize)).Find(&runs).Error
	if err != nil {
		return nil, 0, fmt.Errorf("list runs: %w", err)
	}
	return runs, total, nil
}

// GetRun returns one run.
func GetRun(ctx context.Context, db *gorm.DB, id string) (*models.AggregatorRun, error) {
	return byID[models.AggregatorRun](ctx, db, "run", id)
}

// byID reads the row of T with this id; ErrNotFound when there is none.
func byID[T any](ctx context.Context, db *gorm.DB, what, id string) (*T, error) {
	var row T
	err := db.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fmt.Errorf("%s %s: %w", what, id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", what, err)
	}
	return &row, nil
}

func offset(page, size int) int {
	if page < 1 {
		page = 1
	}
	return (page - 1) * size
}

// Pages is the number of pages of size for total rows (at least 1).
func Pages(total int64, size int) int {
	if total <= 0 {
		return 1
	}
	return int((total + int64(size) - 1) / int64(size))
}

// RunChange is one pick a run changed, with the id of the form's profile ("" if it is gone).
type RunChange struct {
	models.AggregatorRunChange
	ProfileID string
}

// RunChanges returns the picks a run kept of those it changed, in the order it found them.
func RunChanges(ctx context.Context, db *gorm.DB, runID string) ([]RunChange, error) {
	var rows []RunChange
	err := db.WithContext(ctx).Raw(sqlRunChanges.For(db), runID).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("run changes: %w", err)
	}
	return rows, nil
}
