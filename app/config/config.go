// Package config reads the one typed configuration of the service from the environment and
// validates it at start, so that a bad value stops the process with a message naming it.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// DBKind names the database the service runs on.
type DBKind string

const (
	SQLite   DBKind = "sqlite"
	Postgres DBKind = "postgres"
)

// Config is every setting of the service. Each field is read from the variable named in its
// comment; .env.example lists them all with their defaults.
type Config struct {
	AppEnv         string     // APP_ENV: development | production | test
	DatabaseURL    string     // DATABASE_URL: postgres://… , sqlite:PATH, or empty for ./data/applylens.db
	DataDir        string     // DATA_DIR: where the embedded SQLite file lives when DATABASE_URL is empty
	HTTPAddr       string     // HTTP_ADDR
	LogLevel       slog.Level // LOG_LEVEL: debug | info | warn | error
	LogFormat      string     // LOG_FORMAT: text | json
	MigrateOnStart bool       // MIGRATE_ON_START
	TrustedProxies []string   // TRUSTED_PROXIES: comma-separated CIDRs or IPs; empty trusts none
	PublicURL      string     // PUBLIC_URL: used in printed links; defaults to http://localhost<HTTP_ADDR>

	// Extension API limits.
	MaxBodyBytes      int64    // API_MAX_BODY_BYTES
	MaxEventsPerBatch int      // API_MAX_EVENTS_PER_BATCH
	MaxMapKeys        int      // API_MAX_MAP_KEYS
	MaxStringLen      int      // API_MAX_STRING_LEN
	RateLimitPerMin   int      // API_RATE_LIMIT_PER_MIN: requests per token per minute (0 = off)
	RateLimitBurst    int      // API_RATE_LIMIT_BURST
	CORSOrigins       []string // API_CORS_ORIGINS: origins that may call the API with a token (no cookies), comma-separated
	CookieOrigins     []string // API_COOKIE_ORIGINS: extension origins (chrome-extension://<id>) whose requests may use the sign-in cookie
	BanditEnabled     bool     // BANDIT_ENABLED: false = kill switch (no exploration)
	MetricsToken      string   // METRICS_TOKEN (or METRICS_TOKEN_FILE): bearer token for /metrics; empty = open

	// Aggregator.
	AggregatorInterval time.Duration // AGGREGATOR_INTERVAL: 0 turns the scheduler off
	AggregatorDays     int           // AGGREGATOR_DAYS: lookback window of scheduled runs (0 = all time)
	RetentionDays      int           // RETENTION_DAYS: events older than this many days are deleted (0 = kept forever)
	AggregatorChunk    int           // AGGREGATOR_CHUNK_FORMS: forms a run plans and writes at once (bounds its memory)
	MinFormRuns        int           // MIN_FORM_RUNS
	MinSegmentRuns     int           // MIN_SEGMENT_RUNS
	MinFamilyRuns      int           // MIN_FAMILY_RUNS
	LearningPolicy     string        // LEARNING_POLICY: bayes (default) | threshold (the original's rules)
	ExploreFloor       float64       // EXPLORE_FLOOR: the least chance /profile gives every style under bayes

	// Admin.
	AdminEmail    string // ADMIN_EMAIL
	AdminPassword string // ADMIN_PASSWORD (or ADMIN_PASSWORD_FILE)
	SessionSecret string // SESSION_SECRET (or SESSION_SECRET_FILE): signs admin session cookies
}

// Embedded reports whether the service runs on the embedded SQLite default.
func (c Config) Embedded() bool { return c.DBKind() == SQLite }

// DBKind is the kind of database DATABASE_URL names.
func (c Config) DBKind() DBKind {
	if strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return Postgres
	}
	return SQLite
}

// SQLitePath is the file of the embedded database.
func (c Config) SQLitePath() string {
	if p, ok := strings.CutPrefix(c.DatabaseURL, "sqlite:"); ok {
		return p
	}
	return filepath.Join(c.DataDir, "applylens.db")
}

// Production reports whether APP_ENV is production.
func (c Config) Production() bool { return c.AppEnv == "production" }

// MaxDays is the longest window of an aggregator run, in days (0 means all time).
const MaxDays = 3650

// CheckDays is the one rule for the window of an aggregator run, wherever it comes from
// (AGGREGATOR_DAYS, the CLI, the dashboard, the admin API, the runner itself): a whole number
// of days from 0 (all time) to MaxDays.
func CheckDays(days int) error {
	if days < 0 || days > MaxDays {
		return fmt.Errorf("must be a whole number of days from 0 (all time) to %d (got %d)", MaxDays, days)
	}
	return nil
}

