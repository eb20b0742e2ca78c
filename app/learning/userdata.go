package learning

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store"
)

// ExportedEvent is one event as a user downloads it: what their extension sent and what the
// server derived, under the API's names.
type ExportedEvent struct {
	EventID          string           `json:"event_id"`
	Host             string           `json:"host"`
	SchemaHash       string           `json:"schema_hash"`
	HostFamily       string           `json:"host_family"`
	SuggestedMap     models.StringMap `json:"suggested_map"`
	FinalMap         models.StringMap `json:"final_map"`
	GenStyleID       *string          `json:"gen_style_id"`
	EditStats        models.EditStats `json:"edit_stats"`
	DurationMS       *int             `json:"duration_ms"`
	ValidationErrors map[string]any   `json:"validation_errors"`
	Status           string           `json:"status"`
	ApplicationID    *int             `json:"application_id"`
	FeedbackStatus   *string          `json:"feedback_status"`
	EditChars        *int             `json:"edit_chars"`
	SegmentKey       *string          `json:"segment_key"`
	Policy           *string          `json:"policy"`
	Propensity       *float64         `json:"propensity"`
	OccurredAt       *time.Time       `json:"occurred_at"`
	FeedbackAt       *time.Time       `json:"feedback_at"`
	CreatedAt        time.Time        `json:"created_at"`
}

// exportBatch is how many events ExportEvents reads at a time.
const exportBatch = 1000

// ExportEvents writes every event of a user as one JSON document
// {"user_id", "exported_at", "events": [...]}, oldest first, reading them in batches so that
// a large history is streamed, not held in memory.
func ExportEvents(ctx context.Context, db *gorm.DB, userID string, now time.Time, w io.Writer) error {
	head, _ := json.Marshal(map[string]any{"user_id": userID, "exported_at": now.UTC()})
	if _, err := fmt.Fprintf(w, "%s,\"events\":[", head[:len(head)-1]); err != nil {
		return err
	}
	first := true
	var batch []models.AutofillEvent
	err := db.WithContext(ctx).Where("user_id = ?", userID).Order("created_at, id").
		FindInBatches(&batch, exportBatch, func(tx *gorm.DB, _ int) error {
			for _, e := range batch {
				b, err := json.Marshal(exported(e))
				if err != nil {
					return err
				}
				if !first {
					b = append([]byte{','}, b...)
				}
				first = false
				if _, err := w.Write(b); err != nil {
					return err
				}
			}
			return nil
		}).Error
	if err != nil {
		return fmt.Errorf("export events: %w", err)
	}
	_, err = io.WriteString(w, "]}\n")
	return err
}

func exported(e models.AutofillEvent) ExportedEvent {
	x := ExportedEvent{EventID: e.EventID, Host: e.Host, SchemaHash: e.SchemaHash, HostFamily: FamilyLabel(e.HostFamily),
		SuggestedMap: e.SuggestedMap.V, FinalMap: e.FinalMap.V, GenStyleID: e.GenStyleID, EditStats: e.EditStats.V,
		DurationMS: e.DurationMS, ValidationErrors: e.ValidationErrors.V, Status: e.Status, ApplicationID: e.ApplicationID,
		FeedbackStatus: e.FeedbackStatus, EditChars: e.EditChars, SegmentKey: e.SegmentKey, Policy: e.Policy,
		Propensity: e.Propensity, OccurredAt: e.OccurredAt, FeedbackAt: e.FeedbackAt, CreatedAt: e.CreatedAt}
	if x.SuggestedMap == nil {
		x.SuggestedMap = models.StringMap{}
	}
	if x.FinalMap == nil {
		x.FinalMap = models.StringMap{}
	}
	if x.ValidationErrors == nil {
		x.ValidationErrors = map[string]any{}
	}
	return x
}

// DeleteEvents deletes every event of a user (and their profile reads) and records the deletion (who, how many, when)
// for the admins, in one transaction. The next aggregator run no longer counts them; the
// dashboard's rollup rebuilds when its totals no longer match the events table. Their replay
// keys go too (Postgres keeps them apart, in autofill_event_keys): nothing of those events
// stays, and an event the extension sends again afterwards is stored again, once.
func DeleteEvents(ctx context.Context, db *gorm.DB, user *models.User, now time.Time) (int, error) {
	var n int64
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Where("user_id = ?", user.ID).Delete(&models.AutofillEvent{})
		if res.Error != nil {
			return res.Error
		}
		n = res.RowsAffected
		if store.IsPostgres(tx) {
			if err := tx.Exec("DELETE FROM autofill_event_keys WHERE user_id = ?", user.ID).Error; err != nil {
				return err
			}
		}
		if err := tx.Where("user_id = ?", user.ID).Delete(&models.ProfileRead{}).Error; err != nil {
			return err
		}
		return tx.Create(&models.DataDeletion{ID: uuid.NewString(), UserID: user.ID, Email: user.Email,
			Events: int(n), CreatedAt: now.UTC()}).Error
	})
	if err != nil {
		return 0, fmt.Errorf("delete events: %w", err)
	}
	return int(n), nil
}

// CountEvents is how many events a user has stored.
func CountEvents(ctx context.Context, db *gorm.DB, userID string) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&models.AutofillEvent{}).Where("user_id = ?", userID).Count(&n).Error
	return n, err
}
