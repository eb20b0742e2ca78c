package report

import (
	"context"
	"fmt"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
	"gorm.io/gorm"
)

// mixTTL bounds how long a cached profile mix is trusted even when its fingerprint holds (a
// safety net for hints written outside an aggregator run, e.g. by hand).
const mixTTL = 10 * time.Minute

// MixCache keeps the overview's profile mix of one database while its fingerprint holds:
// the number of profiles (ingest adds them) and the id and state of the latest aggregator run
// (only a run rewrites hints, and a run that starts or ends changes its row). Checking the
// fingerprint is two indexed lookups; recomputing is one pass over the hint summaries
// (form_profiles.hint_summary, a few hundred bytes each). serve builds
// one and gives it to the pages and the refresher; its zero value is ready to use.
type MixCache struct {
	mu  sync.Mutex
	key string
	at  time.Time
	mix *profileMix
	sf  singleflight.Group
}

func mixFingerprint(db *gorm.DB) (string, error) {
	var row struct {
		Profiles int64
		LastRun  string
	}
	err := db.Raw(sqlMixFingerprint.For(db)).
		Scan(&row).Error
	if err != nil {
		return "", fmt.Errorf("profile fingerprint: %w", err)
	}
	return fmt.Sprintf("%d|%s", row.Profiles, row.LastRun), nil
}

func (c *MixCache) get(ctx context.Context, db *gorm.DB) (*profileMix, error) {
	db = db.WithContext(ctx)
	key, err := mixFingerprint(db)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.mix != nil && c.key == key && time.Since(c.at) < mixTTL {
		m := c.mix
		c.mu.Unlock()
		return m, nil
	}
	c.mu.Unlock()
	v, err, _ := c.sf.Do(key, func() (any, error) {
		m, err := readProfileMix(db)
		if err != nil {
			return nil, fmt.Errorf("profile mix: %w", err)
		}
		c.mu.Lock()
		c.key, c.at, c.mix = key, time.Now(), m
		c.mu.Unlock()
		return m, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*profileMix), nil
}

// Warm recomputes the profile mix when the profiles changed, so that the next page load finds
// it ready (the refresher calls it after each pass, and when signalled).
func (c *MixCache) Warm(ctx context.Context, db *gorm.DB) error {
	_, err := c.get(ctx, db)
	return err
}
