package admin_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/admin"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/app/web"
)

func sessionCookieOf(t *testing.T, r response) *http.Cookie {
	t.Helper()
	for _, ck := range r.Cookies() {
		if ck.Name == "applylens_session" {
			return ck
		}
	}
	t.Fatal("no session cookie set")
	return nil
}

func TestSignInAndOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e, _ := newEngine(t, db, testConfig(t, nil))
		c := newClient(t, e)

		r := c.get(admin.PathOverview)
		require.Equal(t, http.StatusSeeOther, r.StatusCode)
		require.Equal(t, admin.PathLogin, r.Header.Get("Location"))
		r = c.get(admin.PathProfiles + "?source=form")
		require.Equal(t, admin.PathLogin+"?next="+url.QueryEscape("/admin/profiles?source=form"), r.Header.Get("Location"))

		r = c.get(admin.PathLogin + "?next=" + url.QueryEscape("/admin/events"))
		require.Equal(t, http.StatusOK, r.StatusCode)
		require.Equal(t, "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "+
			"form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'", r.Header.Get("Content-Security-Policy"))
		require.Equal(t, "no-store", r.Header.Get("Cache-Control"))

		// A wrong password, then a missing form token.
		r = c.post(admin.PathLogin, url.Values{"email": {adminEmail}, "password": {"not the password"}})
		require.Equal(t, http.StatusUnauthorized, r.StatusCode)
		require.Equal(t, "Email or password is wrong.", text(r.Doc.Selection, "login-error"))
		r = c.post(admin.PathLogin, url.Values{"email": {adminEmail}, "password": {adminPassword}, "csrf_token": {"forged"}})
		require.Equal(t, http.StatusForbidden, r.StatusCode)

		// The right one goes where the user was going, with a hardened cookie.
		c.get(admin.PathLogin)
		r = c.post(admin.PathLogin, url.Values{"email": {"  ADMIN@example.test "}, "password": {adminPassword}, "next": {"/admin/events"}})
		require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
		require.Equal(t, admin.PathEvents, r.Header.Get("Location"))
		ck := sessionCookieOf(t, r)
		require.True(t, ck.HttpOnly)
		require.Equal(t, http.SameSiteLaxMode, ck.SameSite)
		require.Equal(t, "/", ck.Path, "the extension API reads it too (under its CSRF rules)")
		require.False(t, ck.Secure, "plain HTTP from an untrusted peer")
		doc := c.page(admin.PathOverview)
		require.Equal(t, adminEmail, text(doc.Selection, "current-user"))

		// Signed in, the form goes straight to the dashboard.
		r = c.get(admin.PathLogin)
		require.Equal(t, http.StatusSeeOther, r.StatusCode)

		// Sign out.
		r = c.post(admin.PathLogout, nil)
		require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
		require.Equal(t, admin.PathLogin+"?signed_out=1", r.Header.Get("Location"))
		r = c.get(admin.PathOverview)
		require.Equal(t, http.StatusSeeOther, r.StatusCode)
		r = c.get(admin.PathLogin + "?signed_out=1")
		require.Equal(t, "You are signed out, in this browser and every other one.", text(r.Doc.Selection, "login-notice"))
	})
}

// TestSignOutEndsEveryCopy: signing out revokes the session, not just the browser's cookie. A
// copy of the cookie and the user's other browsers are signed out at once in this process,
// and in another process once its cached check of the user expires.
func TestSignOutEndsEveryCopy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		cfg := testConfig(t, nil)
		e, _ := newEngine(t, db, cfg)
		c := newClient(t, e)
		c.login()
		other := newClient(t, e) // another browser of the same admin
		other.login()

		// Another server process on the same database, with a clock of its own.
		clock := time.Now()
		e2, err := web.NewEngine(cfg, storetest.Logger(t))
		require.NoError(t, err)
		mount(t, e2, admin.Deps{DB: db, Config: cfg, Log: storetest.Logger(t),
			Now: func() time.Time { return clock }})

		stolen := c.cookies["applylens_session"]
		copyHere, copyThere := newClient(t, e), newClient(t, e2)
		for _, cc := range []*client{copyHere, copyThere} {
			cc.cookies[stolen.Name] = &http.Cookie{Name: stolen.Name, Value: stolen.Value}
			require.Equal(t, adminEmail, text(cc.page(admin.PathOverview).Selection, "current-user"))
		}

		c.page(admin.PathOverview)
		r := c.post(admin.PathLogout, nil)
		require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
		require.Equal(t, admin.PathLogin+"?signed_out=1", r.Header.Get("Location"))

		for name, cc := range map[string]*client{"a copy of the cookie": copyHere, "another browser": other} {
			r = cc.get(admin.PathOverview)
			require.Equal(t, http.StatusSeeOther, r.StatusCode, name)
			require.Equal(t, admin.PathLogin, r.Header.Get("Location"), name)
		}
		require.Equal(t, http.StatusOK, copyThere.get(admin.PathOverview).StatusCode,
			"another process trusts its cached check of the user for up to 30 s")
		clock = clock.Add(31 * time.Second)
		r = copyThere.get(admin.PathOverview)
		require.Equal(t, http.StatusSeeOther, r.StatusCode, "then reads the user again and refuses the session")

		// Signing in again works, and the old cookie stays dead.
		c.login()
		require.Equal(t, adminEmail, text(c.page(admin.PathOverview).Selection, "current-user"))
		copyHere.cookies[stolen.Name] = &http.Cookie{Name: stolen.Name, Value: stolen.Value}
		require.Equal(t, http.StatusSeeOther, copyHere.get(admin.PathOverview).StatusCode)
	})
}

