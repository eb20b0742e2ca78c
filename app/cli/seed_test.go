package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/cli"
	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/ingest"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/seeds"
)

var tokenRE = regexp.MustCompile(`alk_[a-z0-9]+`)

// openVars opens the database the command line uses.
func openVars(t *testing.T, vars map[string]string) *gorm.DB {
	t.Helper()
	cfg, err := config.Load(func(k string) string { return vars[k] })
	require.NoError(t, err)
	return storetest.OpenConfig(t, cfg)
}

func TestSeedCommand(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		vars := map[string]string{"DATABASE_URL": b.URL(t), "LOG_LEVEL": "error"}
		require.Equal(t, 0, run(t, vars, "", "migrate", "up").code)
		truth := filepath.Join(t.TempDir(), "truth.json")

		r := run(t, vars, "", "seed", "--events", "2000", "--users", "3", "--seed", "9", "--truth", truth)
		require.Equal(t, 0, r.code, r.err)
		require.Contains(t, r.out, "Seeding 2,000 demo events over 30 days for 3 demo users (seed 9)")
		require.Contains(t, r.out, "100%  2,000/2,000 events", "plain progress lines when not on a terminal")
		require.Contains(t, r.out, "Seeded 2,000 events on")
		require.Contains(t, r.out, "Ground truth (best style per form and segment) written to "+truth)
		tok := tokenRE.FindString(r.out)
		require.NotEmpty(t, tok, r.out)

		db := openVars(t, vars)
		ctx := context.Background()
		_, u, err := account.Authenticate(ctx, db, tok)
		require.NoError(t, err)
		require.True(t, u.IsDemo)
		require.EqualValues(t, 2000, storetest.Count(t, db, "autofill_events"))

		raw, err := os.ReadFile(truth)
		require.NoError(t, err)
		beside, err := os.ReadDir(filepath.Dir(truth))
		require.NoError(t, err)
		require.Len(t, beside, 1, "the truth, and no file it was written through")
		var tr seeds.Truth
		require.NoError(t, json.Unmarshal(raw, &tr))
		require.EqualValues(t, 9, tr.Seed)
		require.NotEmpty(t, tr.Forms)

		// Demo data exists: a second seed needs --reset.
		r = run(t, vars, "", "seed", "--events", "2000", "--users", "3")
		require.Equal(t, 1, r.code)
		require.Contains(t, r.err, "demo data already")
		require.Contains(t, r.err, "--reset")
		r = run(t, vars, "", "seed", "--events", "1000", "--users", "2", "--reset")
		require.Equal(t, 0, r.code, r.err)
		require.Contains(t, r.out, "Deleted the previous demo: 2,000 events, 3 users, 3 tokens")
		require.EqualValues(t, 1000, storetest.Count(t, db, "autofill_events"))

		// A real user's event: refused without --force, and never deleted.
		real, err := account.CreateUser(ctx, db, account.NewUser{Email: "dana@example.com"})
		require.NoError(t, err)
		_, err = seeds.Insert(ctx, db, []seeds.Ev{{User: real.ID, Host: "jobs.lever.co", SchemaHash: "mine"}})
		require.NoError(t, err)
		r = run(t, vars, "", "seed", "--events", "1000", "--reset")
		require.Equal(t, 1, r.code)
		require.Contains(t, r.err, "real (non-demo) users")
		require.Contains(t, r.err, "--force")
		require.EqualValues(t, 1001, storetest.Count(t, db, "autofill_events"), "nothing changed")

		r = run(t, vars, "", "seed", "--reset", "--events", "0")
		require.Equal(t, 0, r.code, r.err)
		require.Contains(t, r.out, "Deleted the previous demo: 1,000 events")
		var left []models.AutofillEvent
		require.NoError(t, db.Find(&left).Error)
		require.Len(t, left, 1)
		require.Equal(t, real.ID, left[0].UserID)

		r = run(t, vars, "", "seed", "--events", "500", "--force")
		require.Equal(t, 0, r.code, r.err)
		require.EqualValues(t, 501, storetest.Count(t, db, "autofill_events"))

		// A truth that cannot be written fails the command before it touches the data.
		for path, says := range map[string]string{
			filepath.Join(t.TempDir(), "no", "such", "dir", "t.json"): "--truth: cannot write beside",
			t.TempDir(): "is a directory",
		} {
			r = run(t, vars, "", "seed", "--reset", "--force", "--events", "300", "--truth", path)
			require.NotZero(t, r.code, path)
			require.Contains(t, r.err, says)
			require.NotContains(t, r.out, "Deleted the previous demo", "nothing was deleted")
			require.EqualValues(t, 501, storetest.Count(t, db, "autofill_events"), "nothing changed")
		}

		for _, args := range [][]string{{"--events", "-5"}, {"--days", "0"}, {"--users", "0"}, {"--events", "10", "--forms", "11"}} {
			r = run(t, vars, "", append([]string{"seed", "--reset"}, args...)...)
			require.Equal(t, 1, r.code, args)
			require.NotEmpty(t, r.err)
		}
	})
}

