package learning

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/applylens/learning/app/models"
)

// Attribution of a rating that names no event (the shipped client's thumbs): the client reads
// /profile at the start of every run, and its thumbs are live as soon as the answers render,
// so a click before "Fill all" arrives before that run's sync. The caller's last read of the
// form (models.ProfileRead) tells which run the user is looking at.
const (
	// FeedbackHoldWindow is how long a rating held for the run being filled waits for that
	// run's event; after it, the rating falls back to the latest event (LegacyFeedbackWindow).
	FeedbackHoldWindow = 30 * time.Minute
	// ProfileReadTTL is how long a read describes a run in progress (for holding ratings and
	// imputing propensities); an older read describes nothing.
	ProfileReadTTL = 6 * time.Hour
)

// How a rating that names no event was attributed (the reply says which).
const (
	AttributedAfterRead = "after_profile_read" // the run that followed the caller's last /profile read
	AttributedHeld      = "held"               // held for the run being filled: its event has not arrived yet
	AttributedLatest    = "latest_event"       // no recent read: the latest event on the form within 24 h
)

// Attribution says what a rating of a form did.
type Attribution struct {
	Mode      string
	EventID   string     // the event rated ("" when held)
	HeldUntil *time.Time // when held: the rating falls back to the latest event after this
}

// Served is what /profile served a caller for a form: the preferred style, the competitors
// offered for exploration, and the style the server chose itself (with its policy and
// propensity), when it chose one.
type Served struct {
	PreferredStyleID string
	Competitors      []string
	ChosenStyleID    string
	ChosenPolicy     string
	ChosenPropensity *float64
}

// RecordProfileRead remembers a caller's read of a form and what it was served (one row per
// user and form, replaced). A rating still held for the previous read's run, whose event never
// came, falls back to the latest event first.
func RecordProfileRead(ctx context.Context, db *gorm.DB, userID string, f Form, s Served, now time.Time) error {
	var dropped []droppedRating // logged once the transaction commits
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		old, err := findRead(tx, userID, f)
		if err != nil {
			return err
		}
		if old != nil && old.PendingFeedback != nil {
			if dropped, err = fallBack(tx, old, "a new read of the form replaced it before its run's event came", dropped); err != nil {
				return err
			}
		}
		r := models.ProfileRead{UserID: userID, Host: f.Host, SchemaHash: f.SchemaHash, ReadAt: now.UTC(),
			PreferredStyleID: orNil(s.PreferredStyleID), CompetitorStyleIDs: models.NewJSON(append([]string{}, s.Competitors...)),
			ServedStyleID: orNil(s.ChosenStyleID), ServedPolicy: orNil(s.ChosenPolicy), ServedPropensity: s.ChosenPropensity}
		err = tx.Clauses(clause.OnConflict{
			Columns: []clause.Column{{Name: "user_id"}, {Name: "host"}, {Name: "schema_hash"}},
			DoUpdates: clause.AssignmentColumns([]string{"read_at", "preferred_style_id", "competitor_style_ids",
				"served_style_id", "served_policy", "served_propensity", "pending_feedback", "pending_style_id", "pending_at"}),
		}).Create(&r).Error
		if err != nil {
			return fmt.Errorf("record profile read: %w", err)
		}
		return nil
	})
	if err == nil {
		logDropped(ctx, dropped)
	}
	return err
}

// RateForm attaches a rating that names no event: to the caller's latest event on the form
// since their last read of its profile (the run on screen), or, when that run's event has not arrived yet, holds
// it for that event (SaveEvents attaches it, within FeedbackHoldWindow). Without a recent read
// it rates the latest event on the form within LegacyFeedbackWindow. style, when given, must
// match the event's.
func RateForm(ctx context.Context, db *gorm.DB, userID string, f Form, style, status string, now time.Time) (*Attribution, error) {
	var a *Attribution
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		read, err := findRead(tx, userID, f)
		if err != nil {
			return err
		}
		if read == nil || now.Sub(read.ReadAt) > ProfileReadTTL {
			id, err := rateLatest(tx, userID, f, style, status, now)
			a = &Attribution{Mode: AttributedLatest, EventID: id}
			return err
		}
		q := tx.Select("id", "event_id").Where("user_id = ? AND host = ? AND schema_hash = ? AND created_at >= ?",
			userID, f.Host, f.SchemaHash, read.ReadAt)
		id, err := rateFirst(tx, q, style, status, "created_at DESC, id DESC")
		if err == nil {
			a = &Attribution{Mode: AttributedAfterRead, EventID: id}
			return nil
		}
		if !errors.Is(err, ErrEventNotFound) {
			return err
		}
		until := now.Add(FeedbackHoldWindow)
		a = &Attribution{Mode: AttributedHeld, HeldUntil: &until}
		return tx.Model(&models.ProfileRead{}).Where("user_id = ? AND host = ? AND schema_hash = ?", userID, f.Host, f.SchemaHash).
			Updates(map[string]any{"pending_feedback": status, "pending_style_id": orNil(style), "pending_at": now.UTC()}).Error
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// readsFor returns the caller's reads of the forms of a batch, locked for update when lock is
// true (Postgres, in a transaction).
func readsFor(tx *gorm.DB, userID string, events []models.AutofillEvent, lock bool) (map[Form]*models.ProfileRead, error) {
	hosts := map[string]bool{}
	for _, e := range events {
		hosts[e.Host] = true
	}
	list := make([]string, 0, len(hosts))
	for h := range hosts {
		list = append(list, h)
	}
	var rows []models.ProfileRead
	q := tx.Where("user_id = ? AND host IN ?", userID, list)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("read profile reads: %w", err)
	}
	out := make(map[Form]*models.ProfileRead, len(rows))
	for i := range rows {
		out[Form{rows[i].Host, rows[i].SchemaHash}] = &rows[i]
	}
	return out, nil
}

