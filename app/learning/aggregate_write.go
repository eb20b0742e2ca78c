package learning

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/applylens/learning/app/models"
)

// writeProfiles upserts rows, writeBatch rows a statement, and after each calls wrote (unless
// nil) with the key of the last row written.
func writeProfiles(tx *gorm.DB, d dialect, rows []profileRow, wrote func(last formKey)) error {
	for start := 0; start < len(rows); start += writeBatch {
		batch := rows[start:min(start+writeBatch, len(rows))]
		args, err := upsertArgs(batch)
		if err != nil {
			return err
		}
		if err := tx.Exec(d.upsertSQL(len(batch)), args...).Error; err != nil {
			return err
		}
		if wrote != nil {
			wrote(batch[len(batch)-1].key)
		}
	}
	return nil
}

// upsertArgs are the values of one upsert of rows (d.upsertSQL(len(rows))).
func upsertArgs(rows []profileRow) ([]any, error) {
	args := make([]any, 0, len(rows)*len(profileColumns))
	for _, p := range rows {
		fields := []byte(p.keptFields)
		if len(fields) == 0 {
			var err error
			if fields, err = json.Marshal(p.fields); err != nil {
				return nil, err
			}
		}
		hint := p.hintJSON
		if hint == nil {
			var err error
			if hint, err = models.EncodeHint(*p.hint); err != nil {
				return nil, err
			}
		}
		summary, err := json.Marshal(summarize(p.hint, p.digest))
		if err != nil {
			return nil, err
		}
		args = append(args, p.id, p.key.host, p.key.schemaHash, p.family, string(fields),
			nullable(p.successRate), nullable(p.avgEditChars), nullable(p.avgDurationMS),
			p.eventCount, nullable(p.lastEventAt), nullable(p.lastEventAt), string(hint), string(summary),
			p.createdAt, p.updatedAt)
	}
	return args, nil
}

// encodeHint returns h's digest (hintDigest) and, when keep(digest), h as a run writes it. Most
// hints of a run are the stored ones, whose bytes are not needed: they are not encoded.
func encodeHint(h *models.StyleHint, keep func(digest string) bool) (stored []byte, digest string, err error) {
	digest = hintDigest(h)
	if !keep(digest) {
		return nil, digest, nil
	}
	stored, err = models.EncodeHint(*h)
	return stored, digest, err
}

// hintSummary is what the dashboard counts of a hint (report's profile mix), stored beside it
// in form_profiles.hint_summary: the same JSON paths as the hint's for those figures, in a
// few hundred bytes instead of the hint's tens of kilobytes, so that the overview never parses
// the hints themselves. A profile with no summary (written by an older writer) is counted from
// its hint.
//
// It also holds what the next run compares with: the hint's digest (encodeHint) and each
// segment's pick, so that a run reads and parses a stored hint only when the digest is missing
// (an older writer) or a pick changed (the run's diff needs the old hint to say why). The
// digest is trusted only while the stored hint's run_id is the summary's: a writer that
// rewrites the hint alone (the original service during a switch) leaves a summary that no
// longer describes it, and the run then compares the hint itself.
type hintSummary struct {
	Source     string                   `json:"source"`
	Policy     string                   `json:"policy"`
	Candidates []summaryWinner          `json:"candidates"` // the winner only
	BySegment  map[string]summarySource `json:"by_segment,omitempty"`
	Digest     string                   `json:"digest,omitempty"`
	RunID      string                   `json:"run_id,omitempty"` // the hint's run_id: a run trusts the digest only while the stored hint has it
}

type summaryWinner struct {
	IsWinner    bool `json:"is_winner"`
	HelpfulRuns int  `json:"helpful_runs"`
	RatedRuns   int  `json:"rated_runs"`
}

type summarySource struct {
	Source    string  `json:"source"`
	Preferred *string `json:"preferred_style_id,omitempty"`
}

// summarize is h's summary; digest is its digest (encodeHint).
func summarize(h *models.StyleHint, digest string) hintSummary {
	s := hintSummary{Source: h.Source, Policy: h.Policy, Candidates: []summaryWinner{}, Digest: digest, RunID: h.RunID}
	for _, c := range h.Candidates {
		if c.IsWinner {
			s.Candidates = append(s.Candidates, summaryWinner{IsWinner: true, HelpfulRuns: c.HelpfulRuns, RatedRuns: c.RatedRuns})
			break
		}
	}
	if len(h.BySegment) > 0 {
		s.BySegment = make(map[string]summarySource, len(h.BySegment))
		for k, c := range h.BySegment {
			s.BySegment[k] = summarySource{Source: c.Source, Preferred: c.PreferredStyleID}
		}
	}
	return s
}

