package ingest

import (
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/web"
)

// formRequest is what /profile and /explain-style ask about: a form, the requesting job's
// segment and discipline ("" for none) and the form's profile (nil when there is none).
type formRequest struct {
	form       learning.Form
	segment    string
	discipline string
	profile    *models.FormProfile
}

// readForm reads ?host=&schema_hash=[&segment_key=][&discipline=][&job_title=] and finds the form's profile;
// on a bad query or a failure it has already answered.
func (h *Handlers) readForm(c *gin.Context) (formRequest, bool) {
	form, seg, disc, err := h.formQuery(c)
	if err != nil {
		web.Fail(c, err)
		return formRequest{}, false
	}
	p, err := learning.FindProfile(web.Context(c), h.DB, form)
	if err != nil {
		web.Fail(c, web.Internal(err))
		return formRequest{}, false
	}
	return formRequest{form: form, segment: seg, discipline: disc, profile: p}, true
}

// formQuery reads ?host=&schema_hash=[&segment_key=][&discipline=][&job_title=] and the segment
// and discipline it asks for: each as sent, else derived from job_title.
func (h *Handlers) formQuery(c *gin.Context) (learning.Form, string, string, error) {
	v := h.newChecker(nil)
	if badQuery(v, c.Request.URL.RawQuery) {
		return learning.Form{}, "", "", v.err()
	}
	q := func(name string) *string {
		s, ok := c.GetQuery(name)
		if !ok {
			return nil
		}
		return &s
	}
	f := learning.Form{Host: v.host("host", q("host"), true), SchemaHash: v.text("schema_hash", q("schema_hash"), true, config.MaxSchemaHashLen)}
	title := ""
	if t := q("job_title"); t != nil {
		title = v.text("job_title", t, false, config.MaxJobTitleLen)
	}
	seg, disc := "", ""
	if s := q("segment_key"); s != nil && *s != "" {
		seg = v.oneOf("segment_key", s, learning.Segments()...)
	} else if title != "" {
		seg = learning.SegmentOf(title)
	}
	if d := q("discipline"); d != nil && *d != "" {
		disc = v.oneOf("discipline", d, learning.Disciplines()...)
	} else if title != "" {
		disc = learning.DisciplineOf(title)
	}
	return f, seg, disc, v.err()
}

// badQuery names each pair of a raw query string that is not percent-encoded correctly, which
// net/url drops without a word (a host sent as "a.com%ZZ" would be reported missing), and
// reports whether there was one.
func badQuery(v *checker, raw string) bool {
	bad := false
	for pair := range strings.SplitSeq(raw, "&") {
		key, value, _ := strings.Cut(pair, "=")
		name, kerr := url.QueryUnescape(key)
		_, verr := url.QueryUnescape(value)
		switch {
		case strings.Contains(pair, ";"):
			v.fail("query", "separates pairs with ';' (%q): use '&'", truncate(pair, 40))
		case kerr != nil:
			v.fail("query", "has a name that is not percent-encoded correctly (%q: %v)", truncate(key, 40), kerr)
		case verr != nil:
			v.fail(truncate(name, 40), "is not percent-encoded correctly (%v)", verr)
		default:
			continue
		}
		bad = true
	}
	return bad
}
