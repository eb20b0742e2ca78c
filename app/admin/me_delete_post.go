package admin

import (
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/web"
)

// meDeletePost deletes every event of the signed-in user (the box must be ticked) and records
// the deletion for the admins.
func (h *Handlers) meDeletePost(c *gin.Context) {
	u := web.CurrentUser(c)
	if c.PostForm("confirm") == "" {
		web.Fail(c, web.Errorf(http.StatusUnprocessableEntity, "tick the box to confirm that every event you sent is deleted"))
		return
	}
	n, err := learning.DeleteEvents(c.Request.Context(), h.db, u, h.now())
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	h.log.InfoContext(c.Request.Context(), "user deleted their events", "user_id", u.ID, "events", n)
	web.Redirect(c, fmt.Sprintf("%s?deleted=%d", PathMe, n))
}
