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
// one statement (windowSQL: the style statistics and the canonical-map votes), reads the
// profiles and styles, and writes the profiles that changed with bulk upserts of writeBatch
// rows and the style weights with one UPDATE: a fixed number of statements for up to
// writeBatch forms, and one more per writeBatch beyond. On Postgres the writes happen in one
// transaction, so a run that fails leaves the previous profiles intact; on SQLite they commit
// in pieces (writeInPieces, which says what a failed run leaves).

// writeBatch is how many profiles one upsert writes; progress is reported after each.
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
	profiles     []profileRow
	hintsChanged int
	picks        runDiff        // the (form, segment) picks that changed
	kappas       models.Kappas  // the bayes model's concentrations (zero under threshold)
	mix          map[string]int // profiles by the source of their overall hint
	choices      []choiceLabel  // one per profile, for the style-choice metric
	weights      map[string]float64
}

type choiceLabel struct{ source, family, segment string }

// aggregate computes every profile and style weight from the window's events and writes them.
// On Postgres it reads and writes in one transaction (a read-only one for a dry run, which
// writes nothing), so that a run that fails leaves the previous hints intact.
//
// On SQLite, which has one writer, the window is read and the picks are planned in a read
// transaction on the reader pool (WAL: a consistent snapshot that holds no lock), and only the
// writes take the writer, in pieces short enough for syncs to interleave (writeInPieces). A
// sync that lands meanwhile is simply counted by the next run; the upsert keeps the ids and
// last_seen_at of profiles it created meanwhile.
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
			var err error
			if res, err = planRun(tx, d, s); err != nil || s.dryRun {
				return err
			}
			return writeRun(tx, d, s, res, progress)
		}, &sql.TxOptions{ReadOnly: s.dryRun})
	} else if res, err = planOnReaders(ctx, conn, d, s); err == nil {
		if sqliteInPieces {
			err = writeInPieces(ctx, conn, d, s, res, progress)
		} else {
			err = conn.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return writeRun(tx, d, s, res, progress) })
		}
	}
	if res != nil {
		res.fold = fold
	}
	return res, err
}

// planOnReaders plans a run in a read transaction on SQLite's reader pool: one snapshot of the
// window, the profiles and the styles, with no need of the writer.
func planOnReaders(ctx context.Context, conn *gorm.DB, d dialect, s settings) (*result, error) {
	var res *result
	err := conn.WithContext(ctx).Clauses(dbresolver.Read).Transaction(func(tx *gorm.DB) error {
		var err error
		res, err = planRun(tx, d, s)
		return err
	}, &sql.TxOptions{ReadOnly: true})
	return res, err
}

// planRun reads the window, the stored profiles and the styles, and plans every profile.
func planRun(tx *gorm.DB, d dialect, s settings) (*result, error) {
	if s.postgres {
		// The window's GROUP BY holds one group per (form, family, segment, style, map fingerprint):
		// give its hash tables room instead of spilling to disk. JIT compiling the one big
		// statement costs more (60–90 ms on a million events) than it saves.
		if err := tx.Exec("SET LOCAL work_mem = '64MB'").Error; err != nil {
			return nil, err
		}
		if err := tx.Exec("SET LOCAL jit = off").Error; err != nil {
			return nil, err
		}
	}
	w := newWindow()
	if err := w.readWindow(tx, d, s.since()); err != nil {
		return nil, fmt.Errorf("read the window's events: %w", err)
	}
	stored, err := readProfiles(tx)
	if err != nil {
		return nil, fmt.Errorf("read form profiles: %w", err)
	}
	styles, err := readStyles(tx)
	if err != nil {
		return nil, fmt.Errorf("read styles: %w", err)
	}
	return w.plan(stored, styles, s), nil
}

// toWrite is the profiles a run writes: those whose hint or figures changed.
func (r *result) toWrite() []profileRow {
	changed := make([]profileRow, 0, len(r.profiles))
	for _, p := range r.profiles {
		if !p.unchanged {
			changed = append(changed, p)
		}
	}
	return changed
}

// writeRun writes a planned run: the profiles whose hint or figures changed (a profile that
// is the same keeps its row, with the computed_at and run_id of the run that last changed
// it), the style weights and the changed picks.
func writeRun(tx *gorm.DB, d dialect, s settings, res *result, progress func(total, done int)) error {
	changed := res.toWrite()
	progress(len(changed), 0)
	if err := writeProfiles(tx, d, changed, func(done int) { progress(len(changed), done) }); err != nil {
		return fmt.Errorf("write form profiles: %w", err)
	}
	if err := writeWeights(tx, d, res.weights, s.now()); err != nil {
		return fmt.Errorf("write style weights: %w", err)
	}
	if err := writePickChanges(tx, s.runID, res.picks.kept); err != nil {
		return fmt.Errorf("write the run's changed picks: %w", err)
	}
	return nil
}
