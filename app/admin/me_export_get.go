package admin

import (
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/web"
)

// meExportGet downloads every event of the signed-in user as one JSON document.
func (h *Handlers) meExportGet(c *gin.Context) {
	u := web.CurrentUser(c)
	now := h.now()
	c.Header("Content-Type", "application/json; charset=utf-8")
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="applylens-events-%s.json"`, now.UTC().Format("2006-01-02")))
	c.Status(200)
	if err := learning.ExportEvents(c.Request.Context(), h.db, u.ID, now, c.Writer); err != nil {
		// The status line is gone: end the body early, so the download is visibly broken.
		h.log.ErrorContext(c.Request.Context(), "export of a user's events failed", "user_id", u.ID, "err", err)
		c.Abort()
	}
}
