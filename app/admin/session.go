package admin

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/web"
)

const (
	// sessionCookie is sent to the whole site: the pages, and the extension API, where it counts
	// only under web.ExtensionAuth's CSRF rules.
	sessionCookie = "applylens_session"
	loginCookie   = "applylens_login" // a nonce that ties the sign-in form's CSRF token to the browser
	sessionTTL    = 12 * time.Hour
	csrfField     = "csrf_token"
	csrfKey       = "admin_csrf" // the gin context key of the current page's token
	// userCheckEvery is how long a verified session's user is trusted before it is read again
	// (not disabled, same password). It also keeps the run's progress page off the database,
	// which a running aggregator holds on SQLite.
	userCheckEvery = 30 * time.Second
)

// session is the content of the signed cookie.
type session struct {
	UserID  string `json:"u"`
	Expires int64  `json:"e"`
	Nonce   string `json:"n"` // the CSRF token derives from it
	PwTag   string `json:"p"` // changes when the password does: old sessions stop working
	Epoch   int    `json:"g"` // the user's session epoch at sign-in: signing out bumps it
}

type cachedUser struct {
	user    *models.User
	checked time.Time
}

// sessions signs and verifies session cookies with an HMAC key.
type sessions struct {
	key []byte
	db  *gorm.DB

	mu    sync.Mutex
	users map[string]cachedUser
}

func newSessions(secret []byte, db *gorm.DB) *sessions {
	// Derive the key so that the same secret used elsewhere never signs our cookies as is.
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("applylens admin session v1"))
	return &sessions{key: m.Sum(nil), db: db, users: map[string]cachedUser{}}
}

func (s *sessions) mac(parts ...string) []byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte(strings.Join(parts, "\x00")))
	return m.Sum(nil)
}

var b64 = base64.RawURLEncoding

// sign encodes v as a cookie value signed for kind ("session", "device"): a value signed for
// one kind never passes as another.
func (s *sessions) sign(kind string, v any) string {
	payload, _ := json.Marshal(v)
	p := b64.EncodeToString(payload)
	return p + "." + b64.EncodeToString(s.mac(kind, p))
}

// verify decodes a cookie value made by sign for kind into v; false if it was not.
func (s *sessions) verify(kind, cookie string, v any) bool {
	p, sig, ok := strings.Cut(cookie, ".")
	if !ok {
		return false
	}
	got, err := b64.DecodeString(sig)
	if err != nil || !hmac.Equal(got, s.mac(kind, p)) {
		return false
	}
	payload, err := b64.DecodeString(p)
	return err == nil && json.Unmarshal(payload, v) == nil
}

func (s *sessions) encode(v session) string { return s.sign("session", v) }

func (s *sessions) decode(cookie string, now time.Time) (session, bool) {
	var v session
	if !s.verify("session", cookie, &v) || now.Unix() >= v.Expires || v.UserID == "" || v.Nonce == "" {
		return session{}, false
	}
	return v, true
}

// csrfToken is the token a session's forms carry.
func (s *sessions) csrfToken(nonce string) string { return b64.EncodeToString(s.mac("csrf", nonce)) }

// loginToken is the token of the sign-in form, tied to the login cookie's nonce.
func (s *sessions) loginToken(nonce string) string { return b64.EncodeToString(s.mac("login", nonce)) }

func validToken(got, want string) bool { return got != "" && hmac.Equal([]byte(got), []byte(want)) }