// serveDemo starts `serve --demo` in-process; stop ends it and returns its output.
func serveDemo(t *testing.T, vars map[string]string) (base string, stop func() result) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ready := make(chan string, 1)
	done := make(chan result, 1)
	var out, errb bytes.Buffer
	env := cli.Env{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(k string) string { return vars[k] },
		Ready: func(addr string) { ready <- addr }}
	go func() {
		code := cli.Run(ctx, []string{"serve", "--demo"}, env)
		done <- result{code, out.String(), errb.String()}
	}()
	select {
	case addr := <-ready:
		return "http://" + addr, func() result { cancel(); return <-done }
	case r := <-done:
		t.Fatalf("serve --demo exited %d: %s", r.code, r.err)
	case <-time.After(5 * time.Minute):
		t.Fatal("serve --demo did not start")
	}
	return "", nil
}

// TestServeDemo starts on an empty database: the demo is seeded and aggregated, the banner
// gives a working admin login and extension token; a second start seeds nothing.
func TestServeDemo(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		vars := map[string]string{"DATABASE_URL": b.URL(t), "LOG_LEVEL": "info", "AGGREGATOR_INTERVAL": "0",
			"MIGRATE_ON_START": "true", "HTTP_ADDR": "127.0.0.1:0"}
		base, stop := serveDemo(t, vars)

		// The demo token reaches the extension API, and a popular form has its own hint.
		w, err := seeds.NewWorld(seeds.Options{Events: seeds.DefaultEvents, Seed: seeds.DefaultSeed})
		require.NoError(t, err)
		var popular *seeds.Form
		for _, f := range w.Forms {
			if f.Source == models.SourceForm && (popular == nil || f.Events > popular.Events) {
				popular = f
			}
		}
		r := stop()
		require.Equal(t, 0, r.code, r.err)
		require.Contains(t, r.out, "ApplyLens Learning is running with demo data.")
		require.Contains(t, r.out, "Dashboard:   "+base+"/admin")
		require.Contains(t, r.out, "Admin:       admin@applylens.local")
		require.Contains(t, r.out, "20,000 events on")
		require.Contains(t, r.out, "Aggregated:  ")
		tok := tokenRE.FindString(r.out)
		require.NotEmpty(t, tok, r.out)

		// The printed password (made by serve's first-admin bootstrap on SQLite, by --demo on
		// Postgres) signs in; on SQLite it is the one the log showed too.
		pw := regexp.MustCompile(`Password:\s+([a-z0-9]{16,})\s`).FindStringSubmatch(r.out)
		require.Len(t, pw, 2, r.out+r.err)
		if b.Name == "sqlite" {
			require.Contains(t, r.err, "password="+pw[1])
		}
		db := openVars(t, vars)
		_, err = account.Login(context.Background(), db, "admin@applylens.local", pw[1])
		require.NoError(t, err)
		require.EqualValues(t, seeds.DefaultEvents, storetest.Count(t, db, "autofill_events"))

		// Second start: the database has events, so nothing is seeded and no token is shown.
		base, stop = serveDemo(t, vars)
		req, err := http.NewRequest(http.MethodGet, base+ingest.PathExplainStyle+"?host="+popular.Host+"&schema_hash="+popular.SchemaHash, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		var explain map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&explain))
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, explain)
		// The demo serves the default policy (bayes): a popular form's pick pools its own runs
		// with its segment's and family's, and names the level that weighs most.
		require.Contains(t, learning.Sources(), explain["source"], explain)
		require.NotEqual(t, models.SourceNone, explain["source"], explain)
		require.NotEmpty(t, explain["chosen_style_id"], explain)

		r = stop()
		require.Equal(t, 0, r.code, r.err)
		require.Contains(t, r.out, "the database has 20,000 events already: --demo seeded nothing")
		require.NotContains(t, r.out, "Demo token:")
		require.EqualValues(t, seeds.DefaultEvents, storetest.Count(t, db, "autofill_events"))
	})
}
