package storetest_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/store/storetest"
)

// TestFixturesMatchShared keeps testdata/ identical to the extension's real payloads and the
// legacy database in ../shared/fixtures, where that folder exists (CI has it).
func TestFixturesMatchShared(t *testing.T) {
	shared := filepath.Join(storetest.RepoRoot(t), "..", "shared", "fixtures")
	if _, err := os.Stat(shared); err != nil {
		t.Skip("../shared/fixtures is not beside this checkout")
	}
	files := map[string]string{
		"feedback_by_event.json":      "payloads/feedback_by_event.json",
		"feedback_legacy.json":        "payloads/feedback_legacy.json",
		"sync_per_event.json":         "payloads/sync_per_event.json",
		"sync_shipped_client.json":    "payloads/sync_shipped_client.json",
		"segment_cases.tsv":           "segment_cases.tsv",
		"legacy_phase50_postgres.sql": "legacy_phase50_postgres.sql",
		"realclient_requests.json":    "realclient/requests.json",
	}
	for local, src := range files {
		want, err := os.ReadFile(filepath.Join(shared, src))
		require.NoError(t, err)
		require.Equal(t, string(want), string(storetest.Testdata(t, local)), "testdata/%s differs from shared/fixtures/%s", local, src)
	}
}