func TestSessionCookieIsSignedAndScoped(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e, _ := newEngine(t, db, testConfig(t, map[string]string{"TRUSTED_PROXIES": "192.0.2.0/24"}))
		c := newClient(t, e)
		c.login()

		// A tampered cookie is refused.
		ck := c.cookies["applylens_session"]
		payload, sig, _ := strings.Cut(ck.Value, ".")
		c.cookies["applylens_session"] = &http.Cookie{Name: ck.Name, Value: payload + "x." + sig}
		r := c.get(admin.PathOverview)
		require.Equal(t, http.StatusSeeOther, r.StatusCode)

		// Secure behind TLS, and behind a trusted proxy that says https.
		c2 := newClient(t, e)
		c2.get(admin.PathLogin)
		req := httptest.NewRequest(http.MethodPost, admin.PathLogin, strings.NewReader(url.Values{
			"email": {adminEmail}, "password": {adminPassword},
			"csrf_token": {c2.last.Find(`input[name="csrf_token"]`).AttrOr("value", "")}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.TLS = &tls.ConnectionState{}
		require.True(t, sessionCookieOf(t, c2.do(req)).Secure)

		c3 := newClient(t, e)
		c3.headers["X-Forwarded-Proto"] = "https" // httptest's peer 192.0.2.1 is a trusted proxy here
		c3.get(admin.PathLogin)
		r = c3.post(admin.PathLogin, url.Values{"email": {adminEmail}, "password": {adminPassword}})
		require.True(t, sessionCookieOf(t, r).Secure)

		// Not from an untrusted peer.
		e2, _ := newEngine(t, db, testConfig(t, nil))
		c4 := newClient(t, e2)
		c4.headers["X-Forwarded-Proto"] = "https"
		c4.get(admin.PathLogin)
		r = c4.post(admin.PathLogin, url.Values{"email": {adminEmail}, "password": {adminPassword}})
		require.False(t, sessionCookieOf(t, r).Secure)

		// An open redirect through next is refused.
		c5 := newClient(t, e)
		c5.get(admin.PathLogin)
		r = c5.post(admin.PathLogin, url.Values{"email": {adminEmail}, "password": {adminPassword}, "next": {"//evil.example/admin"}})
		require.Equal(t, admin.PathOverview, r.Header.Get("Location"))
	})
}

func TestLoginRateLimit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e, _ := newEngine(t, db, testConfig(t, nil))
		c := newClient(t, e)
		c.get(admin.PathLogin)
		for i := range 5 {
			r := c.post(admin.PathLogin, url.Values{"email": {adminEmail}, "password": {"guess"}})
			require.Equal(t, http.StatusUnauthorized, r.StatusCode, "attempt %d", i+1)
		}
		r := c.post(admin.PathLogin, url.Values{"email": {adminEmail}, "password": {adminPassword}})
		require.Equal(t, http.StatusTooManyRequests, r.StatusCode, "even the right password waits")
		require.NotEmpty(t, r.Header.Get("Retry-After"))
		require.Contains(t, text(r.Doc.Selection, "login-error"), "Too many sign-in attempts")

		// Another email from the same address is limited on its own.
		r = c.post(admin.PathLogin, url.Values{"email": {"other@example.test"}, "password": {"guess"}})
		require.Equal(t, http.StatusUnauthorized, r.StatusCode)
	})
}