// Warnings lists what is allowed but unwise in this configuration; serve logs each at start.
func (c Config) Warnings() []string {
	var out []string
	if c.Production() && c.MetricsToken == "" && !loopbackOnly(c.HTTPAddr) {
		out = append(out, fmt.Sprintf("/metrics is open to anyone who reaches %s: set METRICS_TOKEN, "+
			"or listen on a loopback address only (HTTP_ADDR=127.0.0.1:PORT)", c.HTTPAddr))
	}
	return out
}

// loopbackOnly reports whether a listen address (host:port) accepts loopback connections only.
func loopbackOnly(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false // ":8080" listens on every interface
	}
	if host == "localhost" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}

// Load reads the configuration through getenv and validates it. The error names every
// variable that is wrong.
func Load(getenv func(string) string) (Config, error) {
	r := reader{getenv: getenv}
	c := Config{
		AppEnv:         r.oneOf("APP_ENV", "development", "development", "production", "test"),
		DatabaseURL:    r.str("DATABASE_URL", ""),
		DataDir:        r.str("DATA_DIR", "data"),
		HTTPAddr:       r.str("HTTP_ADDR", ":8080"),
		LogFormat:      r.oneOf("LOG_FORMAT", "text", "text", "json"),
		MigrateOnStart: r.boolean("MIGRATE_ON_START", false),
		TrustedProxies: r.list("TRUSTED_PROXIES"),
		PublicURL:      r.str("PUBLIC_URL", ""),

		MaxBodyBytes:      int64(r.integer("API_MAX_BODY_BYTES", 1<<20, 1024, 64<<20)),
		MaxEventsPerBatch: r.integer("API_MAX_EVENTS_PER_BATCH", 500, 1, 10000),
		MaxMapKeys:        r.integer("API_MAX_MAP_KEYS", 200, 1, 10000),
		MaxStringLen:      r.integer("API_MAX_STRING_LEN", 2048, 16, 1<<20),
		RateLimitPerMin:   r.integer("API_RATE_LIMIT_PER_MIN", 600, 0, 1_000_000),
		RateLimitBurst:    r.integer("API_RATE_LIMIT_BURST", 60, 1, 1_000_000),
		CORSOrigins:       r.list("API_CORS_ORIGINS"),
		CookieOrigins:     r.list("API_COOKIE_ORIGINS"),
		BanditEnabled:     r.boolean("BANDIT_ENABLED", true),
		MetricsToken:      r.secret("METRICS_TOKEN"),

		AggregatorInterval: r.duration("AGGREGATOR_INTERVAL", 6*time.Hour),
		AggregatorDays:     r.integer("AGGREGATOR_DAYS", 30, 0, MaxDays),
		RetentionDays:      r.integer("RETENTION_DAYS", 0, 0, MaxDays),
		AggregatorChunk:    r.integer("AGGREGATOR_CHUNK_FORMS", 2000, 1, MaxChunkForms),
		MinFormRuns:        r.integer("MIN_FORM_RUNS", 5, 1, 1_000_000),
		MinSegmentRuns:     r.integer("MIN_SEGMENT_RUNS", 5, 1, 1_000_000),
		MinFamilyRuns:      r.integer("MIN_FAMILY_RUNS", 10, 1, 1_000_000),
		LearningPolicy:     r.oneOf("LEARNING_POLICY", "bayes", "bayes", "threshold"),
		ExploreFloor:       r.number("EXPLORE_FLOOR", 0.02, 0, 0.1),

		AdminEmail:    r.str("ADMIN_EMAIL", ""),
		AdminPassword: r.secret("ADMIN_PASSWORD"),
		SessionSecret: r.secret("SESSION_SECRET"),
	}
	c.LogLevel = r.level("LOG_LEVEL", slog.LevelInfo)

	if c.DatabaseURL != "" && c.DBKind() == SQLite && !strings.HasPrefix(c.DatabaseURL, "sqlite:") {
		r.fail("DATABASE_URL", "must start with postgres://, postgresql:// or sqlite: (got %q)", redact(c.DatabaseURL))
	}
	if strings.HasPrefix(c.DatabaseURL, "sqlite:") && c.SQLitePath() == "" {
		r.fail("DATABASE_URL", "sqlite: needs a file path, e.g. sqlite:data/dev.db")
	}
	if c.HTTPAddr != "" && !strings.Contains(c.HTTPAddr, ":") {
		r.fail("HTTP_ADDR", "must be host:port or :port (got %q)", c.HTTPAddr)
	}
	if c.AggregatorInterval < 0 || (c.AggregatorInterval > 0 && c.AggregatorInterval < time.Minute) {
		r.fail("AGGREGATOR_INTERVAL", "must be 0 (off) or at least 1m (got %s)", c.AggregatorInterval)
	}
	if c.RetentionDays > 0 && (c.AggregatorDays == 0 || c.RetentionDays <= c.AggregatorDays) {
		r.fail("RETENTION_DAYS", "must be 0 (keep every event) or more than AGGREGATOR_DAYS (%d; 0 reads all time): a run's window must still hold its events (got %d)",
			c.AggregatorDays, c.RetentionDays)
	}
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		r.fail("ADMIN_EMAIL", "and ADMIN_PASSWORD are set together or not at all")
	}
	if c.AdminPassword != "" && len(c.AdminPassword) < 8 {
		r.fail("ADMIN_PASSWORD", "must be at least 8 characters")
	}
	if c.Production() && c.SessionSecret == "" {
		r.fail("SESSION_SECRET", "is required when APP_ENV=production")
	}
	if c.SessionSecret != "" && len(c.SessionSecret) < 32 {
		r.fail("SESSION_SECRET", "must be at least 32 characters")
	}
	for _, o := range c.CookieOrigins {
		if !extensionOrigin(o) {
			r.fail("API_COOKIE_ORIGINS", "lists only extension origins such as chrome-extension://<id> (got %q): a web page's origin must never use the sign-in cookie", o)
		}
	}
	if c.PublicURL == "" {
		host := c.HTTPAddr
		if strings.HasPrefix(host, ":") {
			host = "localhost" + host
		}
		c.PublicURL = "http://" + host
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	if len(r.errs) > 0 {
		return Config{}, errors.Join(r.errs...)
	}
	return c, nil
}

