package admin

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/pages"
)

// loginPost checks the form's token, the rate limit, then the email and password.
func (h *Handlers) loginPost(c *gin.Context) {
	email, pw := c.PostForm("email"), c.PostForm("password")
	vm := pages.LoginPageVM{Email: email, Next: safeNext(c.PostForm("next"))}
	nonce, err := c.Cookie(loginCookie)
	if err != nil || !validToken(c.PostForm(csrfField), h.sessions.loginToken(nonce)) {
		vm.Error = "The sign-in form expired (or cookies are off). Please try again."
		h.renderLogin(c, http.StatusForbidden, vm)
		return
	}
	if ok, wait, byAccount := h.limiter.allow(c.ClientIP(), email, h.knownDevice(c, email), h.now()); !ok {
		secs := int(math.Ceil(wait.Seconds()))
		c.Header("Retry-After", fmt.Sprint(secs))
		vm.Error = fmt.Sprintf("Too many sign-in attempts. Try again in %d seconds.", secs)
		if byAccount {
			h.log.WarnContext(c.Request.Context(), "sign-in paused for an email", "client_ip", c.ClientIP())
			vm.Error = "Too many sign-in attempts for this email, from any address: to protect the account, " +
				"its sign-in is paused for browsers that have not signed in to it before (one that has can sign in now). " +
				"Try again in " + inMinutes(wait) + "."
		}
		h.renderLogin(c, http.StatusTooManyRequests, vm)
		return
	}
	u, err := account.Login(c.Request.Context(), h.db, email, pw)
	if errors.Is(err, account.ErrBadLogin) {
		h.log.WarnContext(c.Request.Context(), "sign-in refused", "client_ip", c.ClientIP())
		vm.Error = "Email or password is wrong."
		h.renderLogin(c, http.StatusUnauthorized, vm)
		return
	}
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	h.log.InfoContext(c.Request.Context(), "signed in", "user_id", u.ID, "admin", u.IsAdmin)
	h.startSession(c, u)
	h.rememberDevice(c, u.Email)
	web.Redirect(c, landingFor(u, vm.Next))
}

// inMinutes says a wait in whole minutes, rounded up.
func inMinutes(d time.Duration) string {
	if m := int(math.Ceil(d.Minutes())); m > 1 {
		return fmt.Sprintf("%d minutes", m)
	}
	return "a minute"
}
