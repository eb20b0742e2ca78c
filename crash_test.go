package main_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/store/storetest"
)

// TestKillDuringSyncLosesNothing is the crash test, on both databases: the real binary serves,
// clients sync batches under load and log every event id the server acknowledged (202), the
// server is killed with SIGKILL mid-load and started again. Every acknowledged event is stored
// exactly once, and every batch sent is stored whole or not at all (a batch whose reply was
// lost in the kill may be either).
func TestKillDuringSyncLosesNothing(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)

	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		dbURL := b.URL(t)
		addr := freeAddr(t)
		env := append(os.Environ(), "DATABASE_URL="+dbURL, "HTTP_ADDR="+addr, "APP_ENV=test", "MIGRATE_ON_START=true",
			"AGGREGATOR_INTERVAL=0", "API_RATE_LIMIT_PER_MIN=0", "DATA_DIR="+t.TempDir(), "LOG_LEVEL=warn")
		cli := func(args ...string) string {
			cmd := exec.Command(bin, args...)
			cmd.Env = env
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			require.NoError(t, cmd.Run(), "%v: %s", args, stderr.String())
			return strings.TrimSpace(stdout.String())
		}
		cli("migrate", "up")
		cli("user", "add", "--email", "crash@example.test")
		token := cli("token", "issue", "--email", "crash@example.test")

		server := startServer(t, bin, env, addr)
		const clients, perBatch = 6, 5
		type batch struct {
			ids   []string
			acked bool
		}
		var (
			mu      sync.Mutex
			batches []*batch
			stop    = make(chan struct{})
			wg      sync.WaitGroup
		)
		client := &http.Client{Timeout: 5 * time.Second}
		for range clients {
			wg.Go(func() {
				for {
					select {
					case <-stop:
						return
					default:
					}
					bt := &batch{}
					var evs []string
					for range perBatch {
						id := uuid.Must(uuid.NewV7()).String()
						bt.ids = append(bt.ids, id)
						evs = append(evs, fmt.Sprintf(`{"event_id":%q,"host":"boards.greenhouse.io","schema_hash":"crash","status":"ok",
							"final_map":{"#email":"email"},"duration_ms":100}`, id))
					}
					mu.Lock()
					batches = append(batches, bt)
					mu.Unlock()
					body := `{"host":"boards.greenhouse.io","schema_hash":"crash","events":[` + strings.Join(evs, ",") + `]}`
					req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/extension/learning/sync", strings.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Authorization", "Bearer "+token)
					res, err := client.Do(req)
					if err != nil {
						time.Sleep(20 * time.Millisecond) // the server is down: keep trying until told to stop
						continue
					}
					_ = res.Body.Close()
					if res.StatusCode == http.StatusAccepted {
						mu.Lock()
						bt.acked = true // the acknowledged ids: the server promised these are stored
						mu.Unlock()
					}
				}
			})
		}
		// Kill mid-load: after a second and 20 acknowledged batches (at most 15 s on a busy machine).
		ackedSoFar := func() int {
			mu.Lock()
			defer mu.Unlock()
			n := 0
			for _, bt := range batches {
				if bt.acked {
					n++
				}
			}
			return n
		}
		time.Sleep(time.Second)
		for deadline := time.Now().Add(15 * time.Second); ackedSoFar() < 20 && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
		require.NoError(t, server.Process.Kill()) // SIGKILL: no shutdown, no flush
		_, _ = server.Process.Wait()
		time.Sleep(200 * time.Millisecond)
		close(stop)
		wg.Wait()

		server = startServer(t, bin, env, addr)
		defer func() {
			_ = server.Process.Signal(os.Interrupt)
			_, _ = server.Process.Wait()
		}()

		cfg, err := config.Load(func(k string) string { return map[string]string{"DATABASE_URL": dbURL, "APP_ENV": "test"}[k] })
		require.NoError(t, err)
		db := storetest.OpenConfig(t, cfg)
		var rows []struct {
			EventID string
			N       int
		}
		require.NoError(t, db.Raw("SELECT CAST(event_id AS text) AS event_id, COUNT(*) AS n FROM autofill_events GROUP BY event_id").
			Scan(&rows).Error)
		stored := map[string]int{}
		for _, r := range rows {
			stored[r.EventID] = r.N
		}
		acked, whole, absent := 0, 0, 0
		for _, bt := range batches {
			n := 0
			for _, id := range bt.ids {
				require.LessOrEqual(t, stored[id], 1, "event %s stored twice", id)
				n += stored[id]
			}
			require.True(t, n == 0 || n == perBatch, "a batch stored in part: %d of %d events", n, perBatch)
			if bt.acked {
				acked++
				require.Equal(t, perBatch, n, "an acknowledged batch is stored")
			} else if n == perBatch {
				whole++
			} else {
				absent++
			}
		}
		require.Positive(t, acked, "the load reached the server")
		require.Equal(t, acked*perBatch+whole*perBatch, len(rows), "nothing else stored")
		t.Logf("%s: %d batches acknowledged (%d events), %d unacknowledged batches stored whole, %d not stored, 0 partial, 0 duplicates",
			b.Name, acked, acked*perBatch, whole, absent)

		// The restarted server serves.
		req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/extension/learning/sync",
			strings.NewReader(`{"host":"jobs.lever.co","schema_hash":"after","events":[{"host":"jobs.lever.co","schema_hash":"after"}]}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := client.Do(req)
		require.NoError(t, err)
		_ = res.Body.Close()
		require.Equal(t, http.StatusAccepted, res.StatusCode)
	})
}

// startServer starts `serve` and waits until /readyz answers 200.
func startServer(t *testing.T, bin string, env []string, addr string) *exec.Cmd {
	t.Helper()
	cmd, logs := launchServer(t, bin, env)
	waitReady(t, cmd, logs, addr)
	return cmd
}

// launchServer starts `serve` without waiting for it; its output goes to the returned buffer.
func launchServer(t *testing.T, bin string, env []string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = env
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	require.NoError(t, cmd.Start())
	return cmd, &logs
}

// waitReady waits until the server at addr answers /readyz with 200, for at most 30 s.
func waitReady(t *testing.T, cmd *exec.Cmd, logs *bytes.Buffer, addr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		res, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			_ = res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	t.Fatalf("the server did not get ready: %s", logs.String())
}

// freeAddr is a loopback address with a port nothing listens on.
func freeAddr(t *testing.T) string {
	return freeAddrs(t, 1)[0]
}

// freeAddrs is n different loopback addresses with ports nothing listens on (held open
// together while they are chosen, so that none is chosen twice).
func freeAddrs(t *testing.T, n int) []string {
	var addrs []string
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer ln.Close()
		addrs = append(addrs, ln.Addr().String())
	}
	return addrs
}
