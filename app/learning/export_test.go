package learning

// SetSQLiteInPieces sets whether a run on SQLite writes in pieces, for
// BenchmarkSQLiteWritesDuringRun, and returns a func that restores the previous setting.
func SetSQLiteInPieces(on bool) (restore func()) {
	was := sqliteInPieces
	sqliteInPieces = on
	return func() { sqliteInPieces = was }
}
