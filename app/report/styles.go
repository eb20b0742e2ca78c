package report

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/applylens/learning/app/models"
)

// StyleRow is one generation style with its use in the last StyleUsageDays (from the rollup).
type StyleRow struct {
	Style models.GenStyle
	Usage StyleUsage
}

// StyleUsageDays is the window of the usage shown next to each style.
const StyleUsageDays = 30

// ListStyles returns every generation style, by id, with its recent use.
func ListStyles(ctx context.Context, db *gorm.DB, now time.Time) ([]StyleRow, error) {
	db = db.WithContext(ctx)
	var styles []models.GenStyle
	if err := db.Order("id").Find(&styles).Error; err != nil {
		return nil, fmt.Errorf("list styles: %w", err)
	}
	var usage []struct {
		GenStyleID     string
		FeedbackStatus string
		Events         int64
	}
	err := db.Raw(sqlStyleUsage.For(db), NewWindow(StyleUsageDays, now).FromDay).Scan(&usage).Error
	if err != nil {
		return nil, fmt.Errorf("style usage: %w", err)
	}
	by := map[string]*StyleUsage{}
	for _, u := range usage {
		su := by[u.GenStyleID]
		if su == nil {
			su = &StyleUsage{StyleID: u.GenStyleID}
			by[u.GenStyleID] = su
		}
		su.Runs += u.Events
		switch u.FeedbackStatus {
		case "helpful":
			su.Helpful += u.Events
		case "unhelpful":
			su.Unhelpful += u.Events
		}
	}
	rows := make([]StyleRow, len(styles))
	for i, s := range styles {
		rows[i] = StyleRow{Style: s, Usage: StyleUsage{StyleID: s.ID}}
		if su := by[s.ID]; su != nil {
			rows[i].Usage = *su
		}
	}
	return rows, nil
}

// GetStyle returns one generation style.
func GetStyle(ctx context.Context, db *gorm.DB, id string) (*models.GenStyle, error) {
	return byID[models.GenStyle](ctx, db, "style", id)
}

// StyleIDs lists the ids of the generation styles.
func StyleIDs(ctx context.Context, db *gorm.DB) ([]string, error) {
	var ids []string
	if err := db.WithContext(ctx).Model(&models.GenStyle{}).Order("id").Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("list style ids: %w", err)
	}
	return ids, nil
}
