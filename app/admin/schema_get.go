package admin

import (
	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/web"
	"github.com/applylens/learning/migrations"
	"github.com/applylens/learning/views/pages"
)

// schemaGet shows the applied and pending migrations and the seed's checks of the
// segment_key column and index.
func (h *Handlers) schemaGet(c *gin.Context) {
	st, err := migrations.ReadStatus(c.Request.Context(), h.db)
	if err != nil {
		web.Fail(c, web.Internal(err))
		return
	}
	vm := schemaVM(st)
	vm.Shell = shell(c, "Schema", "schema")
	render(c, pages.SchemaPage(vm))
}
