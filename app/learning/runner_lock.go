package learning

import (
	"context"
	"fmt"
	"sync"

	"github.com/gofrs/flock"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/store"
)

// runLock lets one run at a time proceed.
type runLock interface {
	// tryAcquire takes the lock for runID, or returns nil (and the holder's run id when it is
	// known) when another run holds it.
	tryAcquire(ctx context.Context, runID string) (held *heldLock, holder string, err error)
}

// heldLock is a lock taken by one run. Holding it proves that no other run on the database is
// alive, in this process or another, so every row still marked running is a dead run's.
type heldLock struct {
	conn    *gorm.DB // the run's transaction runs here; nil: on the Runner's pool
	release func()
}

func newRunLock(db *gorm.DB) runLock {
	if store.IsPostgres(db) {
		return advisoryLock{db: db}
	}
	return sqliteLock{db: db, local: &localLock{}}
}

// advisoryLock is the Postgres advisory lock store.LockAggregator (keyed by schema), held on a
// connection pinned for the run, so that it outlives Start (which returns while the run goes
// on). When the process dies its session ends and Postgres frees the lock, so a dead run never
// blocks the next one.
type advisoryLock struct{ db *gorm.DB }

func (l advisoryLock) tryAcquire(ctx context.Context, _ string) (*heldLock, string, error) {
	conn, release, ok, err := store.HoldAdvisoryLock(ctx, l.db, store.LockAggregator, false)
	if err != nil || !ok {
		return nil, "", err
	}
	// A session with a context gets its own Statement, so pinning it leaves l.db alone.
	pinned := l.db.Session(&gorm.Session{NewDB: true, Context: context.WithoutCancel(ctx)})
	pinned.Statement.ConnPool = conn
	return &heldLock{conn: pinned, release: func() { _ = release() }}, "", nil
}

// sqliteLock is the lock of SQLite: the Runner's mutex, then an exclusive flock on a file
// beside the database (<db>-aggregator.lock) against other Runners and processes (a flock is
// per open file, so two Runners of one process exclude each other too).
// The kernel frees a flock when the process holding it dies, however it dies, so holding both
// proves that no other run on this database is alive: a crashed run's row is dead at once.
type sqliteLock struct {
	db    *gorm.DB
	local *localLock
}

func (l sqliteLock) tryAcquire(ctx context.Context, runID string) (*heldLock, string, error) {
	held, holder, err := l.local.tryAcquire(ctx, runID)
	if held == nil {
		return nil, holder, err
	}
	file, err := RunLockFile(l.db.WithContext(ctx))
	if err != nil {
		held.release()
		return nil, "", err
	}
	if file == "" { // an in-memory database, which no other process sees
		return held, "", nil
	}
	f := flock.New(file)
	ok, err := f.TryLock()
	if err != nil || !ok {
		held.release()
		if err != nil {
			return nil, "", fmt.Errorf("lock %s: %w", file, err)
		}
		return nil, "", nil
	}
	local := held.release
	held.release = func() { _ = f.Unlock(); local() }
	return held, "", nil
}

// RunLockFile is the file whose flock an aggregator run holds on a SQLite database ("" on an
// in-memory one, and on Postgres, whose lock is store.LockAggregator).
func RunLockFile(db *gorm.DB) (string, error) {
	if store.IsPostgres(db) {
		return "", nil
	}
	var file string
	if err := db.Raw("SELECT file FROM pragma_database_list WHERE name = 'main'").Scan(&file).Error; err != nil {
		return "", fmt.Errorf("name the database file: %w", err)
	}
	if file == "" {
		return "", nil
	}
	return file + "-aggregator.lock", nil
}

// localLock is the Runner's own mutex: one run at a time from this Runner, the one serve
// builds (runs from other Runners and processes meet the flock).
type localLock struct {
	mu sync.Mutex

	holderMu sync.Mutex
	holder   string
}

func (l *localLock) tryAcquire(_ context.Context, runID string) (*heldLock, string, error) {
	if !l.mu.TryLock() {
		l.holderMu.Lock()
		defer l.holderMu.Unlock()
		return nil, l.holder, nil
	}
	l.holderMu.Lock()
	l.holder = runID
	l.holderMu.Unlock()
	release := func() {
		l.holderMu.Lock()
		l.holder = ""
		l.holderMu.Unlock()
		l.mu.Unlock()
	}
	return &heldLock{release: release}, "", nil
}
