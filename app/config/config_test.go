package config_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/applylens/learning/app/config"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaults(t *testing.T) {
	c, err := config.Load(env(nil))
	require.NoError(t, err)
	require.Equal(t, ":8080", c.HTTPAddr)
	require.True(t, c.Embedded())
	require.Equal(t, filepath.Join("data", "applylens.db"), c.SQLitePath())
	require.Equal(t, slog.LevelInfo, c.LogLevel)
	require.Equal(t, 6*time.Hour, c.AggregatorInterval)
	require.Equal(t, 30, c.AggregatorDays)
	require.Equal(t, 5, c.MinFormRuns)
	require.Equal(t, 2000, c.AggregatorChunk)
	require.Equal(t, 5, c.MinSegmentRuns)
	require.Equal(t, 10, c.MinFamilyRuns)
	require.True(t, c.BanditEnabled)
	require.Equal(t, "http://localhost:8080", c.PublicURL)
}

func TestDatabaseKinds(t *testing.T) {
	c, err := config.Load(env(map[string]string{"DATABASE_URL": "postgres://u:p@db:5432/app"}))
	require.NoError(t, err)
	require.Equal(t, config.Postgres, c.DBKind())
	c, err = config.Load(env(map[string]string{"DATABASE_URL": "sqlite:/tmp/x.db"}))
	require.NoError(t, err)
	require.Equal(t, "/tmp/x.db", c.SQLitePath())
	require.True(t, c.Embedded())
}

func TestErrorsNameTheVariable(t *testing.T) {
	cases := map[string]map[string]string{
		"config: DATABASE_URL must start with postgres://":                                     {"DATABASE_URL": "mysql://u:secret@x/y"},
		"config: HTTP_ADDR must be host:port":                                                  {"HTTP_ADDR": "8080"},
		"config: LOG_LEVEL must be debug, info, warn or error":                                 {"LOG_LEVEL": "loud"},
		"config: LOG_FORMAT must be one of text, json":                                         {"LOG_FORMAT": "xml"},
		"config: AGGREGATOR_INTERVAL must be a duration":                                       {"AGGREGATOR_INTERVAL": "often"},
		"config: MIN_FORM_RUNS must be between 1 and":                                          {"MIN_FORM_RUNS": "0"},
		"config: API_MAX_EVENTS_PER_BATCH must be a whole number":                              {"API_MAX_EVENTS_PER_BATCH": "lots"},
		"config: BANDIT_ENABLED must be true or false":                                         {"BANDIT_ENABLED": "maybe"},
		"config: ADMIN_EMAIL and ADMIN_PASSWORD are set together":                              {"ADMIN_EMAIL": "a@b.c"},
		"config: SESSION_SECRET is required when APP_ENV=production":                           {"APP_ENV": "production"},
		"config: APP_ENV must be one of":                                                       {"APP_ENV": "staging"},
		"config: API_COOKIE_ORIGINS lists only extension origins":                              {"API_COOKIE_ORIGINS": "chrome-extension://abc, https://boards.greenhouse.io"},
		"config: RETENTION_DAYS must be 0 (keep every event) or more than AGGREGATOR_DAYS (30": {"RETENTION_DAYS": "30"},
		"config: RETENTION_DAYS must be 0 (keep every event) or more than AGGREGATOR_DAYS (0":  {"RETENTION_DAYS": "90", "AGGREGATOR_DAYS": "0"},
		"config: RETENTION_DAYS must be between 0 and":                                         {"RETENTION_DAYS": "-1"},
		"config: AGGREGATOR_CHUNK_FORMS must be between 1 and 10000":                           {"AGGREGATOR_CHUNK_FORMS": "20000"},
	}
	for want, vars := range cases {
		_, err := config.Load(env(vars))
		require.ErrorContains(t, err, want)
	}
	_, err := config.Load(env(map[string]string{"DATABASE_URL": "mysql://u:secret@x/y"}))
	require.NotContains(t, err.Error(), "secret", "passwords are not echoed")
	// Several wrong variables are all named.
	_, err = config.Load(env(map[string]string{"HTTP_ADDR": "x", "LOG_LEVEL": "loud"}))
	require.ErrorContains(t, err, "HTTP_ADDR")
	require.ErrorContains(t, err, "LOG_LEVEL")
	cfg, err := config.Load(env(map[string]string{"API_COOKIE_ORIGINS": "chrome-extension://abc,moz-extension://d-e-f"}))
	require.NoError(t, err)
	require.Equal(t, []string{"chrome-extension://abc", "moz-extension://d-e-f"}, cfg.CookieOrigins)
	cfg, err = config.Load(env(map[string]string{"RETENTION_DAYS": "31"}))
	require.NoError(t, err)
	require.Equal(t, 31, cfg.RetentionDays)
}