// TestLoginRateLimitPerEmail: one email guessed from many addresses stops after 20 attempts
// an hour, with a message that says so.
func TestLoginRateLimitPerEmail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e, _ := newEngine(t, db, testConfig(t, map[string]string{"TRUSTED_PROXIES": "192.0.2.0/24"}))
		c := newClient(t, e) // httptest's peer 192.0.2.1 is a trusted proxy here
		c.get(admin.PathLogin)
		for i := range 20 {
			c.headers["X-Forwarded-For"] = fmt.Sprintf("198.51.100.%d", i+1)
			r := c.post(admin.PathLogin, url.Values{"email": {adminEmail}, "password": {"guess"}})
			require.Equal(t, http.StatusUnauthorized, r.StatusCode, "attempt %d", i+1)
		}
		c.headers["X-Forwarded-For"] = "203.0.113.7"
		r := c.post(admin.PathLogin, url.Values{"email": {strings.ToUpper(adminEmail)}, "password": {adminPassword}})
		require.Equal(t, http.StatusTooManyRequests, r.StatusCode, "a fresh address, and even the right password, waits")
		secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
		require.NoError(t, err)
		require.True(t, secs > 60 && secs <= 180, "the email's next token, minutes away: %d s", secs)
		msg := text(r.Doc.Selection, "login-error")
		require.Contains(t, msg, "Too many sign-in attempts for this email, from any address")
		require.Regexp(t, `Try again in [23] minutes\.$`, msg)
		require.Equal(t, adminEmail, strings.ToLower(byTestID(r.Doc, "login-email").AttrOr("value", "")))

		r = c.post(admin.PathLogin, url.Values{"email": {"other@example.test"}, "password": {"guess"}})
		require.Equal(t, http.StatusUnauthorized, r.StatusCode, "other emails are not held up")
	})
}

// TestOwnerSignsInDuringDistributedGuessing: guesses from many addresses pause the email for
// browsers that never signed in to it (the guesser, and a new browser of the owner's), while
// the owner's browser that signed in before (its device cookie) signs in at once, from any
// address. A forged device cookie, or one issued for another email, changes nothing.
func TestOwnerSignsInDuringDistributedGuessing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e, _ := newEngine(t, db, testConfig(t, map[string]string{"TRUSTED_PROXIES": "192.0.2.0/24"}))
		owner := newClient(t, e)
		owner.headers["X-Forwarded-For"] = "203.0.113.1"
		owner.login()
		device := owner.cookies["applylens_device"]
		require.NotNil(t, device, "a sign-in leaves a device cookie")
		require.True(t, device.HttpOnly)
		require.Equal(t, "/", device.Path, "read by the sign-in page, /login")
		require.Greater(t, device.MaxAge, 30*24*3600)
		owner.page(admin.PathOverview)
		require.Equal(t, http.StatusSeeOther, owner.post(admin.PathLogout, nil).StatusCode)

		guesser := newClient(t, e)
		guesser.get(admin.PathLogin)
		for i := range 30 {
			guesser.headers["X-Forwarded-For"] = fmt.Sprintf("198.51.100.%d", i+1)
			guesser.post(admin.PathLogin, url.Values{"email": {adminEmail}, "password": {"guess"}})
		}
		guesser.headers["X-Forwarded-For"] = "198.51.101.1"
		r := guesser.post(admin.PathLogin, url.Values{"email": {adminEmail}, "password": {adminPassword}})
		require.Equal(t, http.StatusTooManyRequests, r.StatusCode, "guessing from many addresses stays slow")
		require.Contains(t, text(r.Doc.Selection, "login-error"), "one that has can sign in now")

		newBrowser := newClient(t, e)
		newBrowser.headers["X-Forwarded-For"] = "203.0.113.2"
		newBrowser.get(admin.PathLogin)
		r = newBrowser.post(admin.PathLogin, url.Values{"email": {adminEmail}, "password": {adminPassword}})
		require.Equal(t, http.StatusTooManyRequests, r.StatusCode, "a browser that never signed in waits too")

		forged := *device
		forged.Value = strings.Replace(device.Value, ".", ".x", 1)
		newBrowser.cookies["applylens_device"] = &forged
		r = newBrowser.post(admin.PathLogin, url.Values{"email": {adminEmail}, "password": {adminPassword}})
		require.Equal(t, http.StatusTooManyRequests, r.StatusCode, "a forged device cookie")

		other := newClient(t, e)
		other.headers["X-Forwarded-For"] = "203.0.113.3"
		_, err := account.CreateUser(context.Background(), db, account.NewUser{Email: "second@example.test", Admin: true, Password: "second password"})
		require.NoError(t, err)
		other.get(admin.PathLogin)
		require.Equal(t, http.StatusSeeOther, other.post(admin.PathLogin, url.Values{"email": {"second@example.test"}, "password": {"second password"}}).StatusCode)
		other.page(admin.PathOverview)
		require.Equal(t, http.StatusSeeOther, other.post(admin.PathLogout, nil).StatusCode)
		other.get(admin.PathLogin)
		r = other.post(admin.PathLogin, url.Values{"email": {adminEmail}, "password": {adminPassword}})
		require.Equal(t, http.StatusTooManyRequests, r.StatusCode, "a device cookie of another email")

		owner.headers["X-Forwarded-For"] = "203.0.113.99" // the owner's browser, from a new address
		owner.get(admin.PathLogin)
		r = owner.post(admin.PathLogin, url.Values{"email": {adminEmail}, "password": {adminPassword}})
		require.Equal(t, http.StatusSeeOther, r.StatusCode, "the owner's known browser gets in")
		require.Equal(t, adminEmail, text(owner.page(admin.PathOverview).Selection, "current-user"))
	})
}

func TestCrossSitePostsAreRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		c, _ := signedIn(t, db, false)
		c.page(admin.PathStyleNew)
		form := func() url.Values { return url.Values{"id": {"x"}} }

		r := c.post(admin.PathStyles, url.Values{"id": {"x"}, "csrf_token": {""}})
		require.Equal(t, http.StatusForbidden, r.StatusCode, "no token")
		require.NotNil(t, byTestID(r.Doc, "error-page").Nodes, "an error page")
		r = c.post(admin.PathStyles, url.Values{"id": {"x"}, "csrf_token": {"forged"}})
		require.Equal(t, http.StatusForbidden, r.StatusCode, "a forged token")

		c.headers["Origin"] = "https://evil.example"
		c.page(admin.PathStyleNew)
		require.Equal(t, http.StatusForbidden, c.post(admin.PathStyles, form()).StatusCode, "another origin")
		delete(c.headers, "Origin")

		c.headers["Sec-Fetch-Site"] = "cross-site"
		c.page(admin.PathStyleNew)
		require.Equal(t, http.StatusForbidden, c.post(admin.PathStyles, form()).StatusCode, "a cross-site fetch")
		delete(c.headers, "Sec-Fetch-Site")

		c.headers["Origin"] = "http://example.com" // httptest's Host
		c.headers["Sec-Fetch-Site"] = "same-origin"
		c.page(admin.PathStyleNew)
		require.Equal(t, http.StatusUnprocessableEntity, c.post(admin.PathStyles, form()).StatusCode, "our own form gets through")

		// Another session's token does not work in this one.
		other := newClient(t, c.h)
		other.login()
		other.page(admin.PathStyleNew)
		theirs := other.last.Find(`input[name="csrf_token"]`).AttrOr("value", "")
		require.Equal(t, http.StatusForbidden, c.post(admin.PathStyles, url.Values{"id": {"x"}, "csrf_token": {theirs}}).StatusCode)
	})
}

func TestErrorPages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		e, _ := newEngine(t, db, testConfig(t, nil))
		c := newClient(t, e)
		r := c.get("/admin/no-such-page")
		require.Equal(t, http.StatusNotFound, r.StatusCode)
		require.Empty(t, byTestID(r.Doc, "sidebar").Nodes, "signed out: no frame")
		require.Equal(t, admin.PathLogin, r.Doc.Find(".error-page a.button").AttrOr("href", ""))
		c.login()
		r = c.get("/admin/profiles/00000000-0000-0000-0000-000000000000")
		require.Equal(t, http.StatusNotFound, r.StatusCode)
		require.Equal(t, "no such profile", text(r.Doc.Selection, "error-message"))
		require.NotEmpty(t, byTestID(r.Doc, "sidebar").Nodes, "inside the frame when signed in")
		// Not a uuid: Postgres would refuse the query; it is no profile on either database.
		for _, id := range []string{"nope", "1", "urn:uuid:00000000-0000-0000-0000-000000000000", "%27%20OR%201=1--"} {
			r = c.get("/admin/profiles/" + id)
			require.Equal(t, http.StatusNotFound, r.StatusCode, id)
			require.Equal(t, "no such profile", text(r.Doc.Selection, "error-message"), id)
		}
		r = c.get("/admin/runs/nope")
		require.Equal(t, http.StatusNotFound, r.StatusCode)
		r = c.get("/admin/styles/nope")
		require.Equal(t, http.StatusNotFound, r.StatusCode)
	})
}

func TestLargeFormsAreRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		c, _ := signedIn(t, db, false)
		c.page(admin.PathStyleNew)
		r := c.post(admin.PathStyles, url.Values{"name": {strings.Repeat("x", 70<<10)}})
		require.Equal(t, http.StatusRequestEntityTooLarge, r.StatusCode)
	})
}
