package learning_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/migrations"
)

// TestSyncTouchesProfiles: a batch creates the profile of each form it stores an event on and
// of the form it touches, leaves a form it only replayed alone, and moves a profile's
// last_seen_at at most once a minute, on both databases (on Postgres the touch is part of the
// insert's statement).
func TestSyncTouchesProfiles(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		require.NoError(t, db.Exec("INSERT INTO users (id, email) VALUES ('u-1', 'u1@example.test')").Error)
		ev := func(id, host, schema string) models.AutofillEvent {
			return models.AutofillEvent{EventID: id, Host: host, SchemaHash: schema, Status: "ok"}
		}
		seen := func(host, schema string) *time.Time {
			var p []models.FormProfile
			require.NoError(t, db.Where("host = ? AND schema_hash = ?", host, schema).Find(&p).Error)
			if len(p) == 0 {
				return nil
			}
			require.NotNil(t, p[0].LastSeenAt, host)
			return p[0].LastSeenAt
		}
		const a, b, c = "01930000-0000-7000-8000-00000000000a", "01930000-0000-7000-8000-00000000000b", "01930000-0000-7000-8000-00000000000c"
		touched := learning.Form{Host: "jobs.lever.co", SchemaHash: "only-touched"}
		res, err := learning.SaveEvents(ctx, db, "u-1", []models.AutofillEvent{ev(a, "boards.greenhouse.io", "gh-1"), ev(b, "boards.greenhouse.io", "gh-2")}, &touched)
		require.NoError(t, err)
		require.Equal(t, 2, res.Saved)
		require.NotNil(t, seen("boards.greenhouse.io", "gh-1"))
		require.NotNil(t, seen("boards.greenhouse.io", "gh-2"))
		require.NotNil(t, seen("jobs.lever.co", "only-touched"), "a touched form gets a profile without an event")

		// A replay stores nothing and creates no profile for a form it alone names.
		require.NoError(t, db.Exec("DELETE FROM form_profiles WHERE schema_hash = 'gh-2'").Error)
		res, err = learning.SaveEvents(ctx, db, "u-1", []models.AutofillEvent{ev(b, "boards.greenhouse.io", "gh-2")}, nil)
		require.NoError(t, err)
		require.Equal(t, 1, res.Duplicates)
		require.Nil(t, seen("boards.greenhouse.io", "gh-2"), "a replayed event touches nothing")

		// Seen within the minute: left as it is. Seen before that: moved to now.
		old := time.Now().UTC().Add(-2 * time.Minute).Truncate(time.Second)
		recent := time.Now().UTC().Add(-10 * time.Second).Truncate(time.Second)
		require.NoError(t, db.Exec("UPDATE form_profiles SET last_seen_at = ? WHERE schema_hash = 'gh-1'", old).Error)
		require.NoError(t, db.Exec("UPDATE form_profiles SET last_seen_at = ? WHERE schema_hash = 'only-touched'", recent).Error)
		before := time.Now().UTC().Add(-time.Second)
		_, err = learning.SaveEvents(ctx, db, "u-1", []models.AutofillEvent{ev(c, "boards.greenhouse.io", "gh-1")}, &touched)
		require.NoError(t, err)
		require.True(t, seen("boards.greenhouse.io", "gh-1").After(before), "seen two minutes ago: moved")
		require.True(t, seen("jobs.lever.co", "only-touched").Equal(recent), "seen 10 s ago: kept, got %v", seen("jobs.lever.co", "only-touched"))

		// A batch of no events still touches its form.
		other := learning.Form{Host: "jobs.lever.co", SchemaHash: "touch-only"}
		res, err = learning.SaveEvents(ctx, db, "u-1", nil, &other)
		require.NoError(t, err)
		require.Zero(t, res.Saved)
		require.NotNil(t, seen(other.Host, other.SchemaHash), "a touch without events")
	})
}

