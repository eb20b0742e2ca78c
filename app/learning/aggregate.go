package learning

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/plugin/dbresolver"

	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store"
)

// One run folds what changed into the rollups (rollup.go), reads the window from them with
// one statement (windowSQL: the style statistics), fits the model once, and then plans and
// writes the profiles chunkForms forms at a time (AGGREGATOR_CHUNK_FORMS): each chunk reads
// its stored profiles (their summaries, not their hints: planChunk) and its forms'
// canonical-map votes (votesSQL), plans them against the one fit, and writes those that
// changed with bulk upserts of writeBatch rows; the style weights take one UPDATE. A run holds
// one chunk's hints, never every form's, so its memory follows the window's statistics, not
// the number of stored hints (300,000 forms' hints, held together, ran a run out of 10 GB).
// The statements are a fixed number for up to chunkForms forms, and a few more per chunk
// beyond. On Postgres the
// writes happen in one transaction, so a run that fails leaves the previous profiles intact;
// on SQLite they commit in pieces (writeInPieces, which says what a failed run leaves).

// writeBatch is how many profiles one upsert writes.
const writeBatch = 500

// settings are what one aggregation needs to know.
type settings struct {
	days       int
	dryRun     bool
	full       bool // rebuild the rollups from every event first
	runID      string
	now        func() time.Time
	thresholds models.Thresholds
	policy     string // models.PolicyBayes or models.PolicyThreshold
	chunkForms int    // forms planned at once (AGGREGATOR_CHUNK_FORMS): a chunk holds their stored and planned hints
	postgres   bool
}

// since is the start of the window: the start of the UTC day days days ago (the rollups count
// whole days), or the zero time for all time.
func (s settings) since() time.Time {
	if s.days <= 0 {
		return time.Time{}
	}
	return s.now().UTC().AddDate(0, 0, -s.days).Truncate(24 * time.Hour)
}

// result is what an aggregation computed (and, unless dry, wrote).
type result struct {
	eventsRead   int64
	fold         FoldResult // what bringing the rollups up to date did
	forms        int        // profiles planned: every stored one and one per new form of the window
	written      int        // of those, the profiles written (hint or figures changed)
	hintsChanged int
	picks        runDiff             // the (form, segment) picks that changed
	mix          map[string]int      // profiles by the source of their overall hint
	choices      map[choiceLabel]int // profiles by source, family and segment: the style-choice metric
	weights      map[string]float64
}

type choiceLabel struct{ source, family, segment string }

// aggregate computes every profile and style weight from the window's events and writes them.
// On Postgres it reads and writes in one transaction (a read-only one for a dry run, which
// writes nothing), so that a run that fails leaves the previous hints intact.
//
// On SQLite, which has one writer, the window is read and each chunk of profiles is planned in
// a read transaction on the reader pool (WAL: one consistent snapshot for the whole run, which
// holds no lock), and only the writes take the writer, in pieces short enough for syncs to
// interleave (writeInPieces). A sync that lands meanwhile is simply counted by the next run;
// the upsert keeps the ids and last_seen_at of profiles it created meanwhile.
//
// The rollups are brought up to date first (FoldRollups, its own transaction), a dry run's
// included: a fold changes no hint, only what the runs read.
func aggregate(ctx context.Context, conn *gorm.DB, s settings, progress func(total, done int)) (*result, error) {
	d := dialect{store.Dialect{Postgres: s.postgres}}
	fold, err := FoldRollups(ctx, conn, s.full)
	if err != nil {
		return nil, err
	}
	var res *result
	if s.postgres || s.dryRun {
		err = conn.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			// The run reads the rollups in several statements (the window, then each chunk's
			// votes), each with its own snapshot under READ COMMITTED: a fold that committed in
			// between (a dry run's, Evaluate's) gave a chunk votes of events its statistics did
			// not count. Folds take this lock exclusively, so none commits until the run ends.
			if err := store.AdvisoryXactLockShared(tx, store.LockLearningRollup); err != nil {
				return err
			}
			p, err := planRun(tx, d, s)
			if err != nil {
				return err
			}
			res = p.res
			if s.dryRun {
				return p.eachChunk(tx, func([]profileRow) error { return nil }, progress)
			}
			return writeRun(tx, d, s, p, progress)
		}, &sql.TxOptions{ReadOnly: s.dryRun})
	} else {
		res, err = runOnReaders(ctx, conn, d, s, progress)
	}
	if res != nil {
		res.fold = fold
	}
	return res, err
}

