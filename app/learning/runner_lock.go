package learning

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"

	"gorm.io/gorm"

	"github.com/applylens/learning/app/store"
)

// AdvisoryLockKeySQL computes the Postgres advisory lock that one aggregator run holds for its
// whole duration. Advisory locks belong to the whole database, so the key is derived from the
// schema: deployments (and tests) that share a database in separate schemas do not block each
// other. Holding it elsewhere (as tests do) makes every run of that schema wait its turn.
const AdvisoryLockKeySQL = "hashtextextended('applylens.aggregator:' || current_schema(), 0)"

// runLock lets one run at a time proceed.
type runLock interface {
	// tryAcquire takes the lock for runID, or returns nil (and the holder's run id when it is
	// known) when another run holds it.
	tryAcquire(ctx context.Context, runID string) (held *heldLock, holder string, err error)
}

// heldLock is a lock taken by one run.
type heldLock struct {
	conn      *gorm.DB // the run's transaction runs here; nil: on the Runner's pool
	release   func()
	exclusive bool // holding it proves that no other run anywhere is alive
}

func newRunLock(db *gorm.DB) runLock {
	if store.IsPostgres(db) {
		return advisoryLock{db: db}
	}
	return localLockFor(db)
}

// advisoryLock is a session-level Postgres advisory lock on a connection pinned for the run.
// It is what db.Connection does, unrolled so that the connection outlives the call that takes
// the lock (Start returns while the run goes on). When the process dies its session ends and
// Postgres frees the lock, so a dead run never blocks the next one.
type advisoryLock struct{ db *gorm.DB }

func (l advisoryLock) tryAcquire(ctx context.Context, _ string) (*heldLock, string, error) {
	sqlDB, err := l.db.DB()
	if err != nil {
		return nil, "", err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return nil, "", err
	}
	var ok bool
	if err := conn.QueryRowContext(ctx, "SELECT pg_try_advisory_lock("+AdvisoryLockKeySQL+")").Scan(&ok); err != nil {
		_ = conn.Close()
		return nil, "", err
	}
	if !ok {
		_ = conn.Close()
		return nil, "", nil
	}
	// A session with a context gets its own Statement, so pinning it leaves l.db alone.
	pinned := l.db.Session(&gorm.Session{NewDB: true, Context: context.WithoutCancel(ctx)})
	pinned.Statement.ConnPool = conn
	release := func() {
		var unlocked bool
		err := conn.QueryRowContext(context.Background(), "SELECT pg_advisory_unlock("+AdvisoryLockKeySQL+")").Scan(&unlocked)
		if err != nil || !unlocked {
			// Never hand a connection that may still hold the lock back to the pool: drop it,
			// which ends its session and frees the lock.
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		_ = conn.Close()
	}
	return &heldLock{conn: pinned, release: release, exclusive: true}, "", nil
}

// localLock is the lock of SQLite: a mutex per database pool in this process. Another process
// on the same file is seen through its running row and heartbeat (see Runner.reap), and
// SQLite's own write lock keeps two writers apart in any case.
type localLock struct {
	mu sync.Mutex

	holderMu sync.Mutex
	holder   string
}

var (
	localLocksMu sync.Mutex
	localLocks   = map[*sql.DB]*localLock{}
)

// localLockFor returns the one lock of db's pool, shared by every Runner on it.
func localLockFor(db *gorm.DB) *localLock {
	sqlDB, err := db.DB()
	if err != nil {
		return &localLock{}
	}
	localLocksMu.Lock()
	defer localLocksMu.Unlock()
	l, ok := localLocks[sqlDB]
	if !ok {
		l = &localLock{}
		localLocks[sqlDB] = l
	}
	return l
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
