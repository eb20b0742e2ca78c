// Package store opens the database (Postgres, or the embedded pure-Go SQLite) and holds the
// small helpers that differ by dialect.
package store

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/plugin/dbresolver"

	"github.com/applylens/learning/app/config"
)

// Open connects to the database the configuration names and checks that it answers.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*gorm.DB, error) {
	gcfg := &gorm.Config{
		Logger:                 newGormLogger(log.With("component", "gorm"), time.Second),
		NowFunc:                func() time.Time { return time.Now().UTC() },
		TranslateError:         true,
		SkipDefaultTransaction: true,
	}
	var (
		db  *gorm.DB
		err error
	)
	switch cfg.DBKind() {
	case config.Postgres:
		db, err = gorm.Open(postgres.Open(cfg.DatabaseURL), gcfg)
		if err != nil {
			return nil, fmt.Errorf("database does not answer (postgres): %w", err)
		}
		sqlDB, _ := db.DB()
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	default:
		path := cfg.SQLitePath()
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, fmt.Errorf("create data directory %s: %w", dir, err)
			}
		}
		db, err = gorm.Open(sqlite.Open(SQLiteDSN(path)), gcfg)
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", path, err)
		}
		// SQLite has one writer; one connection makes every write wait its turn instead of
		// failing with "database is locked". Code must never write through db while holding a tx.
		sqlDB, _ := db.DB()
		sqlDB.SetMaxOpenConns(1)
		if err := useReaders(db, path); err != nil {
			_ = sqlDB.Close()
			return nil, err
		}
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("database does not answer: %w", err)
	}
	return db, nil
}

// SQLiteDSN is the DSN of a SQLite file with the pragmas the service relies on.
func SQLiteDSN(path string) string {
	return path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
}

// readerPoolSize is how many SQLite reads run at once beside the writer.
const readerPoolSize = 4

// readers maps a SQLite writer pool to its reader pool, for Close.
var readers sync.Map // *sql.DB → *sql.DB

// useReaders gives a SQLite db a pool of read-only connections for its reads outside a
// transaction (SELECTs, through gorm's dbresolver). In WAL mode readers never wait for the
// writer, so that a dashboard page or /profile is not held up by a sync or an aggregator run;
// each read sees the last committed state. Everything in a transaction stays on the writer.
func useReaders(db *gorm.DB, path string) error {
	rdb, err := sql.Open(sqlite.DriverName, path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)&_pragma=foreign_keys(1)")
	if err != nil {
		return fmt.Errorf("open sqlite readers %s: %w", path, err)
	}
	rdb.SetMaxOpenConns(readerPoolSize)
	rdb.SetMaxIdleConns(readerPoolSize)
	if err := db.Use(dbresolver.Register(dbresolver.Config{Replicas: []gorm.Dialector{sqlite.Dialector{Conn: rdb}}})); err != nil {
		_ = rdb.Close()
		return fmt.Errorf("sqlite readers: %w", err)
	}
	if sqlDB, err := db.DB(); err == nil {
		readers.Store(sqlDB, rdb)
	}
	return nil
}

// Close closes the pools behind db.
func Close(db *gorm.DB) {
	if sqlDB, err := db.DB(); err == nil {
		if rdb, ok := readers.LoadAndDelete(sqlDB); ok {
			_ = rdb.(*sql.DB).Close()
		}
		_ = sqlDB.Close()
	}
}

// Describe names the database for logs, without secrets.
func Describe(cfg config.Config) string {
	if cfg.DBKind() == config.Postgres {
		return "postgres"
	}
	return "sqlite " + cfg.SQLitePath()
}
