package ingest

import (
	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/learning"
)

// formQuery reads ?host=&schema_hash=[&segment_key=|&job_title=] and the segment it asks for.
func (h *Handlers) formQuery(c *gin.Context) (learning.Form, string, error) {
	v := &checker{maxLen: h.Config.MaxStringLen, maxKeys: h.Config.MaxMapKeys}
	q := func(name string) *string {
		s, ok := c.GetQuery(name)
		if !ok {
			return nil
		}
		return &s
	}
	f := learning.Form{Host: v.host("host", q("host"), true), SchemaHash: v.text("schema_hash", q("schema_hash"), true, 256)}
	seg := ""
	if s := q("segment_key"); s != nil && *s != "" {
		seg = v.oneOf("segment_key", s, learning.Segments()...)
	} else if t := q("job_title"); t != nil {
		seg = learning.SegmentOf(v.text("job_title", t, false, 512))
	}
	return f, seg, v.err()
}
