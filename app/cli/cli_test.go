package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/cli"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/migrations"
)

type result struct {
	code     int
	out, err string
}

// run executes the command line in-process with the given environment.
func run(t *testing.T, vars map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	env := cli.Env{In: strings.NewReader(stdin), Out: &out, Err: &errb,
		Getenv: func(k string) string { return vars[k] }}
	code := cli.Run(context.Background(), args, env)
	return result{code, out.String(), errb.String()}
}

func TestMigrateCommands(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		vars := map[string]string{"DATABASE_URL": b.URL(t), "LOG_LEVEL": "error"}

		r := run(t, vars, "", "migrate", "status")
		require.Equal(t, 0, r.code, r.err)
		require.Contains(t, r.out, "pending  202511010000_phase50_learning_tables")
		require.Contains(t, r.out, "check    MISSING autofill_events.segment_key column")
		require.Contains(t, r.out, fmt.Sprintf("Schema is behind by %d step(s)", len(migrations.IDs())))

		r = run(t, vars, "", "migrate", "up")
		require.Equal(t, 0, r.code, r.err)
		require.Contains(t, r.out, fmt.Sprintf("Applied %d step(s)", len(migrations.IDs())))
		r = run(t, vars, "", "migrate", "up")
		require.Equal(t, 0, r.code, r.err)
		require.Contains(t, r.out, "nothing to apply")

		r = run(t, vars, "", "migrate", "status")
		require.Contains(t, r.out, "check    ok      autofill_events.segment_key column")
		require.Contains(t, r.out, "check    ok      ix_autofill_events_segment_key index")
		require.Contains(t, r.out, "Schema is up to date.")

		r = run(t, vars, "", "migrate", "down", "--to", "202511140000_phase52_segment_key")
		require.Equal(t, 0, r.code, r.err)
		require.Contains(t, r.out, "applied  202511140000_phase52_segment_key")
		require.Contains(t, r.out, "pending  202511200000_phase54_policy")

		r = run(t, vars, "", "migrate", "down", "--to", "nope")
		require.Equal(t, 1, r.code)
		require.Contains(t, r.err, `unknown step "nope"`)
		r = run(t, vars, "", "migrate", "down", "--to", "x", "--all")
		require.Equal(t, 1, r.code)
		require.Contains(t, r.err, "--to and --all exclude each other")

		require.Equal(t, 0, run(t, vars, "", "migrate", "down", "--all").code)
		r = run(t, vars, "", "migrate", "down")
		require.Equal(t, 1, r.code)
		require.Contains(t, r.err, "no step is applied")
	})
}

func TestUserAndToken(t *testing.T) {
	storetest.EachBackend(t, func(t *testing.T, b storetest.Backend) {
		vars := map[string]string{"DATABASE_URL": b.URL(t), "LOG_LEVEL": "error", "MIGRATE_ON_START": "true"}
		require.Equal(t, 0, run(t, vars, "", "migrate", "up").code)

		r := run(t, vars, "s3cret-pass\n", "user", "add", "--email", "Ops@Example.com", "--name", "Ops", "--admin", "--password-stdin")
		require.Equal(t, 0, r.code, r.err)
		require.Contains(t, r.out, "Added admin ops@example.com")

		cases := []struct {
			stdin string
			args  []string
			want  string
		}{
			{"", []string{"user", "add"}, "--email is required"},
			{"", []string{"user", "add", "--email", "ops@example.com"}, "a user with this email exists already"},
			{"", []string{"user", "add", "--email", "not-an-email"}, "email is not a valid address"},
			{"", []string{"user", "add", "--email", "a@b.co", "--admin"}, "an admin needs a password"},
			{"short\n", []string{"user", "add", "--email", "a@b.co", "--password-stdin"}, "password must be at least 8 characters"},
			{"", []string{"token", "issue", "--email", "nobody@example.com"}, "user nobody@example.com: not found"},
			{"", []string{"token", "issue"}, "--email is required"},
			{"", []string{"user", "add", "--email", "long@b.co", "--name", strings.Repeat("é", 256)}, "--name: name is too long: 256 characters, at most 255"},
			{"", []string{"token", "issue", "--email", "ops@example.com", "--name", strings.Repeat("x", 101)}, "--name: name is too long: 101 characters, at most 100"},
			{"", []string{"frobnicate"}, `unknown command "frobnicate"`},
		}
		for _, c := range cases {
			r := run(t, vars, c.stdin, c.args...)
			require.Equal(t, 1, r.code, "%v", c.args)
			require.Contains(t, r.err, c.want, "%v", c.args)
		}
		var stored int64
		require.NoError(t, openVars(t, vars).Raw("SELECT COUNT(*) FROM users WHERE email = ?", "long@b.co").Scan(&stored).Error)
		require.Zero(t, stored, "refused before anything is stored")
		// A name at the limit, in characters (not bytes), is taken.
		r = run(t, vars, "", "user", "add", "--email", "long@b.co", "--name", strings.Repeat("é", 255))
		require.Equal(t, 0, r.code, r.err)

		r = run(t, vars, "", "token", "issue", "--email", "ops@example.com", "--name", "laptop")
		require.Equal(t, 0, r.code, r.err)
		require.Regexp(t, `^alk_[a-z2-7]{32}\n$`, r.out, "only the token on stdout")
		require.Contains(t, r.err, "shown once")
	})
}

