package learning

import (
	"context"
	"database/sql/driver"
	"fmt"
	"sort"
	"strconv"
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

// SaveEvents stores one batch of a user's events atomically: a multi-row insert that skips
// events already stored (same user and event_id: a replay), and an upsert of each distinct
// form's profile last_seen_at (touch also marks a form that has no event in this batch). On
// Postgres both are one statement, which needs no transaction unless the batch takes more
// than one or a held rating is attached too. The statements per batch are bounded whatever
// its size. Events must be normalised and valid; their ID, EventID, UserID, HostFamily and
// CreatedAt are set here when empty, and their derived columns (Derive) always.
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

	pg := store.IsPostgres(db)
	// Postgres reads the caller's profile reads first, outside a transaction: a batch that
	// holds no rating is then one statement (keyedInsertSQL), atomic by itself, and a
	// transaction would only add two round trips (BEGIN, COMMIT) to every sync.
	var reads map[Form]*models.ProfileRead
	if pg && len(rows) > 0 {
		var err error
		if reads, err = readsFor(db.WithContext(ctx), userID, rows, false); err != nil {
			return nil, err
		}
	}
	var dropped []droppedRating // held ratings attachHeld dropped: logged once the batch commits
	write := func(tx *gorm.DB) error {
		if err := checkApplications(tx, events); err != nil {
			return err
		}
		imputePropensities(rows, reads, now)
		inserted := map[string]bool{}
		if err := insertEvents(ctx, tx, rows, touch, now, inserted); err != nil {
			return fmt.Errorf("insert events: %w", err)
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
		var err error
		if dropped, err = attachHeld(tx, res.Inserted, reads, now); err != nil {
			return err
		}
		if pg && len(rows) > 0 {
			return nil // insertEvents touched the profiles
		}
		return touchProfiles(tx, forms, now)
	}
	var err error
	if pg && len(rows) <= pgInsertChunk && !holdsRating(rows, reads) {
		err = write(db.WithContext(ctx))
	} else {
		err = db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			// The reads again, in the transaction (locked on Postgres; SQLite's writer holds the
			// database): a new read or rating of a form may have moved its held rating since,
			// and attachHeld must not attach one that another writer has given away.
			if len(rows) > 0 {
				var err error
				if reads, err = readsFor(tx, userID, rows, pg); err != nil {
					return err
				}
			}
			return write(tx)
		})
	}
	if err != nil {
		return nil, err
	}
	logDropped(ctx, dropped)
	for _, e := range res.Events {
		if e.Duplicate {
			res.Duplicates++
		} else {
			res.Saved++
		}
	}
	return res, nil
}

// eventColumns are the columns a sync writes, in the order insertEvents binds them, and
// eventTypes their Postgres types, of keyedInsertSQL's arrays.
var eventColumns, eventTypes = typedColumns(
	"id uuid", "event_id uuid", "user_id varchar", "host text", "schema_hash text", "host_family varchar",
	"suggested_map jsonb", "final_map jsonb", "gen_style_id text", "edit_stats jsonb", "duration_ms integer",
	"validation_errors jsonb", "status text", "application_id integer", "feedback_status text", "edit_chars integer",
	"segment_key varchar", "policy varchar", "propensity double precision", "occurred_at timestamptz",
	"feedback_at timestamptz", "created_at timestamptz", "final_map_hash bigint", "edit_total bigint",
	"propensity_imputed boolean", "discipline varchar", "discipline_rules smallint")

// formColumns and formTypes are the columns of keyedInsertSQL's second list: the forms of a
// batch, each with the id of its profile if the statement creates it, and touch for the
// form a batch touches whether or not it stores an event there.
var formColumns, formTypes = typedColumns("id uuid", "host text", "schema_hash text", "host_family varchar", "touch boolean")

// typedColumns splits "name type" pairs into the names and the types.
func typedColumns(pairs ...string) (names, types []string) {
	for _, p := range pairs {
		name, typ, _ := strings.Cut(p, " ")
		names, types = append(names, name), append(types, typ)
	}
	return names, types
}