func TestSecretsFromFiles(t *testing.T) {
	f := filepath.Join(t.TempDir(), "pw")
	require.NoError(t, os.WriteFile(f, []byte("correct horse battery\n"), 0o600))
	c, err := config.Load(env(map[string]string{"ADMIN_EMAIL": "a@b.c", "ADMIN_PASSWORD_FILE": f}))
	require.NoError(t, err)
	require.Equal(t, "correct horse battery", c.AdminPassword)
	_, err = config.Load(env(map[string]string{"ADMIN_EMAIL": "a@b.c", "ADMIN_PASSWORD_FILE": f + ".missing"}))
	require.ErrorContains(t, err, "ADMIN_PASSWORD_FILE cannot be read")
	_, err = config.Load(env(map[string]string{"ADMIN_PASSWORD": "x", "ADMIN_PASSWORD_FILE": f}))
	require.ErrorContains(t, err, "ADMIN_PASSWORD and ADMIN_PASSWORD_FILE are both set")
}

func TestCheckDays(t *testing.T) {
	for _, d := range []int{0, 1, config.MaxDays} {
		require.NoError(t, config.CheckDays(d), d)
	}
	for _, d := range []int{-1, config.MaxDays + 1} {
		require.ErrorContains(t, config.CheckDays(d), "from 0 (all time) to 3650", d)
	}
	_, err := config.Load(env(map[string]string{"AGGREGATOR_DAYS": "3651"}))
	require.ErrorContains(t, err, "AGGREGATOR_DAYS")
}

// TestMetricsWarning: in production /metrics open to the network is warned about at start;
// a METRICS_TOKEN or a loopback-only address silences it, and development never warns.
func TestMetricsWarning(t *testing.T) {
	const secret = "0123456789abcdef0123456789abcdef"
	for _, c := range []struct {
		env  map[string]string
		warn bool
	}{
		{map[string]string{"APP_ENV": "production", "SESSION_SECRET": secret}, true},
		{map[string]string{"APP_ENV": "production", "SESSION_SECRET": secret, "HTTP_ADDR": "0.0.0.0:8080"}, true},
		{map[string]string{"APP_ENV": "production", "SESSION_SECRET": secret, "HTTP_ADDR": "[::]:8080"}, true},
		{map[string]string{"APP_ENV": "production", "SESSION_SECRET": secret, "HTTP_ADDR": "10.0.0.5:8080"}, true},
		{map[string]string{"APP_ENV": "production", "SESSION_SECRET": secret, "METRICS_TOKEN": "m"}, false},
		{map[string]string{"APP_ENV": "production", "SESSION_SECRET": secret, "HTTP_ADDR": "127.0.0.1:8080"}, false},
		{map[string]string{"APP_ENV": "production", "SESSION_SECRET": secret, "HTTP_ADDR": "[::1]:8080"}, false},
		{map[string]string{"APP_ENV": "production", "SESSION_SECRET": secret, "HTTP_ADDR": "localhost:8080"}, false},
		{map[string]string{}, false},
	} {
		cfg, err := config.Load(env(c.env))
		require.NoError(t, err, c.env)
		if c.warn {
			require.Len(t, cfg.Warnings(), 1, c.env)
			require.Contains(t, cfg.Warnings()[0], "METRICS_TOKEN", c.env)
		} else {
			require.Empty(t, cfg.Warnings(), c.env)
		}
	}
}