// user returns the session's user when it is not disabled, has the same password and the
// session was signed at the user's current session epoch. Whether the user may see a page
// (admin or not) is the route's business.
func (s *sessions) user(ctx context.Context, v session, now time.Time) (*models.User, error) {
	s.mu.Lock()
	cu, ok := s.users[v.UserID]
	s.mu.Unlock()
	if !ok || now.Sub(cu.checked) > userCheckEvery {
		u, err := account.UserByID(ctx, s.db, v.UserID)
		if errors.Is(err, account.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		cu = s.remember(u, now)
	}
	if cu.user.DisabledAt != nil || passwordTag(cu.user) != v.PwTag || cu.user.SessionEpoch != v.Epoch {
		return nil, nil
	}
	return cu.user, nil
}

// remember caches a user just read and returns what the cache holds. A read that began before
// a sign-out finished may end after it: an older session epoch never replaces a newer one.
func (s *sessions) remember(u *models.User, now time.Time) cachedUser {
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.users[u.ID]; ok && old.user.SessionEpoch > u.SessionEpoch {
		return old
	}
	if len(s.users) > 1000 {
		s.users = map[string]cachedUser{}
	}
	cu := cachedUser{user: u, checked: now}
	s.users[u.ID] = cu
	return cu
}

// signOutEverywhere ends every session of a user (every browser, every copy of a cookie) by
// bumping the user's session epoch. This process refuses those sessions at once; another one
// when its cached check of the user expires, within userCheckEvery.
func (s *sessions) signOutEverywhere(ctx context.Context, userID string, now time.Time) error {
	err := s.db.WithContext(ctx).Model(&models.User{}).Where("id = ?", userID).Updates(map[string]any{
		"session_epoch": gorm.Expr("session_epoch + 1"), "updated_at": now.UTC(),
	}).Error
	if err != nil {
		return fmt.Errorf("sign out everywhere: %w", err)
	}
	u, err := account.UserByID(ctx, s.db, userID)
	if errors.Is(err, account.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("sign out everywhere: %w", err)
	}
	s.remember(u, now)
	return nil
}

func passwordTag(u *models.User) string {
	if u.PasswordHash == nil {
		return ""
	}
	sum := sha256.Sum256([]byte(*u.PasswordHash))
	return hex.EncodeToString(sum[:8])
}

func randomNonce() string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	return b64.EncodeToString(b[:])
}

// setCookie writes an HttpOnly, SameSite=Lax cookie for the whole site, Secure behind TLS.
func (h *Handlers) setCookie(c *gin.Context, name, value string, maxAge time.Duration) {
	ck := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: h.secureRequest(c)}
	if maxAge < 0 {
		ck.MaxAge = -1
	} else {
		ck.MaxAge = int(maxAge.Seconds())
		ck.Expires = h.now().Add(maxAge)
	}
	http.SetCookie(c.Writer, ck)
}

// startSession signs the user in.
func (h *Handlers) startSession(c *gin.Context, u *models.User) {
	v := session{UserID: u.ID, Expires: h.now().Add(sessionTTL).Unix(), Nonce: randomNonce(), PwTag: passwordTag(u),
		Epoch: u.SessionEpoch}
	h.sessions.remember(u, h.now())
	h.setCookie(c, sessionCookie, h.sessions.encode(v), sessionTTL)
	h.setCookie(c, loginCookie, "", -1)
}

// requireSession admits a signed-in user and puts the user and the page's CSRF token in the
// context; anyone else goes to the sign-in page (htmx requests are told to go there too).
func (h *Handlers) requireSession() gin.HandlerFunc {
	return func(c *gin.Context) {
		if v, ok := h.readSession(c); ok {
			u, err := h.sessions.user(c.Request.Context(), v, h.now())
			if err != nil {
				web.Fail(c, web.Internal(err))
				return
			}
			if u != nil {
				web.SetUser(c, u)
				c.Set(csrfKey, h.sessions.csrfToken(v.Nonce))
				c.Next()
				return
			}
		}
		h.setCookie(c, sessionCookie, "", -1)
		to := PathLogin
		if c.Request.Method == http.MethodGet && c.Request.URL.RequestURI() != PathOverview && c.Request.URL.RequestURI() != PathMe {
			to += "?next=" + url.QueryEscape(c.Request.URL.RequestURI())
		}
		if c.GetHeader("HX-Request") == "true" {
			c.Header("HX-Redirect", to)
			c.AbortWithStatus(http.StatusUnauthorized)
			return
		}
		c.Redirect(http.StatusSeeOther, to)
		c.Abort()
	}
}