// TestSyncLocksProfilesInTheRunsOrder (Postgres): a sync locks the profiles it touches in the
// byte order of (host, schema_hash), as an aggregator run writes them, whatever the
// database's collation, so the two cannot deadlock. The test's database sorts with ICU's
// en-US, under which "a1" comes before "B1" (in bytes "B1" does): a transaction standing for a
// run locks "B1", the sync waits for it, and the run then locks "a1".
func TestSyncLocksProfilesInTheRunsOrder(t *testing.T) {
	storetest.Postgres(t, "a lock order test")
	admin, err := sql.Open("pgx", os.Getenv("TEST_DATABASE_URL"))
	require.NoError(t, err)
	name := "applylens_t_" + strings.ReplaceAll(uuid.NewString(), "-", "")[:16]
	_, err = admin.Exec("CREATE DATABASE " + name + " TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'")
	require.NoError(t, err)
	t.Cleanup(func() {
		_, err := admin.Exec("DROP DATABASE " + name + " WITH (FORCE)")
		assert.NoError(t, err, "drop the test's database")
		admin.Close()
	})
	u, err := url.Parse(os.Getenv("TEST_DATABASE_URL"))
	require.NoError(t, err)
	u.Path = "/" + name
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"DATABASE_URL": u.String(), "APP_ENV": "test"}[k]
	})
	require.NoError(t, err)
	db := storetest.OpenConfig(t, cfg)
	ctx := context.Background()
	require.NoError(t, migrations.Up(ctx, db))
	require.NoError(t, db.Exec("INSERT INTO users (id, email) VALUES ('u-1', 'u1@example.test')").Error)
	stale := time.Now().UTC().Add(-time.Hour)
	for _, schema := range []string{"B1", "a1"} {
		require.NoError(t, db.Exec(`INSERT INTO form_profiles (id, host, schema_hash, host_family, fields, last_seen_at, created_at, updated_at)
			VALUES (gen_random_uuid(), 'jobs.lever.co', ?, 'lever', '{}', ?, ?, ?)`, schema, stale, stale, stale).Error)
	}
	run := db.Begin()
	require.NoError(t, run.Error)
	defer run.Rollback()
	require.NoError(t, run.Exec("UPDATE form_profiles SET updated_at = now() WHERE schema_hash = 'B1'").Error)

	synced := make(chan error, 1)
	go func() {
		_, err := learning.SaveEvents(ctx, db, "u-1", []models.AutofillEvent{
			{Host: "jobs.lever.co", SchemaHash: "a1", Status: "ok"}, {Host: "jobs.lever.co", SchemaHash: "B1", Status: "ok"}}, nil)
		synced <- err
	}()
	require.Eventually(t, func() bool {
		var waiting int64
		require.NoError(t, db.Raw(`SELECT COUNT(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'WITH v %'`).Scan(&waiting).Error)
		return waiting == 1
	}, 10*time.Second, 20*time.Millisecond, "the sync waits for the run's lock on B1")
	require.NoError(t, run.Exec("UPDATE form_profiles SET updated_at = now() WHERE schema_hash = 'a1'").Error, "the run is not deadlocked")
	require.NoError(t, run.Commit().Error)
	require.NoError(t, <-synced)
}

// TestHeldRatingGoesOnce: a held rating that a new read of the form falls back (to the latest
// event) while a sync that would attach it is under way is not attached to the sync's event
// too: the sync reads the held rating again in its transaction. The new read comes right after
// the sync's first read of profile_reads, from another goroutine (on SQLite it waits for the
// sync's writer to finish: then the sync attached it first, and the read finds nothing held).
func TestHeldRatingGoesOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		require.NoError(t, db.Exec("INSERT INTO users (id, email) VALUES ('u-1', 'u1@example.test')").Error)
		f := learning.Form{Host: "jobs.lever.co", SchemaHash: "held"}
		style := "concise_bullets_v1"
		ev := func(id string) models.AutofillEvent {
			return models.AutofillEvent{EventID: id, Host: f.Host, SchemaHash: f.SchemaHash, Status: "ok", GenStyleID: &style}
		}
		_, err := learning.SaveEvents(ctx, db, "u-1", []models.AutofillEvent{ev("01930000-0000-7000-8000-0000000000e0")}, nil)
		require.NoError(t, err)
		now := time.Now().UTC()
		require.NoError(t, learning.RecordProfileRead(ctx, db, "u-1", f, learning.Served{PreferredStyleID: style}, now))
		a, err := learning.RateForm(ctx, db, "u-1", f, style, learning.Helpful, now)
		require.NoError(t, err)
		require.Equal(t, learning.AttributedHeld, a.Mode)

		var armed atomic.Bool
		armed.Store(true)
		reread := make(chan error, 1)
		require.NoError(t, db.Callback().Query().After("gorm:query").Register("test:new_read", func(tx *gorm.DB) {
			if tx.Statement.Table != "profile_reads" || !armed.CompareAndSwap(true, false) {
				return
			}
			go func() {
				reread <- learning.RecordProfileRead(ctx, db, "u-1", f, learning.Served{PreferredStyleID: style}, time.Now().UTC())
			}()
			select { // let it commit when it can (Postgres: at once; SQLite: after the sync)
			case err := <-reread:
				reread <- err
			case <-time.After(300 * time.Millisecond):
			}
		}))
		_, err = learning.SaveEvents(ctx, db, "u-1", []models.AutofillEvent{ev("01930000-0000-7000-8000-0000000000e1")}, nil)
		require.NoError(t, err)
		require.NoError(t, <-reread)
		require.False(t, armed.Load(), "the sync read profile_reads")
		var rated int64
		require.NoError(t, db.Model(&models.AutofillEvent{}).Where("feedback_status IS NOT NULL").Count(&rated).Error)
		require.EqualValues(t, 1, rated, "one rating, one rated event")
	})
}

