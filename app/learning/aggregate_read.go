package learning

import (
	"database/sql"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store"
)

type formKey struct{ host, schemaHash string }

// formAcc is what the window holds of one form.
type formAcc struct {
	key            formKey // the window's one copy of the form's strings (window.same)
	runs, ok       int64
	editSum, editN int64 // edits (added + deleted) over events that reported them
	durSum, durN   int64
	last           time.Time
	families       tally                       // events by host_family ("" = none)
	segments       tally                       // events by segment, events with a segment only
	votes          map[string]map[string]int64 // read a chunk of forms at a time (readVotes)
}

// tally counts a form's events by name (its families, its segments): a few names, so a short
// slice rather than a map per form.
type tally []nameCount

type nameCount struct {
	name string
	n    int64
}

func (t *tally) add(name string, n int64) {
	for i := range *t {
		if (*t)[i].name == name {
			(*t)[i].n += n
			return
		}
	}
	*t = append(*t, nameCount{name, n})
}

// window accumulates the statistics of the events in the lookback window: the forms' own
// figures, and the style statistics at every level in ev.
type window struct {
	events int64
	forms  map[formKey]*formAcc
	ev     *Evidence
	names  map[string]string // one copy of each host, family, segment, discipline and style read
	// unseenMemo holds, by (family, segment), the choices of a segment for a form with no run
	// in it (unseen), made once a run; noShare turns that off (the test that compares hints
	// made with and without it).
	unseenMemo sync.Map
	noShare    bool
}

func newWindow() *window {
	return &window{forms: map[formKey]*formAcc{}, ev: NewEvidence(), names: map[string]string{}}
}

// same makes the strings of a row read share the copies already held: a row's host, schema
// hash, family, segment, discipline and style repeat across many rows, and the window keeps
// them in several maps (at 300,000 forms the strings read were a tenth of a run's heap).
func (w *window) same(c *cell) {
	if f, ok := w.forms[c.key]; ok {
		c.key = f.key
	} else {
		c.key.host = w.name(c.key.host)
	}
	c.family, c.segment, c.discipline, c.style = w.name(c.family), w.name(c.segment), w.name(c.discipline), w.name(c.style)
}

// name returns the window's copy of s, made the copy if it is the first.
func (w *window) name(s string) string {
	if have, ok := w.names[s]; ok {
		return have
	}
	w.names[s] = s
	return s
}

func (w *window) form(k formKey) *formAcc {
	f, ok := w.forms[k]
	if !ok {
		f = &formAcc{key: k}
		w.forms[k] = f
	}
	return f
}

// addTo adds s to m[style], creating the entry.
func addTo(m map[string]*styleAcc, style string, s styleAcc) {
	acc, ok := m[style]
	if !ok {
		acc = &styleAcc{}
		m[style] = acc
	}
	acc.add(s)
}

// cell is one (form, family, segment, discipline, style) row of the window statement.
type cell struct {
	key                                formKey
	family, segment, discipline, style string
	runs, ok                           int64
	helpful, unhelpful                 int64
	editSum, editN                     int64
	editCharsSum, editCharsN           int64
	durSum, durN                       int64
	last                               store.NullTime
}

// readWindow reads the window's statistics from the rollups (see windowSQL): the style
// statistics of every (form, family, segment, discipline, style), rolled up into forms and
// the levels of the evidence.
func (w *window) readWindow(tx *gorm.DB, d dialect, since time.Time) error {
	where, args := windowClause(since)
	return w.readRows(tx, d.windowSQL(where), args)
}

// readVotes reads the canonical-map votes of the forms keys over the window (see votesSQL)
// into their formAcc; dropVotes lets them go once the forms are planned. A run holds one
// chunk's votes at a time: held for every form, they were 41% of a run's heap at 300,000
// forms.
func (w *window) readVotes(tx *gorm.DB, d dialect, since time.Time, keys []formKey) error {
	if len(keys) == 0 {
		return nil
	}
	where, args := windowClause(since)
	forms, err := formsArg(keys)
	if err != nil {
		return err
	}
	return w.readRows(tx, d.votesSQL(where), append(args, forms))
}

func (w *window) dropVotes(keys []formKey) {
	for _, k := range keys {
		if f, ok := w.forms[k]; ok {
			f.votes = nil
		}
	}
}

// readRows reads rows of the window statement's shape: statistics (kind 0) and votes (kind 1).
func (w *window) readRows(tx *gorm.DB, q string, args []any) error {
	rows, err := tx.Raw(q, args...).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			c          cell
			kind       int
			key, value string
		)
		if err := rows.Scan(&kind, &c.key.host, &c.key.schemaHash, &c.family, &c.segment, &c.discipline, &c.style, &key, &value,
			&c.runs, &c.ok, &c.helpful, &c.unhelpful, &c.editSum, &c.editN,
			&c.editCharsSum, &c.editCharsN, &c.durSum, &c.durN, &c.last); err != nil {
			return err
		}
		if kind == 0 {
			w.same(&c)
			w.add(c)
		} else {
			w.vote(c.key, key, value, c.runs)
		}
	}
	return rows.Err()
}

func (w *window) add(c cell) {
	w.events += c.runs
	f := w.form(c.key)
	f.runs += c.runs
	f.ok += c.ok
	f.editSum += c.editSum
	f.editN += c.editN
	f.durSum += c.durSum
	f.durN += c.durN
	if c.last.Valid && c.last.Time.After(f.last) {
		f.last = c.last.Time
	}
	f.families.add(c.family, c.runs)
	if c.segment != "" {
		f.segments.add(c.segment, c.runs)
	}
	w.ev.Add(Observation{
		Host: c.key.host, SchemaHash: c.key.schemaHash, Family: c.family, Segment: c.segment, Discipline: c.discipline,
		StyleID: c.style, Runs: c.runs, Helpful: c.helpful, Unhelpful: c.unhelpful, EditChars: c.editCharsSum, EditRuns: c.editCharsN,
	})
}

