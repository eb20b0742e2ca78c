package learning

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store"
)

// Policies: how the extension picked the style of a run.
const (
	PolicyExploit  = "exploit"
	PolicyExplore  = "explore"
	PolicyFallback = "fallback"
)

// ValidPolicy reports whether p is a policy.
func ValidPolicy(p string) bool {
	return p == PolicyExploit || p == PolicyExplore || p == PolicyFallback
}

// Form is one (host, schema_hash).
type Form struct{ Host, SchemaHash string }

// SavedEvent is the outcome of one event of a batch.
type SavedEvent struct {
	EventID    string
	Duplicate  bool
	SegmentKey string
	HostFamily string
}

// SaveResult is the outcome of a batch.
type SaveResult struct {
	Events     []SavedEvent
	Saved      int
	Duplicates int
	// Inserted are the rows this call stored (not the duplicates), for metrics after commit.
	Inserted []models.AutofillEvent
}

// ErrUnknownApplication is returned when an event names an application that does not exist
// (only on a database of the original service, which has extension_applications).
type ErrUnknownApplication struct{ Index, ID int }

func (e *ErrUnknownApplication) Error() string {
	return fmt.Sprintf("application_id %d does not exist", e.ID)
}

// SaveEvents stores one batch of a user's events atomically: one multi-row insert that skips
// events already stored (same user and event_id: a replay), and one upsert of each distinct
// form's profile last_seen_at (touch also marks a form that has no event in this batch). The
// statements per batch are bounded whatever its size. Events must be normalised and valid;
// their ID, EventID, UserID, HostFamily and CreatedAt are set here when empty, and their
// derived columns (Derive) always.
func SaveEvents(ctx context.Context, db *gorm.DB, userID string, events []models.AutofillEvent, touch *Form) (*SaveResult, error) {
	now := time.Now().UTC()
	res := &SaveResult{Events: make([]SavedEvent, len(events))}
	seen := make(map[string]bool, len(events))
	rows := make([]models.AutofillEvent, 0, len(events))
	for i := range events {
		e := &events[i]
		e.UserID = userID
		if e.ID == "" {
			e.ID = uuid.Must(uuid.NewV7()).String()
		}
		if e.EventID == "" {
			e.EventID = e.ID
		}
		if e.CreatedAt.IsZero() {
			e.CreatedAt = now
		}
		e.HostFamily = Family(e.Host)
		Derive(e)
		res.Events[i] = SavedEvent{EventID: e.EventID, HostFamily: FamilyLabel(e.HostFamily)}
		if e.SegmentKey != nil {
			res.Events[i].SegmentKey = *e.SegmentKey
		}
		if seen[e.EventID] {
			res.Events[i].Duplicate = true
			continue
		}
		seen[e.EventID] = true
		rows = append(rows, *e)
	}

	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkApplications(tx, events); err != nil {
			return err
		}
		inserted := map[string]bool{}
		var reads map[Form]*models.ProfileRead
		if len(rows) > 0 {
			var err error
			if reads, err = readsFor(tx, userID, rows); err != nil {
				return err
			}
			imputePropensities(rows, reads, now)
			if err := insertEvents(ctx, tx, rows, inserted); err != nil {
				return fmt.Errorf("insert events: %w", err)
			}
		}
		forms := map[Form]bool{}
		if touch != nil {
			forms[*touch] = true
		}
		for i, e := range events {
			if !inserted[e.ID] {
				res.Events[i].Duplicate = true
				continue
			}
			res.Inserted = append(res.Inserted, e)
			forms[Form{e.Host, e.SchemaHash}] = true
		}
		if err := attachHeld(tx, res.Inserted, reads, now); err != nil {
			return err
		}
		return touchProfiles(tx, forms, now)
	})
	if err != nil {
		return nil, err
	}
	for _, e := range res.Events {
		if e.Duplicate {
			res.Duplicates++
		} else {
			res.Saved++
		}
	}
	return res, nil
}

// eventColumns are the columns a sync writes, in the order insertEvents binds them.
var eventColumns = []string{"id", "event_id", "user_id", "host", "schema_hash", "host_family",
	"suggested_map", "final_map", "gen_style_id", "edit_stats", "duration_ms", "validation_errors", "status",
	"application_id", "feedback_status", "edit_chars", "segment_key", "policy", "propensity", "occurred_at",
	"feedback_at", "created_at", "final_map_hash", "edit_total", "propensity_imputed", "discipline", "discipline_rules"}

// eventTypes are the Postgres types of eventColumns, for the first row of keyedInsertSQL's
// VALUES (a VALUES list outside an INSERT takes its column types from there).
var eventTypes = []string{"uuid", "uuid", "varchar", "text", "text", "varchar",
	"jsonb", "jsonb", "text", "jsonb", "integer", "jsonb", "text",
	"integer", "text", "integer", "varchar", "varchar", "double precision", "timestamptz",
	"timestamptz", "timestamptz", "bigint", "bigint", "boolean", "varchar", "smallint"}

// keyedInsertSQL is the Postgres insert of rows events in one statement: their replay keys
// first (autofill_event_keys, ON CONFLICT DO NOTHING RETURNING), then the events whose key
// was new.
func keyedInsertSQL(rows int) string {
	cols := strings.Join(eventColumns, ", ")
	return "WITH v (" + cols + ") AS (VALUES " + store.ValuesSQL(len(eventColumns), rows, true, eventTypes) +
		`), k AS (INSERT INTO autofill_event_keys (user_id, event_id, created_at)
		SELECT user_id, event_id, created_at FROM v ON CONFLICT DO NOTHING RETURNING user_id, event_id)
	INSERT INTO autofill_events (` + cols + `) SELECT ` + cols + ` FROM v
	WHERE (user_id, event_id) IN (SELECT user_id, event_id FROM k) ON CONFLICT DO NOTHING`
}

