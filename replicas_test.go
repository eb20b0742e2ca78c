package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/store/storetest"
)

// buildBinary builds the service into a temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "applylens")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = storetest.RepoRoot(t)
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	return bin
}

// TestThreeReplicasOnePostgres runs three `serve` processes on one Postgres database, as the
// service scales out, started at the same instant on a database with events:
//   - their rollup refreshers rebuild the dashboard's rollup at once: it counts every event
//     once;
//   - one batch replayed to all three, three times each, at the same time, is stored once;
//   - an aggregator run requested from all three at the same instant is one run: one 202, the
//     others 409 naming it; it folds the learning rollups, which count every event once.
func TestThreeReplicasOnePostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		if b.Name != "postgres" {
			t.Skip("replicas share one Postgres; the embedded SQLite serves one process")
		}
		bin := buildBinary(t)
		dbURL := b.URL(t)
		base := append(os.Environ(), "DATABASE_URL="+dbURL, "APP_ENV=test", "MIGRATE_ON_START=true",
			"AGGREGATOR_INTERVAL=0", "API_RATE_LIMIT_PER_MIN=0", "LOG_LEVEL=warn")
		cli := func(stdin string, args ...string) string {
			cmd := exec.Command(bin, args...)
			cmd.Env = append(base, "DATA_DIR="+t.TempDir())
			cmd.Stdin = strings.NewReader(stdin)
			out, err := cmd.Output()
			var stderr string
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = string(ee.Stderr)
			}
			require.NoError(t, err, "%v: %s", args, stderr)
			return strings.TrimSpace(string(out))
		}
		cli("", "migrate", "up")
		cli("", "seed", "--events", "3000", "--users", "4", "--days", "20")
		cli("", "user", "add", "--email", "replica@example.test")
		userToken := cli("", "token", "issue", "--email", "replica@example.test")
		cli("correct horse battery staple\n", "user", "add", "--email", "ops@example.test", "--admin", "--password-stdin")
		adminToken := cli("", "token", "issue", "--email", "ops@example.test")

		// Started together: each migrates (once, under the lock) and rebuilds the dashboard's
		// rollup on its first pass, at the same time as the others.
		addrs := freeAddrs(t, 3)
		cmds := make([]*exec.Cmd, len(addrs))
		logs := make([]*bytes.Buffer, len(addrs))
		for i, addr := range addrs {
			cmds[i], logs[i] = launchServer(t, bin, append(base, "HTTP_ADDR="+addr, "DATA_DIR="+t.TempDir()))
			cmd := cmds[i]
			t.Cleanup(func() {
				_ = cmd.Process.Signal(os.Interrupt)
				_, _ = cmd.Process.Wait()
			})
		}
		for i, addr := range addrs {
			waitReady(t, cmds[i], logs[i], addr)
		}
		var wg sync.WaitGroup
		cfg, err := config.Load(func(k string) string { return map[string]string{"DATABASE_URL": dbURL, "APP_ENV": "test"}[k] })
		require.NoError(t, err)
		db := storetest.OpenConfig(t, cfg)
		count := func(q string, args ...any) int64 {
			var n int64
			require.NoError(t, db.Raw(q, args...).Scan(&n).Error, q)
			return n
		}
		// The refreshers' first passes ran at the same time, serialised by their lock.
		require.Eventually(t, func() bool {
			return count("SELECT COUNT(*) FROM report_state WHERE name = 'events'") == 1
		}, 30*time.Second, 50*time.Millisecond)
		events := count("SELECT COUNT(*) FROM autofill_events")
		require.Equal(t, events, count("SELECT COALESCE(SUM(events), 0) FROM report_daily_events"), "every event counted once")

		// One batch, replayed to every replica three times at once.
		ids := []string{"0193a5b0-0000-7000-8000-0000000000c1", "0193a5b0-0000-7000-8000-0000000000c2", "0193a5b0-0000-7000-8000-0000000000c3"}
		var evs []string
		for _, id := range ids {
			evs = append(evs, fmt.Sprintf(`{"event_id":%q,"host":"jobs.lever.co","schema_hash":"replica","status":"ok","final_map":{"#e":"email"}}`, id))
		}
		body := `{"host":"jobs.lever.co","schema_hash":"replica","events":[` + strings.Join(evs, ",") + `]}`
		start := make(chan struct{})
		statuses := make(chan int, 9)
		for i := range 9 {
			wg.Go(func() {
				<-start
				statuses <- post(t, addrs[i%3], "/api/extension/learning/sync", userToken, body).status
			})
		}
		close(start)
		wg.Wait()
		close(statuses)
		for s := range statuses {
			require.Equal(t, http.StatusAccepted, s)
		}
		require.EqualValues(t, len(ids), count("SELECT COUNT(*) FROM autofill_events WHERE schema_hash = 'replica'"), "stored once")

		// One aggregator run, asked of the three at the same instant.
		start = make(chan struct{})
		replies := make(chan reply, 3)
		for _, addr := range addrs {
			wg.Go(func() {
				<-start
				replies <- post(t, addr, "/api/admin/aggregator/run", adminToken, `{"days":30}`)
			})
		}
		close(start)
		wg.Wait()
		close(replies)
		accepted := map[string]bool{}
		var refused []string
		for r := range replies {
			switch r.status {
			case http.StatusAccepted:
				accepted[r.body["run_id"].(string)] = true
			case http.StatusConflict:
				refused = append(refused, r.body["run_id"].(string))
			default:
				t.Fatalf("aggregator request: %d %v", r.status, r.body)
			}
		}
		require.NotEmpty(t, accepted)
		for _, id := range refused {
			require.True(t, accepted[id], "a refusal names the run in progress (%s)", id)
		}
		require.Eventually(t, func() bool {
			return count("SELECT COUNT(*) FROM aggregator_runs WHERE status = 'running'") == 0
		}, 60*time.Second, 100*time.Millisecond)
		var runs []struct {
			ID                    string
			Status                string
			StartedAt, FinishedAt time.Time
		}
		require.NoError(t, db.Raw("SELECT id, status, started_at, finished_at FROM aggregator_runs ORDER BY started_at").Scan(&runs).Error)
		require.Len(t, runs, len(accepted), "one run per 202, none for a 409")
		for i, r := range runs {
			require.Equal(t, "ok", r.Status)
			if i > 0 {
				require.False(t, r.StartedAt.Before(runs[i-1].FinishedAt), "runs overlapped: %+v", runs)
			}
		}
		t.Logf("aggregator requested from 3 replicas at once: %d run(s), %d refused naming it", len(accepted), len(refused))
		require.Equal(t, events+int64(len(ids)), count("SELECT COALESCE(SUM(runs), 0) FROM learning_cells"), "the learning rollups count every event once")
	})
}

type reply struct {
	status int
	body   map[string]any
}

func post(t *testing.T, addr, path, token, body string) reply {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, "http://"+addr+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	r := reply{status: res.StatusCode}
	_ = json.Unmarshal(raw, &r.body)
	return r
}