// requireAdmin keeps ordinary users out of the dashboard (after requireSession).
func requireAdmin() gin.HandlerFunc {
	return func(c *gin.Context) {
		if u := web.CurrentUser(c); u == nil || !u.IsAdmin {
			web.Fail(c, web.Errorf(http.StatusForbidden, "the dashboard is for admins: your own extension settings are on My extension"))
			return
		}
		c.Next()
	}
}

// SessionUser is the user of the request's session cookie, or nil when it has none that is
// valid. The extension API calls it through web.ExtensionAuth, which applies the CSRF rules.
func (h *Handlers) SessionUser(c *gin.Context) (*models.User, error) {
	v, ok := h.readSession(c)
	if !ok {
		return nil, nil
	}
	return h.sessions.user(c.Request.Context(), v, h.now())
}

func (h *Handlers) readSession(c *gin.Context) (session, bool) {
	ck, err := c.Cookie(sessionCookie)
	if err != nil || ck == "" {
		return session{}, false
	}
	return h.sessions.decode(ck, h.now())
}

// csrf is the token of the current page's forms.
func csrf(c *gin.Context) string { return c.GetString(csrfKey) }

// safeNext keeps a post-login redirect on the dashboard or My extension (no open redirect);
// anything else goes to the overview (landingFor sends a user who is no admin to My
// extension). The path is decoded and cleaned before it is checked, as a browser would
// resolve it: /admin/../../evil and /admin/%2e%2e/evil are /evil, which is refused.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.ContainsAny(next+u.Path, "\\\r\n\x00") {
		return PathOverview
	}
	p := path.Clean(u.Path)
	under := func(root string) bool { return p == root || strings.HasPrefix(p, root+"/") }
	if !(under(PathOverview) || under(PathMe)) || strings.HasPrefix(p, PathAdminLogin) {
		return PathOverview
	}
	return (&url.URL{Path: p, RawQuery: u.RawQuery}).String()
}

// landingFor is where a user goes after signing in: next when they may see it, else their home.
func landingFor(u *models.User, next string) string {
	next = safeNext(next)
	if !u.IsAdmin && next != PathMe && !strings.HasPrefix(next, PathMe+"/") && !strings.HasPrefix(next, PathMe+"?") {
		return PathMe
	}
	return next
}

// passwordLinkTTL is how long a set-password link works.
const passwordLinkTTL = 72 * time.Hour

// passwordLink is a one-time set-password link's token: the user id and an expiry, signed
// together with the user's current password tag and session epoch, so that it is spent once
// the password changes (or the user signs out everywhere, or is disabled and enabled).
func (s *sessions) passwordLink(u *models.User, expires time.Time) string {
	p := b64.EncodeToString([]byte(u.ID + "|" + strconv.FormatInt(expires.Unix(), 10)))
	return p + "." + b64.EncodeToString(s.mac("set-password", p, passwordTag(u), strconv.Itoa(u.SessionEpoch)))
}

// passwordLinkUser returns the user a set-password link is for, or nil when the link is
// forged, expired or spent.
func (s *sessions) passwordLinkUser(ctx context.Context, token string, now time.Time) (*models.User, error) {
	p, sig, ok := strings.Cut(token, ".")
	raw, err := b64.DecodeString(p)
	if !ok || err != nil {
		return nil, nil
	}
	id, exp, ok := strings.Cut(string(raw), "|")
	expires, err := strconv.ParseInt(exp, 10, 64)
	if !ok || err != nil || now.Unix() >= expires || !web.StorableText(id) {
		return nil, nil // forged (an id that is not text cannot even be looked up on Postgres)
	}
	u, err := account.UserByID(ctx, s.db, id)
	if errors.Is(err, account.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	got, err := b64.DecodeString(sig)
	if err != nil || u.DisabledAt != nil || !hmac.Equal(got, s.mac("set-password", p, passwordTag(u), strconv.Itoa(u.SessionEpoch))) {
		return nil, nil
	}
	return u, nil
}
