package learning

import (
	"gorm.io/gorm"

	"github.com/applylens/learning/app/store"
)

// PieceRows is how many profiles one piece of a run's writes on SQLite commits.
const PieceRows = pieceRows

// SetSQLiteInPieces sets whether a run on SQLite writes in pieces, for
// BenchmarkSQLiteWritesDuringRun, and returns a func that restores the previous setting.
func SetSQLiteInPieces(on bool) (restore func()) {
	was := sqliteInPieces
	sqliteInPieces = on
	return func() { sqliteInPieces = was }
}

// DeriveBatch is how many rows one batch of the fold's derivation reads and fills on db.
func DeriveBatch(db *gorm.DB) int { return dialect{store.DialectOf(db)}.deriveBatch() }
