// Package seeds makes demo and test data: small named fixtures for unit tests (this file) and
// a deterministic generator of realistic demo data for the demo and benchmarks.
package seeds

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gofrs/flock"
	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store"
)

// Ev describes one autofill event for a test. Zero values get sensible defaults: user
// "u-test", status "ok", policy "exploit", created one hour ago.
type Ev struct {
	User       string
	Host       string
	SchemaHash string
	Style      string // gen_style_id; "" for none
	Segment    string // segment_key; "" for none
	Discipline string // discipline; "" for none
	Feedback   string // helpful | unhelpful | ""
	EditChars  *int
	Status     string
	Policy     string
	FinalMap   map[string]string
	Added      *int // edit_stats.total_chars_added
	Deleted    *int // edit_stats.total_chars_deleted
	DurationMS *int
	CreatedAt  time.Time
	Age        time.Duration // created this long before now, when CreatedAt is zero
}

// Times returns n copies of e.
func (e Ev) Times(n int) []Ev {
	out := make([]Ev, n)
	for i := range out {
		out[i] = e
	}
	return out
}

// Int returns a pointer to n, for the optional fields.
func Int(n int) *int { return &n }

// Concat joins event lists.
func Concat(lists ...[]Ev) []Ev {
	var out []Ev
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// EnsureUser creates a (demo) user with this id if it does not exist.
func EnsureUser(ctx context.Context, db *gorm.DB, id string) error {
	u := models.User{ID: id, Email: id + "@example.test", IsDemo: true, CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
	return db.WithContext(ctx).Where(models.User{ID: id}).FirstOrCreate(&u).Error
}

// Model turns a fixture into the stored event, derived columns included.
func (e Ev) Model(now time.Time) models.AutofillEvent {
	if e.User == "" {
		e.User = "u-test"
	}
	if e.Status == "" {
		e.Status = "ok"
	}
	if e.Policy == "" {
		e.Policy = "exploit"
	}
	if e.CreatedAt.IsZero() {
		age := e.Age
		if age == 0 {
			age = time.Hour
		}
		e.CreatedAt = now.Add(-age)
	}
	host := learning.NormalizeHost(e.Host)
	id := uuid.Must(uuid.NewV7()).String()
	m := models.AutofillEvent{
		ID:               id,
		EventID:          id,
		UserID:           e.User,
		Host:             host,
		SchemaHash:       e.SchemaHash,
		HostFamily:       learning.Family(host),
		SuggestedMap:     models.NewJSON(models.StringMap{}),
		FinalMap:         models.NewJSON(models.StringMap(e.FinalMap)),
		EditStats:        models.NewJSON(models.EditStats{TotalCharsAdded: e.Added, TotalCharsDeleted: e.Deleted}),
		DurationMS:       e.DurationMS,
		ValidationErrors: models.NewJSON(map[string]any{}),
		Status:           e.Status,
		EditChars:        e.EditChars,
		Policy:           &e.Policy,
		CreatedAt:        e.CreatedAt.UTC(),
	}
	if m.FinalMap.V == nil {
		m.FinalMap.V = models.StringMap{}
	}
	if e.Style != "" {
		m.GenStyleID = &e.Style
	}
	if e.Segment != "" {
		m.SegmentKey = &e.Segment
	}
	if e.Discipline != "" {
		v := int16(learning.DisciplineRulesVersion)
		m.Discipline, m.DisciplineRules = &e.Discipline, &v
	}
	if e.Feedback != "" {
		m.FeedbackStatus = &e.Feedback
		at := m.CreatedAt.Add(time.Minute)
		m.FeedbackAt = &at
	}
	learning.Derive(&m)
	return m
}

// Insert stores fixture events (creating their users) and returns them as stored.
func Insert(ctx context.Context, db *gorm.DB, evs []Ev) ([]models.AutofillEvent, error) {
	now := time.Now().UTC()
	users := map[string]bool{}
	rows := make([]models.AutofillEvent, 0, len(evs))
	for _, e := range evs {
		m := e.Model(now)
		if !users[m.UserID] {
			users[m.UserID] = true
			if err := EnsureUser(ctx, db, m.UserID); err != nil {
				return nil, fmt.Errorf("fixture user %s: %w", m.UserID, err)
			}
		}
		rows = append(rows, m)
	}
	if len(rows) == 0 {
		return rows, nil
	}
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.CreateInBatches(rows, 500).Error; err != nil {
			return err
		}
		if !store.IsPostgres(tx) || !tx.Migrator().HasTable("autofill_event_keys") { // a schema rolled back before it
			return nil
		}
		// Postgres keeps the replay keys apart (learning.SaveEvents): a fixture stored twice
		// fails, as a second sync of it would be skipped.
		for start := 0; start < len(rows); start += 500 {
			ids := make([]string, 0, 500)
			for _, r := range rows[start:min(start+500, len(rows))] {
				ids = append(ids, r.ID)
			}
			if err := tx.Exec(`INSERT INTO autofill_event_keys (user_id, event_id, created_at)
				SELECT user_id, event_id, created_at FROM autofill_events WHERE id IN ?`, ids).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("fixture events: %w", err)
	}
	return rows, nil
}

// AggregatorElsewhere makes the database look as if another process were running the
// aggregator: it records a running run with a fresh heartbeat and holds the aggregator's lock
// (Postgres: the advisory lock on a connection of its own; SQLite: the lock file's flock). release frees the lock and marks
// the run finished.
func AggregatorElsewhere(ctx context.Context, db *gorm.DB) (runID string, release func() error, err error) {
	now := time.Now().UTC()
	run := models.AggregatorRun{
		ID: uuid.Must(uuid.NewV7()).String(), Trigger: learning.TriggerSchedule, Days: 30,
		Status: learning.StatusRunning, SourceMix: models.NewJSON(map[string]int{}), StartedAt: now, HeartbeatAt: now,
	}
	unlock := func() error { return nil }
	if file, err := learning.RunLockFile(db); err != nil {
		return "", nil, err
	} else if file != "" {
		// SQLite: the flock another process's run holds (a new descriptor conflicts like one).
		f := flock.New(file)
		if err := f.Lock(); err != nil {
			return "", nil, fmt.Errorf("take the aggregator lock: %w", err)
		}
		unlock = f.Unlock
	}
	if store.IsPostgres(db) {
		_, release, _, err := store.HoldAdvisoryLock(ctx, db, store.LockAggregator, true)
		if err != nil {
			return "", nil, fmt.Errorf("take the aggregator lock: %w", err)
		}
		unlock = release
	}
	if err := db.WithContext(ctx).Create(&run).Error; err != nil {
		return "", nil, errors.Join(fmt.Errorf("record the running run: %w", err), unlock())
	}
	release = func() error {
		done := time.Now().UTC()
		err := db.Model(&models.AggregatorRun{}).Where("id = ?", run.ID).
			Updates(map[string]any{"status": learning.StatusOK, "finished_at": done}).Error
		return errors.Join(err, unlock())
	}
	return run.ID, release, nil
}
