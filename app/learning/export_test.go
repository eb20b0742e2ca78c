package learning

// PieceRows is how many profiles one piece of a run's writes on SQLite commits.
const PieceRows = pieceRows

// SetSQLiteInPieces sets whether a run on SQLite writes in pieces, for
// BenchmarkSQLiteWritesDuringRun, and returns a func that restores the previous setting.
func SetSQLiteInPieces(on bool) (restore func()) {
	was := sqliteInPieces
	sqliteInPieces = on
	return func() { sqliteInPieces = was }
}