// TestLargeBatchInParts: a batch of more events than one statement stores (Postgres: 1,000;
// SQLite: 50) is stored whole, in parts within one transaction, the replay of an event stored
// before skipped in a later part, every form touched once.
func TestLargeBatchInParts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		require.NoError(t, db.Exec("INSERT INTO users (id, email) VALUES ('u-1', 'u1@example.test')").Error)
		batch := make([]models.AutofillEvent, 1201)
		for i := range batch {
			batch[i] = models.AutofillEvent{EventID: uuid.NewString(), Host: "boards.greenhouse.io", SchemaHash: fmt.Sprintf("f-%d", i%600), Status: "ok"}
		}
		before := models.AutofillEvent{EventID: uuid.NewString(), Host: "boards.greenhouse.io", SchemaHash: "f-0", Status: "ok"}
		_, err := learning.SaveEvents(ctx, db, "u-1", []models.AutofillEvent{before}, nil)
		require.NoError(t, err)
		batch[1100].EventID = before.EventID // in the second part on Postgres, the 23rd on SQLite
		touched := learning.Form{Host: "jobs.lever.co", SchemaHash: "touched"}
		res, err := learning.SaveEvents(ctx, db, "u-1", batch, &touched)
		require.NoError(t, err)
		require.Equal(t, 1200, res.Saved)
		require.Equal(t, 1, res.Duplicates)
		require.True(t, res.Events[1100].Duplicate)
		require.EqualValues(t, 1201, storetest.Count(t, db, "autofill_events"))
		require.EqualValues(t, 601, storetest.Count(t, db, "form_profiles"))
	})
}

// TestSyncInEveryQueryMode (Postgres): a sync stores its batch whatever pgx's query mode
// DATABASE_URL sets; simple_protocol is what PgBouncer's transaction pooling needs, and neither
// it nor exec describes a statement before sending its arguments.
func TestSyncInEveryQueryMode(t *testing.T) {
	b := storetest.Postgres(t, "pgx's query modes")
	for _, mode := range []string{"simple_protocol", "exec", "cache_describe"} {
		t.Run(mode, func(t *testing.T) {
			cfg := b.Config(t)
			require.NoError(t, migrations.Up(context.Background(), storetest.OpenConfig(t, cfg)))
			cfg.DatabaseURL += "&default_query_exec_mode=" + mode
			db := storetest.OpenConfig(t, cfg)
			ctx := context.Background()
			require.NoError(t, db.Exec("INSERT INTO users (id, email) VALUES ('u-1', 'u1@example.test')").Error)
			style, took, rules := "concise_bullets_v1", 1200, int16(1)
			full := models.AutofillEvent{EventID: uuid.NewString(), Host: "boards.greenhouse.io", SchemaHash: "gh-1", Status: "ok",
				GenStyleID: &style, DurationMS: &took, DisciplineRules: &rules, OccurredAt: &stale,
				SuggestedMap: models.NewJSON(models.StringMap{"#a": "it's \"quoted\", {braced}"}),
				FinalMap:     models.NewJSON(models.StringMap{"#a": "x"})}
			bare := models.AutofillEvent{EventID: uuid.NewString(), Host: "jobs.lever.co", SchemaHash: "lv-1", Status: "ok"}
			res, err := learning.SaveEvents(ctx, db, "u-1", []models.AutofillEvent{full, bare}, nil)
			require.NoError(t, err)
			require.Equal(t, 2, res.Saved)
			var got models.AutofillEvent
			require.NoError(t, db.Where("event_id = ?", full.EventID).Take(&got).Error)
			require.Equal(t, "it's \"quoted\", {braced}", got.SuggestedMap.V["#a"])
			require.Equal(t, took, *got.DurationMS)
			require.True(t, got.OccurredAt.Equal(stale))
			var none models.AutofillEvent
			require.NoError(t, db.Where("event_id = ?", bare.EventID).Take(&none).Error)
			require.Nil(t, none.DurationMS)
			require.Nil(t, none.GenStyleID)
			res, err = learning.SaveEvents(ctx, db, "u-1", []models.AutofillEvent{bare}, nil)
			require.NoError(t, err)
			require.Equal(t, 1, res.Duplicates)
			require.EqualValues(t, 2, storetest.Count(t, db, "form_profiles"))
		})
	}
}

