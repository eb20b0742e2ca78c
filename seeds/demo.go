package seeds

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store"
)

// Errors that stop a seeding run before it writes anything.
var (
	ErrRealData   = errors.New("the database holds events of real (non-demo) users")
	ErrDemoExists = errors.New("the database holds demo data already")
)

// Result is what a seeding run did.
type Result struct {
	World   *World
	Deleted Deleted       // what Reset removed first
	Events  int           // events written
	Users   []DemoUser    // demo users created
	Token   string        // an extension token of the first demo user (shown once)
	Elapsed time.Duration // time spent writing events
}

// Deleted counts the rows a reset removed.
type Deleted struct {
	Events, Tokens, Users, Profiles int64
}

// Seed writes a demo into db in one transaction: the generation styles (missing ones only),
// the demo users with a token each, and the events of NewWorld(opts). It refuses a database
// that holds events of non-demo users unless opts.Force, and one that holds demo data already
// unless opts.Reset (which deletes it first, in the same transaction).
func Seed(ctx context.Context, db *gorm.DB, opts Options) (*Result, error) {
	w, err := NewWorld(opts)
	if err != nil {
		return nil, err
	}
	opts = w.Opts
	if opts.Events == 0 && !opts.Reset {
		return nil, errors.New("nothing to do: events is 0 and reset is off")
	}
	res := &Result{World: w}
	err = inTx(ctx, db, func(tx *gorm.DB) error {
		if opts.Events > 0 && !opts.Force {
			n, err := countRealEvents(tx)
			if err != nil {
				return err
			}
			if n > 0 {
				return fmt.Errorf("%w (%d events): refusing to mix demo data in; pass --force to do it anyway", ErrRealData, n)
			}
		}
		if opts.Reset {
			if res.Deleted, err = deleteDemo(tx); err != nil {
				return err
			}
		}
		if opts.Events == 0 {
			return nil
		}
		var demoUsers int64
		if err := tx.Model(&models.User{}).Where("is_demo").Count(&demoUsers).Error; err != nil {
			return err
		}
		if demoUsers > 0 {
			return fmt.Errorf("%w (%d demo users): pass --reset to replace it", ErrDemoExists, demoUsers)
		}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(Styles()).Error; err != nil {
			return fmt.Errorf("generation styles: %w", err)
		}
		if err := createUsers(ctx, tx, w, res); err != nil {
			return err
		}
		started := time.Now()
		n, err := writeEvents(ctx, tx, w.generator(), opts.Progress, opts.Notify)
		res.Events, res.Elapsed = n, time.Since(started)
		return err
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// deleteDemo deletes the demo data (Options.Reset): the events and tokens of demo users, the
// demo users, and then the form profiles that have no events left. Nothing of a non-demo user
// is touched.
func deleteDemo(tx *gorm.DB) (Deleted, error) {
	var d Deleted
	const demoIDs = "SELECT id FROM users WHERE is_demo"
	steps := []struct {
		n   *int64
		sql string
	}{
		{&d.Events, "DELETE FROM autofill_events WHERE user_id IN (" + demoIDs + ")"},
		{&d.Tokens, "DELETE FROM api_tokens WHERE user_id IN (" + demoIDs + ")"},
		{&d.Users, "DELETE FROM users WHERE is_demo"},
		{&d.Profiles, `DELETE FROM form_profiles WHERE NOT EXISTS (SELECT 1 FROM autofill_events e
			WHERE e.host = form_profiles.host AND e.schema_hash = form_profiles.schema_hash)`},
	}
	for _, s := range steps {
		res := tx.Exec(s.sql)
		if res.Error != nil {
			return d, fmt.Errorf("reset demo data: %w", res.Error)
		}
		*s.n = res.RowsAffected
	}
	return d, nil
}

// countRealEvents counts the events of users that are not demo users (or are gone).
func countRealEvents(tx *gorm.DB) (int64, error) {
	var n int64
	err := tx.Raw(`SELECT COUNT(*) FROM autofill_events e LEFT JOIN users u ON u.id = e.user_id
		WHERE u.id IS NULL OR NOT u.is_demo`).Scan(&n).Error
	return n, err
}

// CountEvents counts all events (serve --demo seeds only an empty database).
func CountEvents(ctx context.Context, db *gorm.DB) (int64, error) {
	var n int64
	err := db.WithContext(ctx).Model(&models.AutofillEvent{}).Count(&n).Error
	return n, err
}

func createUsers(ctx context.Context, tx *gorm.DB, w *World, res *Result) error {
	now := time.Now().UTC()
	users := make([]models.User, len(w.Users))
	for i, u := range w.Users {
		name := u.Name
		users[i] = models.User{ID: u.ID, Email: u.Email, Name: &name, IsDemo: true, CreatedAt: now, UpdatedAt: now}
	}
	if err := tx.CreateInBatches(users, 500).Error; err != nil {
		return fmt.Errorf("demo users: %w", err)
	}
	for i, u := range w.Users {
		tok, err := account.IssueToken(ctx, tx, u.ID, "demo")
		if err != nil {
			return fmt.Errorf("demo token: %w", err)
		}
		if i == 0 {
			res.Token = tok.Plain
		}
	}
	res.Users = w.Users
	return nil
}

// inTx runs fn in one transaction. On Postgres it holds one connection and begins the
// transaction with SQL, so that the events can be copied in over the same connection (COPY
// needs the pgx connection that database/sql hides behind a *sql.Tx).
func inTx(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB) error) error {
	db = db.WithContext(ctx)
	if !store.IsPostgres(db) {
		return db.Transaction(fn)
	}
	return db.Connection(func(conn *gorm.DB) (err error) {
		// A new session per statement (as Transaction gives): conn alone would pile every
		// statement's conditions onto one shared Statement.
		conn = conn.Session(&gorm.Session{NewDB: true})
		if err := conn.Exec("BEGIN").Error; err != nil {
			return err
		}
		done := false
		defer func() {
			if !done {
				// A cancelled context cannot roll back; the pool then drops the connection,
				// which aborts the transaction all the same.
				conn.WithContext(context.WithoutCancel(ctx)).Exec("ROLLBACK")
			}
		}()
		if err := fn(conn); err != nil {
			return err
		}
		done = true
		return conn.Exec("COMMIT").Error
	})
}
