package admin

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/store/storetest"
)

func TestSessionLifetimeAndPasswordChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		u, err := account.CreateUser(ctx, db, account.NewUser{Email: "a@example.test", Admin: true, Password: "first password"})
		require.NoError(t, err)
		s := newSessions([]byte("k"), db)
		now := time.Now()
		v := session{UserID: u.ID, Expires: now.Add(time.Hour).Unix(), Nonce: "n", PwTag: passwordTag(u)}
		got, ok := s.decode(s.encode(v), now)
		require.True(t, ok)
		require.Equal(t, v, got)
		_, ok = s.decode(s.encode(v), now.Add(2*time.Hour))
		require.False(t, ok, "expired")
		_, ok = newSessions([]byte("other key"), db).decode(s.encode(v), now)
		require.False(t, ok, "signed with another key")

		who, err := s.user(ctx, v, now)
		require.NoError(t, err)
		require.Equal(t, u.ID, who.ID)
		// A new password ends the session once the cached check expires.
		require.NoError(t, account.SetPassword(ctx, db, u.ID, "second password", true))
		who, err = s.user(ctx, v, now.Add(userCheckEvery+time.Second))
		require.NoError(t, err)
		require.Nil(t, who)
		require.NotEqual(t, s.csrfToken("n"), s.csrfToken("m"))
		require.NotEqual(t, s.csrfToken("n"), s.loginToken("n"))
	})
}

// TestSignOutEverywhere: signing out bumps the user's session epoch, which ends every session
// signed before at once in this process and, in another, when its cached check expires.
func TestSignOutEverywhere(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		u, err := account.CreateUser(ctx, db, account.NewUser{Email: "a@example.test", Admin: true, Password: "first password"})
		require.NoError(t, err)
		here, elsewhere := newSessions([]byte("k"), db), newSessions([]byte("k"), db)
		now := time.Now()
		v := session{UserID: u.ID, Expires: now.Add(time.Hour).Unix(), Nonce: "n", PwTag: passwordTag(u), Epoch: u.SessionEpoch}
		got, ok := here.decode(here.encode(v), now)
		require.True(t, ok)
		require.Equal(t, v, got, "the epoch is signed into the cookie")
		for _, s := range []*sessions{here, elsewhere} {
			who, err := s.user(ctx, v, now)
			require.NoError(t, err)
			require.NotNil(t, who)
		}
		stale := *u // read before the sign-out, cached after it

		require.NoError(t, here.signOutEverywhere(ctx, u.ID, now))
		who, err := here.user(ctx, v, now)
		require.NoError(t, err)
		require.Nil(t, who, "at once in this process")
		here.remember(&stale, now)
		who, err = here.user(ctx, v, now)
		require.NoError(t, err)
		require.Nil(t, who, "a late read of the old epoch does not bring the session back")

		who, err = elsewhere.user(ctx, v, now.Add(userCheckEvery))
		require.NoError(t, err)
		require.NotNil(t, who, "another process trusts its cached check until it expires")
		who, err = elsewhere.user(ctx, v, now.Add(userCheckEvery+time.Second))
		require.NoError(t, err)
		require.Nil(t, who, "and refuses the session once it reads the user again")

		// A session signed at the new epoch works.
		fresh, err := account.UserByID(ctx, db, u.ID)
		require.NoError(t, err)
		require.Equal(t, u.SessionEpoch+1, fresh.SessionEpoch)
		v.Epoch = fresh.SessionEpoch
		who, err = here.user(ctx, v, now)
		require.NoError(t, err)
		require.NotNil(t, who)
	})
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "/admin",
		"/admin/events?x=1":     "/admin/events?x=1",
		"/admin?days=7":         "/admin?days=7",
		"//evil.example":        "/admin",
		"https://evil.example":  "/admin",
		"/administrator":        "/admin",
		"/admin/login":          "/admin",
		"/admin/\\evil.example": "/admin",
		// Dot segments are cleaned before the check: a browser would resolve them.
		"/admin/../../evil":        "/admin",
		"/admin/../evil":           "/admin",
		"/admin/%2e%2e/evil":       "/admin",
		"/admin/%2E%2E/%2e%2e/x":   "/admin",
		"/admin/./events/../runs":  "/admin/runs",
		"/admin/events/..":         "/admin",
		"/admin/..%2flogin":        "/admin",
		"/admin/runs/../login?x=1": "/admin",
		"/admin/events?next=/../x": "/admin/events?next=/../x",
		"/admin/%0d%0aevil":        "/admin",
		"/admin/ev%20ents":         "/admin/ev%20ents",
		"/admin/events#frag":       "/admin/events",
	} {
		require.Equal(t, want, safeNext(in), in)
	}
}

func TestLoginLimiter(t *testing.T) {
	l := newLoginLimiter()
	now := time.Now()
	for range loginPerIPEmailBurst {
		ok, _, _ := l.allow("1.2.3.4", "a@x", "", now)
		require.True(t, ok)
	}
	ok, wait, byAccount := l.allow("1.2.3.4", "A@X ", "", now)
	require.False(t, ok, "the same email, case and spaces aside")
	require.False(t, byAccount)
	require.Greater(t, wait, time.Duration(0))
	ok, _, _ = l.allow("5.6.7.8", "a@x", "", now)
	require.True(t, ok, "another address")
	ok, _, _ = l.allow("1.2.3.4", "a@x", "", now.Add(loginPerIPEmailEvery))
	require.True(t, ok, "a token back after the interval")
	for i := range loginPerIPBurst {
		l.allow("9.9.9.9", string(rune('a'+i%26))+"@x"+string(rune('a'+i/26)), "", now)
	}
	ok, _, _ = l.allow("9.9.9.9", "fresh@x", "", now)
	require.False(t, ok, "many emails from one address")
}

