package admin

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/web"
)

// styleCreatePost validates and stores a new style; a wrong field comes back with its error.
func (h *Handlers) styleCreatePost(c *gin.Context) {
	f := styleFormFrom(c)
	s, errs := f.validate(true)
	if len(errs) == 0 {
		err := createStyle(c.Request.Context(), h.db, s, h.now())
		if errors.Is(err, errStyleExists) {
			errs = map[string]string{"id": "A style with this id exists already."}
		} else if err != nil {
			web.Fail(c, web.Internal(err))
			return
		}
	}
	if len(errs) > 0 {
		h.renderStyleForm(c, http.StatusUnprocessableEntity, f, errs, true)
		return
	}
	web.Redirect(c, PathStyles+"?saved=created")
}

func styleFormFrom(c *gin.Context) styleForm {
	return styleForm{ID: c.PostForm("id"), Name: c.PostForm("name"), Temperature: c.PostForm("temperature"),
		Tone: c.PostForm("tone"), Format: c.PostForm("format"), LengthHint: c.PostForm("length_hint"),
		Keywords: c.PostForm("keywords")}
}
