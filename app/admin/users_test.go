package admin_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/admin"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
	"github.com/applylens/learning/app/web"
)

const (
	userEmail    = "user@example.test"
	userPassword = "a password 123"
)

// loginAs signs a client in with an email and password and returns where it was sent.
func (c *client) loginAs(email, pw string) string {
	c.t.Helper()
	c.get(admin.PathLogin)
	r := c.post(admin.PathLogin, url.Values{"email": {email}, "password": {pw}})
	require.Equal(c.t, http.StatusSeeOther, r.StatusCode, r.Body)
	return r.Header.Get("Location")
}

// TestPlainUserSignsIn: an ordinary user signs in on the same page, lands on My extension,
// never reaches the dashboard, issues and revokes their own tokens, sees only their own runs,
// downloads and deletes their events; the deletion shows on the admins' Users page.
func TestPlainUserSignsIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		e, _ := newEngine(t, db, testConfig(t, nil))
		u, err := account.CreateUser(ctx, db, account.NewUser{Email: userEmail, Password: userPassword})
		require.NoError(t, err)
		other, err := account.CreateUser(ctx, db, account.NewUser{Email: "other@example.test"})
		require.NoError(t, err)
		mine := models.AutofillEvent{Host: "boards.greenhouse.io", SchemaHash: "mine-1", Status: "ok", Policy: ptr("exploit")}
		_, err = learning.SaveEvents(ctx, db, u.ID, []models.AutofillEvent{mine}, nil)
		require.NoError(t, err)
		theirs := models.AutofillEvent{Host: "jobs.lever.co", SchemaHash: "theirs-1", Status: "ok", Policy: ptr("exploit")}
		_, err = learning.SaveEvents(ctx, db, other.ID, []models.AutofillEvent{theirs}, nil)
		require.NoError(t, err)

		c := newClient(t, e)
		require.Equal(t, admin.PathMe, c.loginAs(userEmail, userPassword), "a user who is no admin lands on My extension")
		for _, p := range []string{admin.PathOverview, admin.PathEvents, admin.PathTokens, admin.PathUsers} {
			require.Equal(t, http.StatusForbidden, c.get(p).StatusCode, p)
		}
		c2 := newClient(t, e)
		c2.get(admin.PathLogin)
		r := c2.post(admin.PathLogin, url.Values{"email": {userEmail}, "password": {userPassword}, "next": {"/admin/events"}})
		require.Equal(t, admin.PathMe, r.Header.Get("Location"), "next into the dashboard is not for them")

		doc := c.page(admin.PathMe)
		require.Equal(t, userEmail, text(doc.Selection, "current-user"))
		require.Equal(t, 1, byTestID(doc, "nav-me").Length())
		require.Equal(t, 0, byTestID(doc, "nav-overview").Length(), "no dashboard links")
		require.Equal(t, "http://localhost:8080", text(doc.Selection, "api-base"))
		require.Equal(t, web.PathOpenAPI, byTestID(doc, "openapi-link").AttrOr("href", ""))
		runs := byTestID(doc, "my-run")
		require.Equal(t, 1, runs.Length(), "only their own runs")
		require.Contains(t, runs.Text(), "mine-1")

		// A name over the limit is refused, and the form keeps what was typed.
		long := strings.Repeat("é", account.MaxTokenNameLen+1)
		r = c.post(admin.PathMeTokens, url.Values{"name": {long}})
		require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
		require.Equal(t, long, r.Doc.Find(`input[name="name"]`).AttrOr("value", ""))

		// Issue a token (shown once) and use it; revoke it.
		r = c.post(admin.PathMeTokens, url.Values{"name": {"laptop"}})
		require.Equal(t, http.StatusCreated, r.StatusCode, r.Body)
		plain := text(r.Doc.Selection, "token-plain")
		require.True(t, strings.HasPrefix(plain, account.TokenPrefix))
		_, who, err := account.Authenticate(ctx, db, plain)
		require.NoError(t, err)
		require.Equal(t, u.ID, who.ID)
		id := byTestID(c.page(admin.PathMe), "token-row").AttrOr("data-token-id", "")
		require.NotEmpty(t, id)
		// Someone else's token cannot be revoked from here.
		otherTok, err := account.IssueToken(ctx, db, other.ID, "x")
		require.NoError(t, err)
		require.Equal(t, http.StatusNotFound, c.post(strings.Replace(admin.PathMeTokenRev, ":id", otherTok.Token.ID, 1), nil).StatusCode)
		c.page(admin.PathMe)
		r = c.post(strings.Replace(admin.PathMeTokenRev, ":id", id, 1), nil)
		require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
		_, _, err = account.Authenticate(ctx, db, plain)
		require.ErrorIs(t, err, account.ErrNotFound)

		// Export, then delete.
		r = c.get(admin.PathMeExport)
		require.Equal(t, http.StatusOK, r.StatusCode)
		require.Contains(t, r.Header.Get("Content-Disposition"), "attachment")
		var export struct {
			UserID string                   `json:"user_id"`
			Events []learning.ExportedEvent `json:"events"`
		}
		require.NoError(t, json.Unmarshal([]byte(r.Body), &export), r.Body)
		require.Equal(t, u.ID, export.UserID)
		require.Len(t, export.Events, 1)
		require.Equal(t, "mine-1", export.Events[0].SchemaHash)

		c.page(admin.PathMe)
		r = c.post(admin.PathMeDelete, nil)
		require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, "the box must be ticked")
		c.page(admin.PathMe)
		r = c.post(admin.PathMeDelete, url.Values{"confirm": {"1"}})
		require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
		n, err := learning.CountEvents(ctx, db, u.ID)
		require.NoError(t, err)
		require.Zero(t, n)
		n, err = learning.CountEvents(ctx, db, other.ID)
		require.NoError(t, err)
		require.EqualValues(t, 1, n, "nobody else's")
		require.Contains(t, text(c.page(admin.PathMe+"?deleted=1").Selection, "flash"), "Deleted 1")
		// Only the count the deletion redirects with: a made-up link confirms nothing.
		require.Zero(t, byTestID(c.page(admin.PathMe+"?deleted="+url.QueryEscape("all of everyone's")), "flash").Length())

		a := newClient(t, e)
		a.login()
		doc = a.page(admin.PathUsers)
		require.Contains(t, byTestID(doc, "deletion-row").Text(), userEmail)
	})
}