// pieceRows is how many profiles one piece of a run's writes on SQLite commits. SQLite has one
// writer: on 320,000 demo events (10,000 profiles of about 30 KB of hint each) writing every
// profile in one transaction held it for 13 s on a busy machine, and every sync waited as long.
// A piece of 100 profiles holds it for tens of milliseconds.
const pieceRows = 100

// sqliteInPieces: a run on SQLite writes in pieces. Only BenchmarkSQLiteWritesDuringRun turns it
// off, to measure the one-transaction write on the same data.
var sqliteInPieces = true

// writeInPieces writes a run on SQLite in pieces, each its own short transaction on the
// writer, so that the syncs waiting for the writer get it between two pieces: first the style
// weights (one statement), then each chunk's changed profiles as the read transaction rtx plans
// them, pieceRows at a time (their values encoded before the writer is taken), then the run's
// changed picks.
//
// A run that fails part-way has written the pieces before the failure, and we accept that
// rather than hold the writer for the whole run: every profile row is self-consistent (its
// counts and hint come from the one snapshot the run planned from, and the hint names the run
// in run_id), and the profiles not yet written keep the previous run's hints, which were being
// served a moment before. Nothing takes the failed run as complete: it is recorded as failed,
// its error says how many profiles it wrote, forms_done shows how far it got, profiles_updated
// stays 0 and no changed picks are recorded for it (they are written last); the next run
// rewrites every profile from a fresh snapshot. A failure writing the weights, the first piece,
// leaves everything as it was, as one transaction would. (Postgres, where a sync waits only for
// the rows it touches, keeps the whole run in one transaction: see aggregate.)
func writeInPieces(ctx context.Context, conn, rtx *gorm.DB, d dialect, s settings, p *runPlan, progress func(total, done int)) error {
	inTx := func(write func(tx *gorm.DB) error) error { return conn.WithContext(ctx).Transaction(write) }
	if err := inTx(func(tx *gorm.DB) error { return writeWeights(tx, d, p.res.weights, s.now()) }); err != nil {
		return fmt.Errorf("write style weights: %w", err)
	}
	wrote, total := 0, len(p.keys)
	err := p.eachChunk(rtx, func(rows []profileRow) error {
		for start := 0; start < len(rows); start += pieceRows {
			piece := rows[start:min(start+pieceRows, len(rows))]
			done := p.formsUpTo(piece[len(piece)-1].key)
			args, err := upsertArgs(piece)
			if err == nil {
				err = inTx(func(tx *gorm.DB) error { return tx.Exec(d.upsertSQL(len(piece)), args...).Error })
			}
			if err != nil {
				return fmt.Errorf("write form profiles: wrote %d before this failure, up to form %d of %d (they hold this run's hints, "+
					"the others keep their previous ones): %w", wrote, p.formsUpTo(piece[0].key)-1, total, err)
			}
			wrote += len(piece)
			progress(total, done)
		}
		return nil
	}, progress)
	if err != nil {
		return err
	}
	if err := inTx(func(tx *gorm.DB) error { return writePickChanges(tx, s.runID, p.res.picks.kept) }); err != nil {
		return fmt.Errorf("write the run's changed picks (every profile is written): %w", err)
	}
	return nil
}

// writeWeights sets the prior weights that changed, in one statement.
func writeWeights(tx *gorm.DB, d dialect, weights map[string]float64, now time.Time) error {
	if len(weights) == 0 {
		return nil
	}
	ids := slices.Sorted(maps.Keys(weights))
	args := make([]any, 0, 3*len(ids)+1)
	for _, id := range ids {
		args = append(args, id, weights[id])
	}
	args = append(args, now)
	for _, id := range ids {
		args = append(args, id)
	}
	return tx.Exec(d.weightsSQL(len(ids)), args...).Error
}

// nullable turns a nil pointer into an untyped nil, which every driver writes as NULL.
func nullable[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
