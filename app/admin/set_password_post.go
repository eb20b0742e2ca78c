package admin

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/account"
	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/views/pages"
)

// setPasswordPost sets the password of a set-password link's user (which spends the link) and
// signs them in.
func (h *Handlers) setPasswordPost(c *gin.Context) {
	ctx := c.Request.Context()
	token := c.PostForm("t")
	nonce, err := c.Cookie(loginCookie)
	if err != nil || !validToken(c.PostForm(csrfField), h.sessions.loginToken(nonce)) {
		h.renderSetPassword(c, http.StatusForbidden, pages.SetPasswordPageVM{Token: token,
			Error: "The form expired (or cookies are off). Please try again."})
		return
	}
	u, err := h.sessions.passwordLinkUser(ctx, token, h.now())
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	if u == nil {
		h.renderSetPassword(c, http.StatusNotFound, pages.SetPasswordPageVM{Error: expiredLink})
		return
	}
	err = account.SetPassword(ctx, h.db, u.ID, c.PostForm("password"), false)
	if errors.Is(err, account.ErrWeakPassword) || errors.Is(err, account.ErrLongPassword) {
		msg := "Choose a password of at least 8 characters."
		if errors.Is(err, account.ErrLongPassword) {
			msg = "Choose a shorter password: " + account.LongPasswordLimit + "."
		}
		h.renderSetPassword(c, http.StatusUnprocessableEntity, pages.SetPasswordPageVM{Token: token, Email: u.Email, Error: msg})
		return
	}
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	u, err = account.UserByID(ctx, h.db, u.ID)
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	h.log.InfoContext(ctx, "password set through a one-time link", "user_id", u.ID)
	h.startSession(c, u)
	web.Redirect(c, landingFor(u, ""))
}
