package admin

import (
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Sign-in attempts: per IP and email (a guessed password), per IP (many emails), and then per
// email across every IP (one password guessed from many addresses) or, from a browser that
// signed in to that email before (device.go), per device instead.
const (
	loginPerIPEmailEvery = 12 * time.Second // 5 a minute
	loginPerIPEmailBurst = 5
	loginPerIPEvery      = 2 * time.Second // 30 a minute
	loginPerIPBurst      = 30
	loginPerEmailEvery   = 3 * time.Minute // 20 an hour
	loginPerEmailBurst   = 20
	loginPerDeviceEvery  = time.Minute // 10 at once, then one a minute
	loginPerDeviceBurst  = 10
)

// loginKey is the form of an email that limits and device cookies key on.
func loginKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// loginLimiter limits sign-in attempts in memory (per process).
type loginLimiter struct {
	mu      sync.Mutex
	entries map[string]*rate.Limiter
	swept   time.Time
}

func newLoginLimiter() *loginLimiter { return &loginLimiter{entries: map[string]*rate.Limiter{}} }

// allow reports whether one more attempt from ip for email may be checked now; device is the
// nonce of the browser's device cookie for that email ("" for none). If not, it says how long
// to wait and whether the email's own limit (across addresses) is what refuses.
func (l *loginLimiter) allow(ip, email, device string, now time.Time) (ok bool, wait time.Duration, byAccount bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		// An entry goes once it is full again: forgetting it earlier would hand out a new burst.
		for k, lim := range l.entries {
			if lim.TokensAt(now) >= float64(lim.Burst()) {
				delete(l.entries, k)
			}
		}
		l.swept = now
	}
	email = loginKey(email)
	account := l.entry("email|"+email, loginPerEmailEvery, loginPerEmailBurst)
	if device != "" {
		account = l.entry("device|"+device, loginPerDeviceEvery, loginPerDeviceBurst)
	}
	rs := []*rate.Reservation{
		l.entry("ip|"+ip, loginPerIPEvery, loginPerIPBurst).ReserveN(now, 1),
		l.entry("ip-email|"+ip+"|"+email, loginPerIPEmailEvery, loginPerIPEmailBurst).ReserveN(now, 1),
		account.ReserveN(now, 1),
	}
	for _, r := range rs {
		wait = max(wait, r.DelayFrom(now))
	}
	if wait == 0 {
		return true, 0, false
	}
	// Give back what was taken: a refused attempt costs nothing.
	byAccount = device == "" && rs[2].DelayFrom(now) > 0
	for _, r := range rs {
		r.CancelAt(now)
	}
	return false, wait, byAccount
}

func (l *loginLimiter) entry(key string, every time.Duration, burst int) *rate.Limiter {
	lim := l.entries[key]
	if lim == nil {
		lim = rate.NewLimiter(rate.Every(every), burst)
		l.entries[key] = lim
	}
	return lim
}