// vote counts n events whose final map sets key to value.
func (w *window) vote(k formKey, key, value string, n int64) {
	f := w.form(k)
	if f.votes == nil {
		f.votes = map[string]map[string]int64{}
	}
	if f.votes[key] == nil {
		f.votes[key] = map[string]int64{}
	}
	f.votes[key][value] += n
}

// storedProfile is a form profile as the run found it.
type storedProfile struct {
	id            string
	key           formKey
	family        string           // host_family as stored
	fields        models.StringMap // nil when the stored map is not a map of strings
	fieldsJSON    string           // as stored, written back untouched while the form has no events
	hasHint       bool             // a hint is stored (read only when needed: readHints)
	summary       *hintSummary     // hint_summary as stored; nil: none, or not one of ours; no digest unless it is the stored hint's
	hint          []byte           // as stored, when read
	successRate   sql.NullFloat64
	avgEditChars  sql.NullFloat64
	avgDurationMS sql.NullInt64
	eventCount    int64
	lastEventAt   store.NullTime
	lastSeenAt    store.NullTime
	updatedAt     store.NullTime
}

// readProfileKeys returns the key of every stored profile.
func readProfileKeys(tx *gorm.DB) ([]formKey, error) {
	rows, err := tx.Raw("SELECT host, schema_hash FROM form_profiles").Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []formKey
	for rows.Next() {
		var k formKey
		if err := rows.Scan(&k.host, &k.schemaHash); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// readProfiles returns the stored profiles of keys (those that are stored), in one statement.
func readProfiles(tx *gorm.DB, d dialect, keys []formKey) (map[formKey]*storedProfile, error) {
	out := make(map[formKey]*storedProfile, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	forms, err := formsArg(keys)
	if err != nil {
		return nil, err
	}
	hintRun := d.JSONText("style_hint", "run_id")
	if !d.Postgres {
		hintRun = "CASE WHEN json_valid(style_hint) THEN " + hintRun + " END" // SQLite's json_extract fails on text that is not JSON
	}
	rows, err := tx.Raw(`SELECT id, host, schema_hash, host_family, fields, style_hint IS NOT NULL, hint_summary, `+hintRun+`,
		success_rate, avg_edit_chars, avg_duration_ms, event_count, last_event_at, last_seen_at, updated_at FROM form_profiles
		WHERE `+d.formsIn(), forms).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			p                        storedProfile
			fields, summary, hintRun sql.NullString
		)
		if err := rows.Scan(&p.id, &p.key.host, &p.key.schemaHash, &p.family, &fields, &p.hasHint, &summary, &hintRun,
			&p.successRate, &p.avgEditChars, &p.avgDurationMS, &p.eventCount, &p.lastEventAt, &p.lastSeenAt, &p.updatedAt); err != nil {
			return nil, err
		}
		p.fieldsJSON = fields.String
		if json.Unmarshal([]byte(fields.String), &p.fields) != nil {
			p.fields = nil // an older service's map of another shape: kept as it is
		}
		if summary.Valid {
			var s hintSummary
			if json.Unmarshal([]byte(summary.String), &s) == nil {
				p.summary = &s
			}
		}
		if s := p.summary; s != nil && (s.RunID == "" || s.RunID != hintRun.String || !strings.HasPrefix(s.Digest, hintFormat)) {
			// It describes another hint than the one stored, or its digest is of another
			// build's making (hintDigest): compare the hint itself.
			p.summary.Digest = ""
		}
		out[p.key] = &p
	}
	return out, rows.Err()
}

// readHints reads the stored hints of some profiles (those whose run needs them: planChunk) into
// them, in one statement.
func readHints(tx *gorm.DB, d dialect, profiles []*storedProfile) error {
	if len(profiles) == 0 {
		return nil
	}
	keys := make([]formKey, len(profiles))
	byKey := make(map[formKey]*storedProfile, len(profiles))
	for i, p := range profiles {
		keys[i], byKey[p.key] = p.key, p
	}
	forms, err := formsArg(keys)
	if err != nil {
		return err
	}
	rows, err := tx.Raw(`SELECT host, schema_hash, style_hint FROM form_profiles WHERE style_hint IS NOT NULL AND `+d.formsIn(), forms).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			k    formKey
			hint string
		)
		if err := rows.Scan(&k.host, &k.schemaHash, &hint); err != nil {
			return err
		}
		if p := byKey[k]; p != nil {
			p.hint = []byte(hint)
		}
	}
	return rows.Err()
}

// readStyles returns every style's stored prior weight.
func readStyles(tx *gorm.DB) (map[string]float64, error) {
	rows, err := tx.Raw("SELECT id, prior_weight FROM gen_styles").Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]float64{}
	for rows.Next() {
		var (
			id string
			w  float64
		)
		if err := rows.Scan(&id, &w); err != nil {
			return nil, err
		}
		out[id] = w
	}
	return out, rows.Err()
}

// decodeHint reads a stored hint that a run needs (planChunk: a bayes hint is tens of
// kilobytes, so most are compared by digest and never read). nil for none, or one that does
// not parse (an older shape).
func decodeHint(stored []byte) *models.StyleHint {
	if len(stored) == 0 {
		return nil
	}
	var old models.StyleHint
	if err := json.Unmarshal(stored, &old); err != nil {
		return nil
	}
	return &old
}
