package admin_test

import (
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/admin"
	"github.com/applylens/learning/app/store/storetest"
)

// TestPagesRefuseTextThatIsNotText: a page's path, query or form value that is not valid UTF-8
// or holds a NUL (which Postgres cannot store: the query failed, a 500) gets a 400 page naming
// it, and changes nothing; a set-password link whose user id is such bytes is a forged link.
func TestPagesRefuseTextThatIsNotText(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		c, _ := signedIn(t, db, false)
		c.page(admin.PathStyles + "/new") // a page with the form's CSRF token
		var styles int64
		require.NoError(t, db.Table("gen_styles").Count(&styles).Error)
		r := c.post(admin.PathStyles, url.Values{"id": {"odd_v1"}, "name": {"\xff\xfe"}})
		require.Equal(t, http.StatusBadRequest, r.StatusCode, r.Body)
		require.Contains(t, r.Body, "the value of &#34;name&#34; is not valid text")
		var after int64
		require.NoError(t, db.Table("gen_styles").Count(&after).Error)
		require.Equal(t, styles, after, "nothing stored")

		for path, says := range map[string]string{
			admin.PathProfiles + "?host=a%00":    "the value of &#34;host&#34;",
			admin.PathStyles + "/%FF":            "the address",
			admin.PathOverview + "/runs/%FF":     "the address",
			admin.PathEvents + "?%FF=1":          "a parameter&#39;s name",
			admin.PathEvents + "?host=ok.com":    "",
			admin.PathProfiles + "?host=h%C3%A9": "",
		} {
			r := c.get(path)
			if says == "" {
				require.Equal(t, http.StatusOK, r.StatusCode, path)
				continue
			}
			require.Equal(t, http.StatusBadRequest, r.StatusCode, path)
			require.Contains(t, r.Body, says, path)
		}

		// A forged set-password link whose id is not text: the link is refused, not a 500.
		forged := base64.RawURLEncoding.EncodeToString([]byte("\xff|9999999999")) + ".x"
		r = c.get(admin.PathSetPassword + "?t=" + forged)
		require.Equal(t, http.StatusNotFound, r.StatusCode, r.Body)
		require.Contains(t, r.Body, "expired")

		// A form that does not parse is refused whole: its good pairs reached the handler.
		c.page(admin.PathStyles + "/new")
		tok := c.last.Find(`input[name="csrf_token"]`).First().AttrOr("value", "")
		req := httptest.NewRequest(http.MethodPost, admin.PathStyles, strings.NewReader("csrf_token="+url.QueryEscape(tok)+
			"&id=odd_v2&name=%FF%FE&temperature=0.5&tone=warm&format=bullets&length_hint=short&x=%zz"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r = c.do(req)
		require.Equal(t, http.StatusBadRequest, r.StatusCode, r.Body)
		require.Contains(t, r.Body, "the form is not correctly encoded")
		require.NoError(t, db.Table("gen_styles").Count(&after).Error)
		require.Equal(t, styles, after, "nothing stored")
	})
}
