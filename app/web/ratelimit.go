package web

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// RateLimiter keeps one token bucket per key (a token id, an IP). Buckets idle for ten
// minutes are forgotten. The limit is per process: with N replicas a client gets N times it.
type RateLimiter struct {
	limit rate.Limit
	burst int
	mu    sync.Mutex
	keys  map[string]*bucket
	sweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewRateLimiter allows perMinute events a minute per key with bursts of burst.
func NewRateLimiter(perMinute, burst int) *RateLimiter {
	return &RateLimiter{limit: rate.Limit(float64(perMinute) / 60), burst: burst, keys: map[string]*bucket{}}
}

// Allow takes one event for key; when refused it returns how long to wait.
func (r *RateLimiter) Allow(key string) (bool, time.Duration) {
	now := time.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.sweep) > time.Minute {
		for k, b := range r.keys {
			if now.Sub(b.seen) > 10*time.Minute {
				delete(r.keys, k)
			}
		}
		r.sweep = now
	}
	b, ok := r.keys[key]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(r.limit, r.burst)}
		r.keys[key] = b
	}
	b.seen = now
	res := b.lim.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Limit refuses requests over the limit with 429 and Retry-After; key picks the bucket.
func (r *RateLimiter) Limit(key func(*gin.Context) string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if r == nil || r.limit <= 0 {
			c.Next()
			return
		}
		ok, wait := r.Allow(key(c))
		if !ok {
			secs := int(math.Ceil(wait.Seconds()))
			Fail(c, &Error{Status: http.StatusTooManyRequests, Message: "too many requests: slow down",
				Headers: map[string]string{"Retry-After": strconv.Itoa(max(secs, 1))}})
			return
		}
		c.Next()
	}
}