// TestLoginLimiterKnownDevice: with the email paused by guesses from many addresses, a browser
// that signed in to it before is counted on its own device limit, which has its own end.
func TestLoginLimiterKnownDevice(t *testing.T) {
	l := newLoginLimiter()
	now := time.Now()
	for i := range loginPerEmailBurst + 5 {
		l.allow(fmt.Sprintf("10.1.0.%d", i+1), "victim@x", "", now)
	}
	ok, _, byAccount := l.allow("10.2.0.1", "victim@x", "", now)
	require.False(t, ok)
	require.True(t, byAccount)
	for i := range loginPerDeviceBurst {
		ok, _, _ = l.allow(fmt.Sprintf("10.3.0.%d", i+1), "victim@x", "nonce-1", now)
		require.True(t, ok, "the known device, attempt %d", i+1)
	}
	ok, wait, byAccount := l.allow("10.3.1.1", "victim@x", "nonce-1", now)
	require.False(t, ok, "a device has a limit of its own")
	require.False(t, byAccount)
	require.Equal(t, loginPerDeviceEvery, wait)
	ok, _, _ = l.allow("10.3.1.1", "victim@x", "nonce-2", now)
	require.True(t, ok, "another known device")
}

// TestLoginLimiterPerEmail: one email guessed from many addresses, each of them well within
// its own limits, stops at loginPerEmailBurst attempts; forgetting idle entries hands out no
// new burst.
func TestLoginLimiterPerEmail(t *testing.T) {
	l := newLoginLimiter()
	now := time.Now()
	ip := func(i int) string { return fmt.Sprintf("10.0.%d.%d", i/250, i%250+1) }
	for i := range loginPerEmailBurst {
		ok, _, _ := l.allow(ip(i), "victim@x", "", now)
		require.True(t, ok, "attempt %d", i+1)
	}
	ok, wait, byAccount := l.allow(ip(loginPerEmailBurst), " Victim@X", "", now)
	require.False(t, ok)
	require.True(t, byAccount, "the email's own limit refuses")
	require.Equal(t, loginPerEmailEvery, wait)
	ok, _, _ = l.allow(ip(loginPerEmailBurst), "other@x", "", now)
	require.True(t, ok, "another email from that address")

	// A quarter of an hour later, past the sweeps of idle entries, the email has had five
	// tokens back, not a new burst.
	later := now.Add(5*loginPerEmailEvery + time.Minute)
	l.allow("192.0.2.9", "someone@x", "", now.Add(8*time.Minute)) // a sweep in between
	for i := range 5 {
		ok, _, _ = l.allow(ip(100+i), "victim@x", "", later)
		require.True(t, ok, "attempt %d", i+1)
	}
	ok, _, byAccount = l.allow(ip(200), "victim@x", "", later)
	require.False(t, ok)
	require.True(t, byAccount)
	ok, _, _ = l.allow(ip(102), "victim@x", "", now.Add(time.Duration(loginPerEmailBurst)*loginPerEmailEvery+2*time.Minute))
	require.True(t, ok, "full again after an hour")

	require.Equal(t, "a minute", inMinutes(20*time.Second))
	require.Equal(t, "3 minutes", inMinutes(loginPerEmailEvery-time.Second))
}

func TestFormats(t *testing.T) {
	require.Equal(t, "0", fmtInt(0))
	require.Equal(t, "999", fmtInt(999))
	require.Equal(t, "1,000", fmtInt(1000))
	require.Equal(t, "1,234,567", fmtInt(int64(1234567)))
	require.Equal(t, "-12,345", fmtInt(-12345))
	require.Equal(t, "33.3%", fmtPct(1.0/3))
	require.Equal(t, "—", fmtRatio(nil))
	require.Equal(t, "850 ms", fmtMillis(850))
	require.Equal(t, "1.2 s", fmtMillis(1234))
	require.Equal(t, "2 min 5 s", fmtMillis(125_000))
	now := time.Now()
	require.Equal(t, "just now", fmtAgo(now.Add(-10*time.Second), now))
	require.Equal(t, "5 min ago", fmtAgo(now.Add(-5*time.Minute), now))
	require.Equal(t, "3 days ago", fmtAgo(now.Add(-72*time.Hour), now))
	require.Equal(t, "never", fmtAgo(time.Time{}, now))
}

func TestStyleValidation(t *testing.T) {
	f := styleForm{ID: "ok_id", Name: "N", Temperature: "0.5", Tone: "t", Format: "f", LengthHint: "short", Keywords: " a ,, b ", PriorWeight: "1"}
	s, errs := f.validate(true)
	require.Empty(t, errs)
	require.Equal(t, []string{"a", "b"}, s.KeywordsJSON.V)
	f.ID = "x"
	_, errs = f.validate(true)
	require.Contains(t, errs, "id")
	_, errs = f.validate(false)
	require.NotContains(t, errs, "id", "the id of an existing style is not edited")
	for _, temp := range []string{"NaN", "-nan", "Inf", "-Inf", "infinity", "1e400", "-0.1", "2.01"} {
		f.Temperature = temp
		_, errs = f.validate(false)
		require.Contains(t, errs, "temperature", temp)
	}
	f.Temperature, f.PriorWeight = "2", "NaN"
	s, errs = f.validate(false)
	require.Empty(t, errs, "the prior weight is not read from the form")
	require.Equal(t, 2.0, s.Temperature)
	require.Zero(t, s.PriorWeight)
}
