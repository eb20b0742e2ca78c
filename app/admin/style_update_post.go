package admin

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/report"
	"github.com/applylens/learning/app/web"
)

// styleUpdatePost validates and saves a style's fields (its id stays).
func (h *Handlers) styleUpdatePost(c *gin.Context) {
	f := styleFormFrom(c)
	f.ID = c.Param("id")
	s, errs := f.validate(false)
	if len(errs) > 0 {
		cur, err := report.GetStyle(c.Request.Context(), h.db, f.ID)
		if err != nil {
			web.Fail(c, notFoundOr(err, "style"))
			return
		}
		f.PriorWeight = styleFormOf(*cur).PriorWeight // shown, not submitted
		h.renderStyleForm(c, http.StatusUnprocessableEntity, f, errs, false)
		return
	}
	err := updateStyle(c.Request.Context(), h.db, f.ID, s, h.now())
	if errors.Is(err, gorm.ErrRecordNotFound) {
		web.Fail(c, web.Errorf(http.StatusNotFound, "no such style"))
		return
	}
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	web.Redirect(c, PathStyles+"?saved=updated")
}