// stale is a fixed time in the past, to the microsecond (what Postgres keeps).
var stale = time.Date(2026, 11, 30, 8, 15, 30, 123456000, time.UTC)

// TestDroppedHeldRatingIsLogged: a rating held for a run (202 "held") whose run arrives with
// another style, and which no earlier event of its style on the form can take, is dropped, as
// the attribution rules say; the log says so, since no reply to the client does. Serial: it
// swaps slog's default logger.
func TestDroppedHeldRatingIsLogged(t *testing.T) {
	storetest.EachSerial(t, func(t *testing.T, db *gorm.DB) {
		var logged bytes.Buffer
		was, out, flags := slog.Default(), log.Writer(), log.Flags()
		slog.SetDefault(slog.New(slog.NewTextHandler(&logged, nil)))
		defer func() { // SetDefault also sent the log package's output to the handler
			slog.SetDefault(was)
			log.SetOutput(out)
			log.SetFlags(flags)
		}()

		ctx := context.Background()
		require.NoError(t, db.Exec("INSERT INTO users (id, email) VALUES ('u-1', 'u1@example.test')").Error)
		f := learning.Form{Host: "jobs.lever.co", SchemaHash: "dropped"}
		rated, served := "concise_bullets_v1", "narrative_para_v1"
		now := time.Now().UTC()
		require.NoError(t, learning.RecordProfileRead(ctx, db, "u-1", f, learning.Served{PreferredStyleID: rated}, now))
		a, err := learning.RateForm(ctx, db, "u-1", f, rated, learning.Helpful, now)
		require.NoError(t, err)
		require.Equal(t, learning.AttributedHeld, a.Mode)
		require.NotContains(t, logged.String(), "held rating dropped")

		_, err = learning.SaveEvents(ctx, db, "u-1", []models.AutofillEvent{{EventID: uuid.NewString(), Host: f.Host,
			SchemaHash: f.SchemaHash, Status: "ok", GenStyleID: &served}}, nil)
		require.NoError(t, err)
		var ratedEvents int64
		require.NoError(t, db.Model(&models.AutofillEvent{}).Where("feedback_status IS NOT NULL").Count(&ratedEvents).Error)
		require.Zero(t, ratedEvents, "the run of another style is not rated")
		require.Contains(t, logged.String(), "held rating dropped: its run's event came with another style, "+
			"and the form has no event of its style in the 24 hours before it")
		require.Contains(t, logged.String(), "schema_hash=dropped")
		require.Contains(t, logged.String(), "gen_style_id="+rated)

		// Held again, then a new read of the form before any run: dropped for that reason.
		g := learning.Form{Host: f.Host, SchemaHash: "replaced"}
		require.NoError(t, learning.RecordProfileRead(ctx, db, "u-1", g, learning.Served{PreferredStyleID: rated}, now))
		_, err = learning.RateForm(ctx, db, "u-1", g, rated, learning.Unhelpful, now)
		require.NoError(t, err)
		require.NoError(t, learning.RecordProfileRead(ctx, db, "u-1", g, learning.Served{PreferredStyleID: rated}, now.Add(time.Minute)))
		require.Contains(t, logged.String(), "held rating dropped: a new read of the form replaced it before its run's event came")
		require.Contains(t, logged.String(), "schema_hash=replaced")
	})
}