// imputePropensities gives each event sent without a propensity the one its client's policy
// implies, from the caller's recent read of the form (ImputePropensity), marked imputed.
func imputePropensities(rows []models.AutofillEvent, reads map[Form]*models.ProfileRead, now time.Time) {
	for i := range rows {
		e := &rows[i]
		if e.Propensity != nil || e.Policy == nil {
			continue
		}
		read := reads[Form{e.Host, e.SchemaHash}]
		if read != nil && now.Sub(read.ReadAt) > ProfileReadTTL {
			read = nil
		}
		style := ""
		if e.GenStyleID != nil {
			style = *e.GenStyleID
		}
		if p, ok := ImputePropensity(*e.Policy, style, read); ok {
			e.Propensity, e.PropensityImputed = &p, true
		}
	}
}

// attachHeld gives a rating held for a run to that run's event: the last of the batch just
// stored on the form (a client that re-queued a failed batch sends older runs first). A held
// rating whose window passed, or that names another style, falls back to the latest event.
func attachHeld(tx *gorm.DB, inserted []models.AutofillEvent, reads map[Form]*models.ProfileRead, now time.Time) (dropped []droppedRating, err error) {
	done := map[Form]bool{}
	for i := len(inserted) - 1; i >= 0; i-- {
		e := inserted[i]
		f := Form{e.Host, e.SchemaHash}
		read := reads[f]
		if done[f] || read == nil || read.PendingFeedback == nil {
			continue
		}
		done[f] = true
		why := ""
		switch {
		case now.Sub(*read.PendingAt) > FeedbackHoldWindow:
			why = "its hold window passed before its run's event came"
		case read.PendingStyleID != nil && (e.GenStyleID == nil || *e.GenStyleID != *read.PendingStyleID):
			why = "its run's event came with another style"
		}
		if why != "" {
			if dropped, err = fallBack(tx, read, why, dropped); err != nil {
				return nil, err
			}
			continue
		}
		err := tx.Model(&models.AutofillEvent{}).Where("id = ?", e.ID).
			Updates(map[string]any{"feedback_status": *read.PendingFeedback, "feedback_at": now.UTC()}).Error
		if err != nil {
			return nil, fmt.Errorf("attach held rating: %w", err)
		}
		if err := clearHeld(tx, read); err != nil {
			return nil, err
		}
	}
	return dropped, nil
}

// fallBack gives a held rating whose run's event never came to the latest event on the form
// before it was sent (the rule for ratings without a read), or drops it when there is none:
// then it adds the rating to dropped, with why it fell back, for logDropped once the caller's
// transaction commits.
func fallBack(tx *gorm.DB, read *models.ProfileRead, why string, dropped []droppedRating) ([]droppedRating, error) {
	style := ""
	if read.PendingStyleID != nil {
		style = *read.PendingStyleID
	}
	_, err := rateLatest(tx, read.UserID, Form{read.Host, read.SchemaHash}, style, *read.PendingFeedback, *read.PendingAt)
	switch {
	case errors.Is(err, ErrEventNotFound):
		dropped = append(dropped, droppedRating{read: *read, why: why})
	case err != nil:
		return dropped, fmt.Errorf("fall back a held rating: %w", err)
	}
	return dropped, clearHeld(tx, read)
}

// droppedRating is a held rating fallBack dropped, and why it fell back.
type droppedRating struct {
	read models.ProfileRead // as it was, with the rating it held
	why  string
}

// logDropped says in the log which held ratings were dropped: the client was told each is held
// (202), and no reply says what became of it.
func logDropped(ctx context.Context, dropped []droppedRating) {
	for _, d := range dropped {
		slog.Default().InfoContext(ctx, fmt.Sprintf("held rating dropped: %s, and the form has no event of its style in the %.0f hours before it",
			d.why, LegacyFeedbackWindow.Hours()), "user_id", d.read.UserID, "host", d.read.Host, "schema_hash", d.read.SchemaHash,
			"gen_style_id", deref(d.read.PendingStyleID), "feedback_status", deref(d.read.PendingFeedback), "held_at", *d.read.PendingAt)
	}
}

func clearHeld(tx *gorm.DB, read *models.ProfileRead) error {
	read.PendingFeedback, read.PendingStyleID, read.PendingAt = nil, nil, nil
	return tx.Model(&models.ProfileRead{}).
		Where("user_id = ? AND host = ? AND schema_hash = ?", read.UserID, read.Host, read.SchemaHash).
		Updates(map[string]any{"pending_feedback": nil, "pending_style_id": nil, "pending_at": nil}).Error
}

func findRead(tx *gorm.DB, userID string, f Form) (*models.ProfileRead, error) {
	var r models.ProfileRead
	err := tx.Where("user_id = ? AND host = ? AND schema_hash = ?", userID, f.Host, f.SchemaHash).Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read profile read: %w", err)
	}
	return &r, nil
}

func orNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