type reader struct {
	getenv func(string) string
	errs   []error
}

func (r *reader) fail(name, format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf("config: %s %s", name, fmt.Sprintf(format, args...)))
}

func (r *reader) str(name, def string) string {
	if v := strings.TrimSpace(r.getenv(name)); v != "" {
		return v
	}
	return def
}

// secret reads NAME, or the file NAME_FILE points to (not both).
func (r *reader) secret(name string) string {
	v, file := r.getenv(name), r.getenv(name+"_FILE")
	if v != "" && file != "" {
		r.fail(name, "and %s_FILE are both set; set one", name)
		return ""
	}
	if file == "" {
		return v
	}
	b, err := os.ReadFile(file)
	if err != nil {
		r.fail(name+"_FILE", "cannot be read: %v", err)
		return ""
	}
	return strings.TrimSpace(string(b))
}

func (r *reader) oneOf(name, def string, allowed ...string) string {
	v := strings.ToLower(r.str(name, def))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	r.fail(name, "must be one of %s (got %q)", strings.Join(allowed, ", "), v)
	return def
}

func (r *reader) integer(name string, def, lo, hi int) int {
	s := r.str(name, "")
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		r.fail(name, "must be a whole number (got %q)", s)
		return def
	}
	if n < lo || n > hi {
		r.fail(name, "must be between %d and %d (got %d)", lo, hi, n)
		return def
	}
	return n
}

func (r *reader) number(name string, def, lo, hi float64) float64 {
	s := r.str(name, "")
	if s == "" {
		return def
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(x) {
		r.fail(name, "must be a number (got %q)", s)
		return def
	}
	if x < lo || x > hi {
		r.fail(name, "must be between %g and %g (got %g)", lo, hi, x)
		return def
	}
	return x
}

func (r *reader) boolean(name string, def bool) bool {
	s := r.str(name, "")
	if s == "" {
		return def
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		r.fail(name, "must be true or false (got %q)", s)
		return def
	}
	return b
}

func (r *reader) duration(name string, def time.Duration) time.Duration {
	s := r.str(name, "")
	if s == "" {
		return def
	}
	if s == "0" {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		r.fail(name, "must be a duration such as 6h or 30m, or 0 (got %q)", s)
		return def
	}
	return d
}

func (r *reader) level(name string, def slog.Level) slog.Level {
	s := r.str(name, "")
	if s == "" {
		return def
	}
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		r.fail(name, "must be debug, info, warn or error (got %q)", s)
		return def
	}
	return l
}

func (r *reader) list(name string) []string {
	var out []string
	for _, p := range strings.Split(r.getenv(name), ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// redact hides a password in a URL-looking string.
func redact(s string) string {
	if at := strings.LastIndex(s, "@"); at > 0 {
		if scheme := strings.Index(s, "://"); scheme >= 0 && scheme < at {
			return s[:scheme+3] + "…@" + s[at+1:]
		}
	}
	return s
}

// extensionOrigin reports whether o is a browser extension's origin (scheme://id, no path).
func extensionOrigin(o string) bool {
	for _, scheme := range []string{"chrome-extension://", "moz-extension://", "safari-web-extension://"} {
		if id, ok := strings.CutPrefix(o, scheme); ok {
			return id != "" && !strings.ContainsAny(id, "/?#@:")
		}
	}
	return false
}