// TestUsersPage: an admin adds a user, who sets a password with the one-time link (which is
// then spent) and signs in; disabling ends the user's session and tokens; making admin opens
// the dashboard.
func TestUsersPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		e, _ := newEngine(t, db, testConfig(t, nil))
		a := newClient(t, e)
		a.login()
		a.page(admin.PathUsers)
		r := a.post(admin.PathUsers, url.Values{"email": {"not an email"}})
		require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
		r = a.post(admin.PathUsers, url.Values{"email": {userEmail}, "name": {"Dana"}})
		require.Equal(t, http.StatusCreated, r.StatusCode, r.Body)
		link := text(r.Doc.Selection, "password-link-url")
		require.True(t, strings.HasPrefix(link, "http://localhost:8080"+admin.PathSetPassword+"?t="), link)
		path := strings.TrimPrefix(link, "http://localhost:8080")
		r = a.post(admin.PathUsers, url.Values{"email": {userEmail}})
		require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode, "taken")

		u := newClient(t, e)
		doc := u.page(path)
		require.Contains(t, doc.Text(), userEmail)
		r = u.post(admin.PathSetPassword, url.Values{"t": {strings.TrimPrefix(path, admin.PathSetPassword+"?t=")}, "password": {"short"}})
		require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
		require.Contains(t, r.Body, "at least 8 characters")
		r = u.post(admin.PathSetPassword, url.Values{"t": {strings.TrimPrefix(path, admin.PathSetPassword+"?t=")},
			"password": {strings.Repeat("пароль", 7)}}) // 42 characters, 84 bytes
		require.Equal(t, http.StatusUnprocessableEntity, r.StatusCode)
		require.Contains(t, r.Body, "at most 72 bytes")
		r = u.post(admin.PathSetPassword, url.Values{"t": {strings.TrimPrefix(path, admin.PathSetPassword+"?t=")}, "password": {userPassword}})
		require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
		require.Equal(t, admin.PathMe, r.Header.Get("Location"))
		u.page(admin.PathMe)
		require.Equal(t, http.StatusNotFound, newClient(t, e).get(path).StatusCode, "the link is spent")

		user, err := account.UserByEmail(ctx, db, userEmail)
		require.NoError(t, err)
		tok, err := account.IssueToken(ctx, db, user.ID, "t")
		require.NoError(t, err)
		doc = a.page(admin.PathUsers)
		row := doc.Find(`[data-testid="user-row"][data-user-id="` + user.ID + `"]`)
		require.Equal(t, 1, row.Length())
		require.Equal(t, 0, doc.Find(`[data-testid="user-row"]`).First().Find(`[data-testid="user-disable"]`).Length(), "not for oneself")
		r = a.post(strings.Replace(admin.PathUserDisable, ":id", user.ID, 1), nil)
		require.Equal(t, http.StatusSeeOther, r.StatusCode, r.Body)
		require.Equal(t, http.StatusSeeOther, u.get(admin.PathMe).StatusCode, "the session is over")
		_, _, err = account.Authenticate(ctx, db, tok.Plain)
		require.ErrorIs(t, err, account.ErrNotFound, "and the tokens")
		u2 := newClient(t, e)
		u2.get(admin.PathLogin)
		require.Equal(t, http.StatusUnauthorized, u2.post(admin.PathLogin, url.Values{"email": {userEmail}, "password": {userPassword}}).StatusCode)

		a.page(admin.PathUsers)
		require.Equal(t, http.StatusSeeOther, a.post(strings.Replace(admin.PathUserEnable, ":id", user.ID, 1), nil).StatusCode)
		a.page(admin.PathUsers)
		require.Equal(t, http.StatusSeeOther, a.post(strings.Replace(admin.PathUserAdmin, ":id", user.ID, 1), url.Values{"admin": {"1"}}).StatusCode)
		require.Equal(t, admin.PathOverview, u2.loginAs(userEmail, userPassword))
		u2.page(admin.PathOverview)
	})
}
func ptr[T any](v T) *T { return &v }
