package seeds

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
)

// CopyBaseline is what BenchmarkSeed compares the seed with on Postgres: the database's own
// cost of the same rows. It copies the events of from (a seeded database) out to a file in dir
// (COPY … TO STDOUT, binary), and the users they belong to into to (a fresh migrated database),
// then times, in one transaction on to, what the seed does minus generating and encoding the
// events: the same secondary indexes and foreign keys dropped (from rebuildMin rows on), COPY …
// FROM STDIN of the file (the mark trigger fires as it does for the seed), the indexes and keys
// put back, the replay keys stored. It returns the rows and the time of that transaction.
func CopyBaseline(ctx context.Context, from, to *gorm.DB, dir string) (int64, time.Duration, error) {
	cols := strings.Join(eventColumns, ", ")
	f, err := os.CreateTemp(dir, "events-*.copy")
	if err != nil {
		return 0, 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	var users bytes.Buffer
	err = withPgConn(ctx, from, func(c *pgconn.PgConn) error {
		if _, err := c.CopyTo(ctx, &users, "COPY users TO STDOUT (FORMAT binary)"); err != nil {
			return err
		}
		_, err := c.CopyTo(ctx, f, "COPY autofill_events ("+cols+") TO STDOUT (FORMAT binary)")
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("copy out: %w", err)
	}
	err = withPgConn(ctx, to, func(c *pgconn.PgConn) error {
		_, err := c.CopyFrom(ctx, &users, "COPY users FROM STDIN (FORMAT binary)")
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("copy users in: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, 0, err
	}
	var n int64
	start := time.Now()
	err = inTx(ctx, to, func(tx *gorm.DB) error {
		var later *deferred
		var rows int64
		if err := from.Table("autofill_events").Count(&rows).Error; err != nil {
			return err
		}
		if rows >= rebuildMin {
			if later, err = deferIndexesAndKeys(tx); err != nil {
				return err
			}
		}
		err := withPgConn(ctx, tx, func(c *pgconn.PgConn) error {
			tag, err := c.CopyFrom(ctx, f, "COPY autofill_events ("+cols+") FROM STDIN (FORMAT binary)")
			n = tag.RowsAffected()
			return err
		})
		if err != nil {
			return err
		}
		if later != nil {
			if err := later.restore(tx); err != nil {
				return err
			}
		}
		return copiedKeys(tx) // the replay keys, as the seed stores them
	})
	return n, time.Since(start), err
}

// withPgConn calls fn with the pgx connection under db: the transaction's own when db is one
// (inTx's), else one taken from the pool for the call.
func withPgConn(ctx context.Context, db *gorm.DB, fn func(*pgconn.PgConn) error) error {
	raw := func(conn *sql.Conn) error {
		return conn.Raw(func(dc any) error {
			sc, ok := dc.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("COPY needs the pgx driver, got %T", dc)
			}
			return fn(sc.Conn().PgConn())
		})
	}
	if conn, ok := db.Statement.ConnPool.(*sql.Conn); ok {
		return raw(conn)
	}
	return db.WithContext(ctx).Connection(func(tx *gorm.DB) error {
		conn, ok := tx.Statement.ConnPool.(*sql.Conn)
		if !ok {
			return fmt.Errorf("COPY needs a dedicated connection, got %T", tx.Statement.ConnPool)
		}
		return raw(conn)
	})
}
