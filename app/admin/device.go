package admin

import (
	"time"

	"github.com/gin-gonic/gin"
)

// Device cookies, as OWASP's "Slow down online guessing attacks with device cookies" describes
// and the big sign-in systems do. A successful sign-in leaves a signed cookie in the browser,
// tied to the email. A later attempt on that email from a browser with it is limited per device
// (a few a minute), not by the email's own limit: guessing from many addresses (which never
// signed in, so has no device cookie) pauses the email for unknown browsers only, and the owner
// still gets in from a browser used before. The per-address limits apply to everyone. Without a
// device cookie (a new browser during an attack) the owner waits like the guesser; `user add`
// or ADMIN_PASSWORD on the server is the way in then. The cookie grants nothing by itself: it
// only says which limit counts the attempt, and forging one needs the session secret.
const (
	deviceCookie = "applylens_device"
	deviceTTL    = 365 * 24 * time.Hour
)

// device is the content of a device cookie.
type device struct {
	Email string `json:"m"` // as loginKey has it
	Nonce string `json:"n"` // names the device's own limit
}

// knownDevice returns the nonce of this browser's device cookie when it was issued for email,
// else "".
func (h *Handlers) knownDevice(c *gin.Context, email string) string {
	ck, err := c.Cookie(deviceCookie)
	var d device
	if err != nil || !h.sessions.verify("device", ck, &d) || d.Email != loginKey(email) || d.Nonce == "" {
		return ""
	}
	return d.Nonce
}

// rememberDevice leaves a device cookie for email in the browser that just signed in.
func (h *Handlers) rememberDevice(c *gin.Context, email string) {
	h.setCookie(c, deviceCookie, h.sessions.sign("device", device{Email: loginKey(email), Nonce: randomNonce()}), deviceTTL)
}
