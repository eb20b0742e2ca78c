package seeds

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/store"
)

// eventColumns are the columns the writers fill, in order.
var eventColumns = []string{
	"id", "event_id", "user_id", "host", "schema_hash", "host_family", "suggested_map", "final_map",
	"gen_style_id", "edit_stats", "duration_ms", "validation_errors", "status", "feedback_status",
	"edit_chars", "segment_key", "policy", "propensity", "occurred_at", "feedback_at", "created_at",
	"final_map_hash", "edit_total", "discipline", "discipline_rules",
}

// progressEvery is how many events pass between two progress reports.
const progressEvery = 10_000

// writeEvents writes every event of g in tx: COPY on Postgres, multi-row INSERTs on SQLite.
func writeEvents(ctx context.Context, tx *gorm.DB, g *generator, progress func(done, total int), notify func(string)) (int, error) {
	if progress == nil {
		progress = func(int, int) {}
	}
	if notify == nil {
		notify = func(string) {}
	}
	progress(0, g.total())
	var (
		n   int
		err error
	)
	if store.IsPostgres(tx) {
		n, err = copyEvents(ctx, tx, g, progress, notify)
	} else {
		n, err = insertEvents(ctx, tx, g, progress)
	}
	if err != nil {
		return n, fmt.Errorf("write events: %w", err)
	}
	progress(n, g.total())
	return n, nil
}

// rebuildMin is the size from which a seed into a table that holds fewer rows than it adds
// drops the table's non-unique secondary indexes and foreign keys and puts them back after the
// COPY: one sort per index and one join per key, instead of a million random index inserts and
// key lookups (PostgreSQL's "Populating a Database" advice). Unique indexes stay, and the
// event identity (autofill_event_keys' primary key) is not touched: it is what keeps a replayed
// sync from being stored twice, and the database may be serving. It all happens in the seeding transaction, so a failure restores
// everything; the events table is locked meanwhile.
const rebuildMin = 200_000

// copyEvents streams the events into COPY on the transaction's pgx connection. pgx encodes
// rows on its own goroutine while the server inserts, so generating, encoding and inserting
// overlap.
func copyEvents(ctx context.Context, tx *gorm.DB, g *generator, progress func(done, total int), notify func(string)) (int, error) {
	conn, ok := tx.Statement.ConnPool.(*sql.Conn)
	if !ok {
		return 0, fmt.Errorf("COPY needs a dedicated connection, got %T", tx.Statement.ConnPool)
	}
	var later *deferred
	if g.total() >= rebuildMin {
		var existing int64
		err := tx.Raw("SELECT COUNT(*) FROM (SELECT 1 FROM autofill_events LIMIT ?) t", g.total()).Scan(&existing).Error
		if err != nil {
			return 0, err
		}
		if existing < int64(g.total()) {
			if later, err = deferIndexesAndKeys(tx); err != nil {
				return 0, err
			}
		}
	}
	var n int64
	err := conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("COPY needs the pgx driver, got %T", dc)
		}
		src := &copySource{g: g, progress: progress, vals: make([]any, len(eventColumns))}
		var err error
		n, err = sc.Conn().CopyFrom(ctx, pgx.Identifier{"autofill_events"}, eventColumns, src)
		return err
	})
	if err != nil {
		return int(n), err
	}
	if later != nil {
		progress(int(n), g.total())
		notify(fmt.Sprintf("building %d indexes and checking %d foreign key(s) of autofill_events", len(later.indexes), len(later.keys)))
		if err := later.restore(tx); err != nil {
			return int(n), err
		}
	}
	return int(n), copiedKeys(tx)
}

// copiedKeys stores the replay keys of the events this transaction copied (the events'
// partitioned table has no unique key of its own: learning.SaveEvents). Without ON CONFLICT:
// an event stored before, or twice in the seed, fails the seed, as the unique index it
// replaces did.
func copiedKeys(tx *gorm.DB) error {
	err := tx.Exec(`INSERT INTO autofill_event_keys (user_id, event_id, created_at)
		SELECT user_id, event_id, created_at FROM autofill_events WHERE xmin = pg_current_xact_id()::xid`).Error
	if err != nil {
		return fmt.Errorf("store the events' replay keys: %w", err)
	}
	return nil
}

// deferred holds what deferIndexesAndKeys dropped: statements that create it again.
type deferred struct{ indexes, keys []pgObject }