// keyedInsertSQL is the Postgres write of a batch's events in one statement, given as one
// array per column of eventColumns, then of formColumns (its forms), then the time and the
// touch's cutoff: the events' replay keys first (autofill_event_keys, ON CONFLICT DO NOTHING
// RETURNING), then the events whose key was new (ON CONFLICT DO NOTHING too: while a
// conversion to partitions keys the older events, the table still has its unique (user_id,
// event_id) index, and a replay of an event not keyed yet meets it there), then the profile
// of each form that got one of them or is touched, created or marked seen as touchProfiles
// does it. A form seen within the minute
// is left out before the upsert: ON CONFLICT DO UPDATE locks (and logs a lock on) the row it
// meets even when its WHERE then refuses the update, so a busy form's row would be locked by
// every sync until it commits. It returns the id of each event stored.
func keyedInsertSQL() string {
	cols := strings.Join(eventColumns, ", ")
	n := len(eventColumns) + len(formColumns) // the arrays' parameters, before now and the cutoff
	now, cutoff := "$"+strconv.Itoa(n+1), "$"+strconv.Itoa(n+2)
	return "WITH v (" + cols + ") AS (SELECT * FROM unnest(" + arrayParams(1, eventTypes) + ")), f (" +
		strings.Join(formColumns, ", ") + ") AS (SELECT * FROM unnest(" + arrayParams(len(eventColumns)+1, formTypes) + `)),
	k AS (INSERT INTO autofill_event_keys (user_id, event_id, created_at)
		SELECT user_id, event_id, created_at FROM v ON CONFLICT DO NOTHING RETURNING user_id, event_id),
	e AS (INSERT INTO autofill_events (` + cols + `) SELECT ` + cols + ` FROM v
		WHERE (user_id, event_id) IN (SELECT user_id, event_id FROM k) ON CONFLICT DO NOTHING RETURNING id, host, schema_hash),
	p AS (INSERT INTO form_profiles (id, host, schema_hash, host_family, fields, last_seen_at, created_at, updated_at, event_count)
		SELECT id, host, schema_hash, host_family, '{}', ` + now + `, ` + now + `, ` + now + `, 0 FROM f
		WHERE (touch OR (host, schema_hash) IN (SELECT host, schema_hash FROM e))
			AND NOT EXISTS (SELECT 1 FROM form_profiles s WHERE s.host = f.host AND s.schema_hash = f.schema_hash
				AND s.last_seen_at >= ` + cutoff + `)
		ORDER BY host COLLATE "C", schema_hash COLLATE "C" -- byte order, as a run writes them: no deadlock
		ON CONFLICT (host, schema_hash) DO UPDATE SET last_seen_at = excluded.last_seen_at
		WHERE ` + touchedBefore(cutoff) + `)
	SELECT id FROM e`
}

// keyedInsert is keyedInsertSQL's text, the same for every batch.
var keyedInsert = keyedInsertSQL()

// arrayParams is "$first::t1[], $first+1::t2[], …": one array parameter per column.
func arrayParams(first int, types []string) string {
	ps := make([]string, len(types))
	for i, t := range types {
		ps[i] = "$" + strconv.Itoa(first+i) + "::" + t + "[]"
	}
	return strings.Join(ps, ", ")
}

// touchedBefore is the condition on which a touch rewrites a profile's last_seen_at: a busy
// form is rewritten at most once a minute (the cutoff), not on every batch.
func touchedBefore(cutoff string) string {
	return "form_profiles.last_seen_at IS NULL OR form_profiles.last_seen_at < " + cutoff
}

// pgInsertChunk is the most events one Postgres statement stores: a batch of more (the limit
// is API_MAX_EVENTS_PER_BATCH, 500 unless set) is stored in parts, in a transaction.
const pgInsertChunk = 1000

