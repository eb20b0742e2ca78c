package admin

import (
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Sign-in attempts: per IP and email (a guessed password), and per IP (many emails).
const (
	loginPerEmailEvery = 12 * time.Second // 5 a minute
	loginPerEmailBurst = 5
	loginPerIPEvery    = 2 * time.Second // 30 a minute
	loginPerIPBurst    = 30
	limiterIdle        = 15 * time.Minute
)

type limiterEntry struct {
	lim  *rate.Limiter
	seen time.Time
}

// loginLimiter limits sign-in attempts in memory (per process).
type loginLimiter struct {
	mu      sync.Mutex
	entries map[string]*limiterEntry
	swept   time.Time
}

func newLoginLimiter() *loginLimiter { return &loginLimiter{entries: map[string]*limiterEntry{}} }

// allow reports whether one more attempt from ip for email may be checked now, and if not,
// how long to wait.
func (l *loginLimiter) allow(ip, email string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		for k, e := range l.entries {
			if now.Sub(e.seen) > limiterIdle {
				delete(l.entries, k)
			}
		}
		l.swept = now
	}
	byIP := l.entry("ip|"+ip, loginPerIPEvery, loginPerIPBurst, now)
	byEmail := l.entry("email|"+ip+"|"+strings.ToLower(strings.TrimSpace(email)), loginPerEmailEvery, loginPerEmailBurst, now)
	// Reserve on both; give back what was taken when either refuses.
	r1 := byIP.ReserveN(now, 1)
	r2 := byEmail.ReserveN(now, 1)
	wait := max(r1.DelayFrom(now), r2.DelayFrom(now))
	if wait > 0 {
		r1.CancelAt(now)
		r2.CancelAt(now)
		return false, wait
	}
	return true, 0
}

func (l *loginLimiter) entry(key string, every time.Duration, burst int, now time.Time) *rate.Limiter {
	e := l.entries[key]
	if e == nil {
		e = &limiterEntry{lim: rate.NewLimiter(rate.Every(every), burst)}
		l.entries[key] = e
	}
	e.seen = now
	return e.lim
}