// pgObject is an index or a constraint: its name and the statement (or definition) that makes
// it. An index of the partitioned events table also lists its partitions' indexes (parts).
type pgObject struct {
	Oid       uint32
	Name, Def string
	parts     []pgObject
}

// deferIndexesAndKeys drops the indexes of autofill_events that back no constraint and are not
// unique (all but the primary key and the event identity), and its foreign keys.
func deferIndexesAndKeys(tx *gorm.DB) (*deferred, error) {
	d := &deferred{}
	err := tx.Raw(`SELECT i.oid, format('%I.%I', n.nspname, i.relname) AS name, pg_get_indexdef(i.oid) AS def
		FROM pg_index x
		JOIN pg_class i ON i.oid = x.indexrelid
		JOIN pg_namespace n ON n.oid = i.relnamespace
		WHERE x.indrelid = 'autofill_events'::regclass AND NOT x.indisunique
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
		ORDER BY i.relname`).Scan(&d.indexes).Error
	if err != nil {
		return nil, fmt.Errorf("list indexes: %w", err)
	}
	for i, ix := range d.indexes {
		err := tx.Raw(`SELECT format('%I.%I', n.nspname, c.relname) AS name, pg_get_indexdef(c.oid) AS def
			FROM pg_inherits h JOIN pg_class c ON c.oid = h.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
			WHERE h.inhparent = ? ORDER BY c.relname`, ix.Oid).Scan(&d.indexes[i].parts).Error
		if err != nil {
			return nil, fmt.Errorf("list the partitions' indexes of %s: %w", ix.Name, err)
		}
	}
	err = tx.Raw(`SELECT format('%I', conname) AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
		WHERE conrelid = 'autofill_events'::regclass AND contype = 'f' ORDER BY conname`).Scan(&d.keys).Error
	if err != nil {
		return nil, fmt.Errorf("list foreign keys: %w", err)
	}
	for _, k := range d.keys {
		if err := tx.Exec("ALTER TABLE autofill_events DROP CONSTRAINT " + k.Name).Error; err != nil {
			return nil, fmt.Errorf("drop foreign key %s: %w", k.Name, err)
		}
	}
	for _, ix := range d.indexes {
		if err := tx.Exec("DROP INDEX " + ix.Name).Error; err != nil {
			return nil, fmt.Errorf("drop index %s: %w", ix.Name, err)
		}
	}
	return d, nil
}

// restore builds the indexes again, as they were, and adds the foreign keys back, checking
// every row. An index of the partitioned table is made the way PostgreSQL makes one by hand:
// on the parent alone (its definition says ON ONLY, and leaves it invalid), then each
// partition's, under its own name, attached to it, which makes it valid once all are.
func (d *deferred) restore(tx *gorm.DB) error {
	if err := tx.Exec("SET LOCAL maintenance_work_mem = '256MB'").Error; err != nil {
		return err
	}
	for _, ix := range d.indexes {
		def := ix.Def
		if len(ix.parts) == 0 {
			// A parent's index with no partition's under it (left invalid by an older seed):
			// built on every partition at once, which repairs it.
			def = strings.Replace(def, " ON ONLY ", " ON ", 1)
		}
		if err := tx.Exec(def).Error; err != nil {
			return fmt.Errorf("rebuild index %s: %w", ix.Name, err)
		}
		for _, part := range ix.parts {
			if err := tx.Exec(part.Def).Error; err != nil {
				return fmt.Errorf("rebuild index %s: %w", part.Name, err)
			}
			if err := tx.Exec("ALTER INDEX " + ix.Name + " ATTACH PARTITION " + part.Name).Error; err != nil {
				return fmt.Errorf("attach index %s to %s: %w", part.Name, ix.Name, err)
			}
		}
	}
	for _, k := range d.keys {
		if err := tx.Exec("ALTER TABLE autofill_events ADD CONSTRAINT " + k.Name + " " + k.Def).Error; err != nil {
			return fmt.Errorf("restore foreign key %s: %w", k.Name, err)
		}
	}
	return nil
}

// copySource is a pgx.CopyFromSource over the generator.
type copySource struct {
	g        *generator
	ev       event
	done     int
	progress func(done, total int)
	vals     []any
}

func (s *copySource) Next() bool {
	if !s.g.next(&s.ev) {
		return false
	}
	if s.done++; s.done%progressEvery == 0 {
		s.progress(s.done, s.g.total())
	}
	return true
}