// insertEvents writes rows with INSERTs that skip replays, built by hand (gorm's reflection
// was a third of the endpoint's CPU), at most a chunk of rows each. It marks in inserted the id of each row
// stored (RETURNING: a row stored before, by a replay, maybe a concurrent one, is not). On
// SQLite the events' unique (user_id, event_id) index skips a replay (ON CONFLICT DO NOTHING),
// and the caller touches the profiles. On Postgres, whose events are partitioned by month (and
// a unique index of a partitioned table must hold created_at, so it could not see a replay
// received in another month), the keys go first into autofill_event_keys and only the events
// whose key was new are stored, and their forms' profiles (and touch's) touched, in the same
// statement (keyedInsertSQL): a concurrent replay waits for this one's key and then skips.
func insertEvents(ctx context.Context, tx *gorm.DB, rows []models.AutofillEvent, touch *Form, now time.Time, inserted map[string]bool) error {
	pg := store.IsPostgres(tx)
	// The SQLite driver matches parameters to arguments in quadratic time, so it gets small
	// statements.
	chunk := pgInsertChunk
	if !pg {
		chunk = 50
	}
	for start := 0; start < len(rows); start += chunk {
		part := rows[start:min(start+chunk, len(rows))]
		if !pg {
			args := make([]any, 0, len(part)*len(eventColumns))
			for _, e := range part {
				args = append(args, eventValues(e)...)
			}
			q := store.InsertSQL("autofill_events", eventColumns, len(part), false) + " ON CONFLICT DO NOTHING RETURNING id"
			if err := returnedIDs(ctx, tx, q, args, inserted); err != nil {
				return err
			}
			continue
		}
		// One array per column (keyedInsertSQL unnests them): the statement's text and its 34
		// parameters are the same whatever the batch, so each connection prepares it once.
		columns := make([][]any, len(eventColumns))
		for c := range columns {
			columns[c] = make([]any, 0, len(part))
		}
		for _, e := range part {
			for c, v := range eventValues(e) {
				columns[c] = append(columns[c], v)
			}
		}
		forms := map[Form]bool{}
		if touch != nil {
			forms[*touch] = true
		}
		for _, e := range part {
			if _, ok := forms[Form{e.Host, e.SchemaHash}]; !ok {
				forms[Form{e.Host, e.SchemaHash}] = false
			}
		}
		formCols := make([][]any, len(formColumns))
		for f, touched := range forms {
			for c, v := range []any{uuid.Must(uuid.NewV7()).String(), f.Host, f.SchemaHash, Family(f.Host), touched} {
				formCols[c] = append(formCols[c], v)
			}
		}
		args := make([]any, 0, len(columns)+len(formCols)+2)
		for _, c := range append(columns, formCols...) {
			a, err := typedArray(c)
			if err != nil {
				return err
			}
			args = append(args, a)
		}
		args = append(args, now, now.Add(-time.Minute))
		if err := returnedIDs(ctx, tx, keyedInsert, args, inserted); err != nil {
			return err
		}
	}
	return nil
}

// typedArray is a column's values (all of one Go type, non-empty) as a slice of that type,
// which pgx encodes as an array in every query mode: a []any needs the statement described
// first, which DATABASE_URL's default_query_exec_mode=simple_protocol (PgBouncer's
// transaction pooling) or exec do not do. JSON values go as their text.
func typedArray(vals []any) (any, error) {
	switch vals[0].(type) {
	case string:
		return typed[string](vals), nil
	case *string:
		return typed[*string](vals), nil
	case *int:
		return typed[*int](vals), nil
	case *int16:
		return typed[*int16](vals), nil
	case *int64:
		return typed[*int64](vals), nil
	case *float64:
		return typed[*float64](vals), nil
	case bool:
		return typed[bool](vals), nil
	case time.Time:
		return typed[time.Time](vals), nil
	case *time.Time:
		return typed[*time.Time](vals), nil
	case driver.Valuer:
		out := make([]string, len(vals))
		for i, v := range vals {
			text, err := v.(driver.Valuer).Value()
			if err != nil {
				return nil, err
			}
			s, ok := text.(string)
			if !ok {
				return nil, fmt.Errorf("a JSON column's value is %T, not its text", text)
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("no array for a column of %T", vals[0])
}

// typed is vals as a []T.
func typed[T any](vals []any) []T {
	out := make([]T, len(vals))
	for i, v := range vals {
		out[i] = v.(T)
	}
	return out
}

// eventValues are e's values of eventColumns, in order.
func eventValues(e models.AutofillEvent) []any {
	return []any{e.ID, e.EventID, e.UserID, e.Host, e.SchemaHash, e.HostFamily,
		e.SuggestedMap, e.FinalMap, e.GenStyleID, e.EditStats, e.DurationMS, e.ValidationErrors, e.Status,
		e.ApplicationID, e.FeedbackStatus, e.EditChars, e.SegmentKey, e.Policy, e.Propensity, e.OccurredAt,
		e.FeedbackAt, e.CreatedAt, e.FinalMapHash, e.EditTotal, e.PropensityImputed, e.Discipline, e.DisciplineRules}
}

// holdsRating reports whether the caller holds a rating (a read's pending feedback) for a form
// of rows: attachHeld may then write, beside the insert.
func holdsRating(rows []models.AutofillEvent, reads map[Form]*models.ProfileRead) bool {
	for _, e := range rows {
		if r := reads[Form{e.Host, e.SchemaHash}]; r != nil && r.PendingFeedback != nil {
			return true
		}
	}
	return false
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
// seen (to the minute), in one statement: on SQLite, and on Postgres for a batch of no events
// (keyedInsertSQL touches the others). Forms go in byte order, as an aggregator run writes
// them, so that concurrent writers cannot deadlock.
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
			Where: clause.Where{Exprs: []clause.Expression{clause.Expr{
				SQL: touchedBefore("?"), Vars: []any{now.Add(-time.Minute)},
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