func TestVersionAndHelp(t *testing.T) {
	r := run(t, nil, "", "version")
	require.Equal(t, 0, r.code)
	require.Contains(t, r.out, "applylens-learning ")
	for _, args := range [][]string{{"--help"}, {"migrate", "--help"}, {"user", "add", "--help"}, {"token", "issue", "--help"}, {"serve", "--help"}} {
		r := run(t, nil, "", args...)
		require.Equal(t, 0, r.code, "%v", args)
		require.Contains(t, r.out, "Usage:", "%v", args)
	}
}

func TestConfigErrorsExitNonZero(t *testing.T) {
	r := run(t, map[string]string{"HTTP_ADDR": "8080"}, "", "serve")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.err, "config: HTTP_ADDR must be host:port")
	r = run(t, map[string]string{"DATABASE_URL": "postgres://postgres@127.0.0.1:1/none?connect_timeout=2"}, "", "migrate", "status")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.err, "database does not answer")
}

// serve starts the server in-process and returns its base URL.
func serve(t *testing.T, vars map[string]string, args ...string) (string, chan result) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan result, 1)
	vars["HTTP_ADDR"] = "127.0.0.1:0"
	var out, errb bytes.Buffer
	env := cli.Env{In: strings.NewReader(""), Out: &out, Err: &errb, Getenv: func(k string) string { return vars[k] },
		Ready: func(addr string) { ready <- addr }}
	go func() {
		code := cli.Run(ctx, append([]string{"serve"}, args...), env)
		done <- result{code, out.String(), errb.String()}
	}()
	t.Cleanup(cancel)
	select {
	case addr := <-ready:
		return "http://" + addr, done
	case r := <-done:
		t.Fatalf("serve exited %d: %s", r.code, r.err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start")
	}
	return "", done
}

func getJSON(t *testing.T, url string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	var body map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
	return resp.StatusCode, body
}

func TestServeEmbeddedMigratesByItself(t *testing.T) {
	vars := map[string]string{"DATABASE_URL": storetest.Backends()[0].URL(t), "LOG_LEVEL": "info", "AGGREGATOR_INTERVAL": "0"}
	base, _ := serve(t, vars)
	code, body := getJSON(t, base+"/healthz")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "ok", body["status"])
	code, body = getJSON(t, base+"/readyz")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "ready", body["status"])
}

func TestServeRefusesSchemaBehindOnPostgres(t *testing.T) {
	pg := storetest.Postgres(t, "serve refuses only a Postgres schema that is behind")
	vars := map[string]string{"DATABASE_URL": pg.URL(t), "LOG_LEVEL": "error", "AGGREGATOR_INTERVAL": "0"}
	r := run(t, vars, "", "serve")
	require.Equal(t, 1, r.code)
	require.Contains(t, r.err, "the database schema is behind by")
	require.Contains(t, r.err, "run `migrate up`, or set MIGRATE_ON_START=true")

	// Half-migrated: readyz says 503 with the reason, for a server that was started before.
	vars["MIGRATE_ON_START"] = "true"
	base, done := serve(t, vars)
	code, _ := getJSON(t, base+"/readyz")
	require.Equal(t, http.StatusOK, code)
	down := run(t, vars, "", "migrate", "down")
	require.Equal(t, 0, down.code, down.err)
	code, body := getJSON(t, base+"/readyz")
	require.Equal(t, http.StatusServiceUnavailable, code)
	require.Contains(t, body["reason"], "schema is behind")
	_ = done
}