// runOnReaders runs on SQLite: it plans in a read transaction on the reader pool (one snapshot
// of the window, the profiles and the styles, with no need of the writer) and writes each
// chunk through the writer, in pieces (writeInPieces).
func runOnReaders(ctx context.Context, conn *gorm.DB, d dialect, s settings, progress func(total, done int)) (*result, error) {
	var res *result
	err := conn.WithContext(ctx).Clauses(dbresolver.Read).Transaction(func(rtx *gorm.DB) error {
		p, err := planRun(rtx, d, s)
		if err != nil {
			return err
		}
		res = p.res
		if sqliteInPieces {
			return writeInPieces(ctx, conn, rtx, d, s, p, progress)
		}
		var all []profileRow // BenchmarkSQLiteWritesDuringRun's one-transaction write, after planning
		if err := p.eachChunk(rtx, func(rows []profileRow) error { all = append(all, rows...); return nil }, func(int, int) {}); err != nil {
			return err
		}
		return conn.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := writeProfiles(tx, d, all, nil); err != nil {
				return fmt.Errorf("write form profiles: %w", err)
			}
			return writeRunEnd(tx, d, s, p.res)
		})
	}, &sql.TxOptions{ReadOnly: true})
	return res, err
}

// planRun reads the window, the keys of the stored profiles and the styles, and fits the
// model: what every chunk of profiles is planned against (runPlan.eachChunk).
func planRun(tx *gorm.DB, d dialect, s settings) (*runPlan, error) {
	if err := d.tune(tx); err != nil {
		return nil, err
	}
	w := newWindow()
	since := s.since() // once: a run that crosses midnight reads every chunk over the same days
	if err := w.readWindow(tx, d, since); err != nil {
		return nil, fmt.Errorf("read the window's events: %w", err)
	}
	stored, err := readProfileKeys(tx)
	if err != nil {
		return nil, fmt.Errorf("read form profiles: %w", err)
	}
	styles, err := readStyles(tx)
	if err != nil {
		return nil, fmt.Errorf("read styles: %w", err)
	}
	return w.plan(d, since, stored, styles, s), nil
}

// tune sets, on Postgres, what the aggregator's big statements need for the rest of the
// transaction: the window's GROUP BY holds one group per (form, family, segment, discipline,
// style), and a fold's or rebuild's one per (day, form, …) cell or fingerprint, so their hash
// tables get room instead of sorting on disk (a hash table may take hash_mem_multiplier, by
// default 2, times work_mem); and JIT compiling such a statement costs more (60–90 ms on a
// million events) than it saves. At 10M events over 20,000 forms the window's 621,000 groups
// took 266 MB of hash table at 128 MB (7.0 s); at 64 MB Postgres sorted 580 MB on disk (14.8 s).
func (d dialect) tune(tx *gorm.DB) error {
	if !d.Postgres {
		return nil
	}
	// set_config(…, true) is SET LOCAL: both in one statement.
	return tx.Exec("SELECT set_config('work_mem', '128MB', true), set_config('jit', 'off', true)").Error
}

// writeRun plans and writes a run in tx: the profiles whose hint or figures changed, chunk by
// chunk (a profile that is the same keeps its row, with the computed_at and run_id of the run
// that last changed it), then the style weights and the changed picks.
func writeRun(tx *gorm.DB, d dialect, s settings, p *runPlan, progress func(total, done int)) error {
	err := p.eachChunk(tx, func(rows []profileRow) error {
		if err := writeProfiles(tx, d, rows, func(last formKey) { progress(len(p.keys), p.formsUpTo(last)) }); err != nil {
			return fmt.Errorf("write form profiles: %w", err)
		}
		return nil
	}, progress)
	if err != nil {
		return err
	}
	return writeRunEnd(tx, d, s, p.res)
}

// writeRunEnd writes what a run knows once every chunk is planned: the style weights and the
// changed picks.
func writeRunEnd(tx *gorm.DB, d dialect, s settings, res *result) error {
	if err := writeWeights(tx, d, res.weights, s.now()); err != nil {
		return fmt.Errorf("write style weights: %w", err)
	}
	if err := writePickChanges(tx, s.runID, res.picks.kept); err != nil {
		return fmt.Errorf("write the run's changed picks: %w", err)
	}
	return nil
}
