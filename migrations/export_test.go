package migrations

// FinalMapHashAt202611 exposes the migration's frozen fingerprint to the tests.
var FinalMapHashAt202611 = finalMapHashAt202611

// SetBackfillBatch makes the backfill write n rows per UPDATE on both databases, until the
// returned function restores the sizes.
func SetBackfillBatch(n int) (restore func()) {
	old := backfillBatch
	backfillBatch.postgres, backfillBatch.sqlite = n, n
	return func() { backfillBatch = old }
}