// Values reuses one slice: pgx encodes a row before it asks for the next.
func (s *copySource) Values() ([]any, error) {
	e := &s.ev
	id := pgtype.UUID{Bytes: e.ID, Valid: true}
	v := s.vals
	v[0], v[1], v[2], v[3], v[4], v[5] = id, id, e.UserID, e.Host, e.SchemaHash, e.Family
	v[6], v[7], v[8], v[9] = e.Suggested, e.Final, nullString(e.Style), e.EditStats
	v[10], v[11], v[12], v[13] = nullInt32(e.DurationMS), e.Validation, e.Status, nullString(e.Feedback)
	v[14], v[15], v[16], v[17] = nullInt32(e.EditChars), nullString(e.Segment), e.Policy, nullFloat(e.Propensity)
	v[18], v[19], v[20] = e.OccurredAt, nullTime(e), e.CreatedAt
	v[21], v[22] = e.FinalHash, int64(e.EditTotal)
	v[23], v[24] = disciplineOf(e)
	return v, nil
}

func (s *copySource) Err() error { return nil }

// disciplineOf is an event's discipline and the version of the rules that gave it, as the
// ingest path stores them (NULL without a job).
func disciplineOf(e *event) (any, any) {
	if e.Discipline == "" {
		return nil, nil
	}
	return e.Discipline, int16(learning.DisciplineRulesVersion)
}

// sqliteBatch is the number of rows per INSERT (25 parameters each, under SQLite's 32766).
const sqliteBatch = 32

// insertEvents writes the events with prepared multi-row INSERTs inside the transaction.
func insertEvents(ctx context.Context, tx *gorm.DB, g *generator, progress func(done, total int)) (int, error) {
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			_ = st.Close()
		}
	}()
	// A transaction of thousands of rows across a dozen indexes outgrows SQLite's default page
	// cache (2 MB) and spills to the WAL as it goes; a larger cache, for this run only, keeps
	// the pages in memory until the commit.
	var cacheSize int64
	if err := tx.Raw("PRAGMA cache_size").Scan(&cacheSize).Error; err != nil {
		return 0, err
	}
	if err := tx.Exec("PRAGMA cache_size = -262144").Error; err != nil { // 256 MB
		return 0, err
	}
	defer tx.Exec(fmt.Sprintf("PRAGMA cache_size = %d", cacheSize))
	args := make([]any, 0, sqliteBatch*len(eventColumns))
	var ev event
	done, lastReport := 0, 0
	flush := func(rows int) error {
		st, ok := stmts[rows]
		if !ok {
			var err error
			if st, err = tx.Statement.ConnPool.PrepareContext(ctx, insertSQL(rows)); err != nil {
				return err
			}
			stmts[rows] = st
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return err
		}
		done += rows
		args = args[:0]
		if done-lastReport >= progressEvery {
			lastReport = done
			progress(done, g.total())
		}
		return nil
	}
	rows := 0
	for g.next(&ev) {
		id := uuid.UUID(ev.ID).String()
		args = append(args, id, id, ev.UserID, ev.Host, ev.SchemaHash, ev.Family, ev.Suggested, ev.Final,
			nullString(ev.Style), ev.EditStats, nullInt64(ev.DurationMS), ev.Validation, ev.Status, nullString(ev.Feedback),
			nullInt64(ev.EditChars), nullString(ev.Segment), ev.Policy, nullFloat(ev.Propensity), ev.OccurredAt, nullTime(&ev), ev.CreatedAt,
			ev.FinalHash, int64(ev.EditTotal))
		d, rules := disciplineOf(&ev)
		args = append(args, d, rules)
		if rows++; rows == sqliteBatch {
			if err := flush(rows); err != nil {
				return done, err
			}
			rows = 0
		}
		if err := ctx.Err(); err != nil {
			return done, err
		}
	}
	if rows > 0 {
		if err := flush(rows); err != nil {
			return done, err
		}
	}
	if done != g.total() {
		return done, errors.New("generator stopped early")
	}
	return done, nil
}

func insertSQL(rows int) string {
	return store.InsertSQL("autofill_events", eventColumns, rows, false)
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullInt32(n int) any {
	if n < 0 {
		return nil
	}
	return int32(n)
}

func nullInt64(n int) any {
	if n < 0 {
		return nil
	}
	return int64(n)
}

func nullFloat(x float64) any {
	if x < 0 {
		return nil
	}
	return x
}

func nullTime(e *event) any {
	if e.FeedbackAt.IsZero() {
		return nil
	}
	return e.FeedbackAt
}