// insertEvents writes rows with multi-row INSERTs that skip replays, built by hand: gorm's
// reflection was a third of the endpoint's CPU. It marks in inserted the id of each row
// stored (RETURNING: a row stored before, by a replay, maybe a concurrent one, is not). On
// SQLite the events' unique (user_id, event_id) index skips a replay (ON CONFLICT DO NOTHING);
// on Postgres, whose events are partitioned by month (and a unique index of a partitioned
// table must hold created_at, so it could not see a replay received in another month), the
// keys go first into autofill_event_keys and only the events whose key was new are stored, in
// the same statement (keyedInsertSQL): a concurrent replay waits for this one's key and then
// skips.
func insertEvents(ctx context.Context, tx *gorm.DB, rows []models.AutofillEvent, inserted map[string]bool) error {
	pg := store.IsPostgres(tx)
	// 24,000 parameters per statement on Postgres (its limit is 65,535). The SQLite driver
	// matches parameters to arguments in quadratic time, so it gets small statements.
	chunk := 1000
	if !pg {
		chunk = 50
	}
	for start := 0; start < len(rows); start += chunk {
		part := rows[start:min(start+chunk, len(rows))]
		args := make([]any, 0, len(part)*len(eventColumns))
		for _, e := range part {
			args = append(args, e.ID, e.EventID, e.UserID, e.Host, e.SchemaHash, e.HostFamily,
				e.SuggestedMap, e.FinalMap, e.GenStyleID, e.EditStats, e.DurationMS, e.ValidationErrors, e.Status,
				e.ApplicationID, e.FeedbackStatus, e.EditChars, e.SegmentKey, e.Policy, e.Propensity, e.OccurredAt,
				e.FeedbackAt, e.CreatedAt, e.FinalMapHash, e.EditTotal, e.PropensityImputed, e.Discipline, e.DisciplineRules)
		}
		var q string
		if pg {
			q = keyedInsertSQL(len(part))
		} else {
			q = store.InsertSQL("autofill_events", eventColumns, len(part), pg) + " ON CONFLICT DO NOTHING"
		}
		if err := returnedIDs(ctx, tx, q+" RETURNING id", args, inserted); err != nil {
			return err
		}
	}
	return nil
}

// returnedIDs runs an INSERT … RETURNING id and marks each id it returns in ids.
func returnedIDs(ctx context.Context, tx *gorm.DB, q string, args []any, ids map[string]bool) error {
	rows, err := tx.Statement.ConnPool.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		ids[id] = true
	}
	return rows.Err()
}

// touchProfiles creates the profile of each form that has none and records when it was last
// seen (to the minute), in one statement. Forms go in a fixed order so that concurrent batches cannot deadlock.
func touchProfiles(tx *gorm.DB, forms map[Form]bool, now time.Time) error {
	if len(forms) == 0 {
		return nil
	}
	list := make([]Form, 0, len(forms))
	for f := range forms {
		list = append(list, f)
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].Host != list[j].Host {
			return list[i].Host < list[j].Host
		}
		return list[i].SchemaHash < list[j].SchemaHash
	})
	profiles := make([]models.FormProfile, len(list))
	for i, f := range list {
		profiles[i] = models.FormProfile{
			ID: uuid.Must(uuid.NewV7()).String(), Host: f.Host, SchemaHash: f.SchemaHash, HostFamily: Family(f.Host),
			Fields: models.NewJSON(models.StringMap{}), LastSeenAt: &now, CreatedAt: now, UpdatedAt: now,
		}
	}
	err := tx.Select("id", "host", "schema_hash", "host_family", "fields", "last_seen_at", "created_at", "updated_at", "event_count").
		Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "host"}, {Name: "schema_hash"}},
			DoUpdates: clause.AssignmentColumns([]string{"last_seen_at"}),
			// A busy form is rewritten at most once a minute, not on every batch.
			Where: clause.Where{Exprs: []clause.Expression{clause.Expr{
				SQL: "form_profiles.last_seen_at IS NULL OR form_profiles.last_seen_at < ?", Vars: []any{now.Add(-time.Minute)},
			}}},
		}).Create(&profiles).Error
	if err != nil {
		return fmt.Errorf("touch form profiles: %w", err)
	}
	return nil
}

// checkApplications refuses application ids that do not exist, where the original service's
// extension_applications table (and its foreign key) exists.
func checkApplications(tx *gorm.DB, events []models.AutofillEvent) error {
	want := map[int]int{}
	for i, e := range events {
		if e.ApplicationID != nil {
			if _, ok := want[*e.ApplicationID]; !ok {
				want[*e.ApplicationID] = i
			}
		}
	}
	if len(want) == 0 || !tx.Migrator().HasTable("extension_applications") {
		return nil
	}
	ids := make([]int, 0, len(want))
	for id := range want {
		ids = append(ids, id)
	}
	var found []int
	if err := tx.Table("extension_applications").Where("id IN ?", ids).Pluck("id", &found).Error; err != nil {
		return err
	}
	ok := map[int]bool{}
	for _, id := range found {
		ok[id] = true
	}
	sort.Ints(ids)
	for _, id := range ids {
		if !ok[id] {
			return &ErrUnknownApplication{Index: want[id], ID: id}
		}
	}
	return nil
}
