package ingest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/applylens/learning/app/ingest"
	"github.com/applylens/learning/app/models"
	"github.com/applylens/learning/app/store/storetest"
)

// shippedBatch is a batch as the shipped client sends it, as JSON text with old replaced by new
// (raw JSON text: "\u0000" is a JSON escape, "\xff" a byte that is not UTF-8).
func shippedBatch(t *testing.T, old, new string) string {
	t.Helper()
	const s = `{"host": "boards.greenhouse.io", "schema_hash": "bfeb90", "gen_style_id": "concise_bullets_v1", "policy": "exploit",
	"events": [{"host": "boards.greenhouse.io", "schema_hash": "bfeb90", "suggested_map": {"#first_name": "first_name", "#last_name": "last_name"},
	"final_map": {"#email": "email"}, "edit_stats": {"total_chars_added": 1, "total_chars_deleted": 0, "per_field": {"#email": {"added": 1}}},
	"duration_ms": 150, "validation_errors": {}, "status": "ok"}]}`
	require.Contains(t, s, old)
	return strings.Replace(s, old, new, 1)
}

// TestControlCharactersAndBadUTF8: NUL, the other control characters and invalid UTF-8 in any
// string the API takes (values, map keys, free-form objects, the legacy feedback, the query of
// /profile and /explain-style) get a 422 naming the field, the same on both databases, and
// store nothing. Tabs, line breaks and any valid character are kept.
func TestControlCharactersAndBadUTF8(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, nil)
		sync := []struct {
			name, old, new string
			field          string
		}{
			{"NUL in schema_hash", `"schema_hash": "bfeb90",`, `"schema_hash": "bf\u0000eb90",`, "schema_hash"},
			{"NUL in an event's schema_hash", `"schema_hash": "bfeb90", "suggested_map"`, `"schema_hash": "b\u0000", "suggested_map"`, "events[0].schema_hash"},
			{"NUL in a map key", `"#first_name": "first_name"`, `"#first\u0000name": "first_name"`, "events[0].suggested_map[#first\uFFFDname]"},
			{"NUL in a map value", `"#last_name": "last_name"`, `"#last_name": "last\u0000name"`, "events[0].suggested_map[#last_name]"},
			{"NUL in validation_errors", `"validation_errors": {}`, `"validation_errors": {"email": "req\u0000uired"}`, "events[0].validation_errors.email"},
			{"NUL in a validation_errors key", `"validation_errors": {}`, `"validation_errors": {"e\u0000": "required"}`, "events[0].validation_errors[e\uFFFD]"},
			{"NUL deep in per_field", `"per_field": {`, `"per_field": {"#x": {"note": ["ok", "\u0000"]}, `, "events[0].edit_stats.per_field.#x.note[1]"},
			{"a bell in status", `"status": "ok"`, `"status": "o\u0007k"`, "events[0].status"},
			{"DEL in gen_style_id", `"gen_style_id": "concise_bullets_v1"`, `"gen_style_id": "concise\u007f"`, "gen_style_id"},
			{"invalid UTF-8 in schema_hash", `"schema_hash": "bfeb90",`, "\"schema_hash\": \"bf\xffeb90\",", "schema_hash"},
			{"invalid UTF-8 in a map value", `"#email": "email"`, "\"#email\": \"em\xc3\x28il\"", "events[0].final_map[#email]"},
			{"invalid UTF-8 in a field nobody reads", `"host": "boards.greenhouse.io",`, "\"host\": \"boards.greenhouse.io\", \"zzz\": \"\xfe\",", "body"},
		}
		for _, c := range sync {
			r := a.post(ingest.PathSync, shippedBatch(t, c.old, c.new))
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s: %s", c.name, r.Raw)
			require.Contains(t, fieldsOf(r), c.field, c.name)
		}
		require.Zero(t, storetest.Count(t, db, "autofill_events"), "nothing stored")

		// Valid text of any kind, tabs and line breaks are kept as sent.
		r := a.post(ingest.PathSync, shippedBatch(t, `"validation_errors": {}`,
			`"validation_errors": {"email": "line one\nline\ttwo\r\n", "名前": "必須 ✓ 😀", "zero": "\u200b"}`))
		require.Equal(t, http.StatusAccepted, r.Status, r.Raw)
		var ev models.AutofillEvent
		require.NoError(t, db.Take(&ev).Error)
		require.Equal(t, "line one\nline\ttwo\r\n", ev.ValidationErrors.V["email"])
		require.Equal(t, "必須 ✓ 😀", ev.ValidationErrors.V["名前"])

		for _, body := range []string{
			`{"host":"boards.greenhouse.io","schema_hash":"bf\u0000eb90","status":"helpful"}`,
			"{\"host\":\"boards.greenhouse.io\",\"schema_hash\":\"bf\xffeb90\",\"status\":\"helpful\"}",
		} {
			r := a.post(ingest.PathLegacyFeedback, body)
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, r.Raw)
			require.Equal(t, []string{"schema_hash"}, fieldsOf(r))
		}
		r = a.post(ingest.PathFeedback, `{"event_id":"`+ev.EventID+`\u0000","feedback_status":"helpful"}`)
		require.Equal(t, http.StatusUnprocessableEntity, r.Status, r.Raw)
		require.Equal(t, []string{"event_id"}, fieldsOf(r))

		for _, path := range []string{ingest.PathProfile, ingest.PathExplainStyle} {
			for q, field := range map[string]string{
				"host=boards.greenhouse.io&schema_hash=bf%00eb90":              "schema_hash",
				"host=boards.greenhouse.io&schema_hash=bf%FFeb90":              "schema_hash",
				"host=boards.greenhouse.io%00&schema_hash=bfeb90":              "host",
				"host=boards.greenhouse.io&schema_hash=bfeb90&job_title=a%07b": "job_title",
			} {
				r := a.get(path + "?" + q)
				require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s?%s: %s", path, q, r.Raw)
				require.Equal(t, []string{field}, fieldsOf(r), "%s?%s", path, q)
			}
		}
	})
}

// TestHostsFromURLsAndUserInfo: a full URL sent as host (location.href) is stored as its host
// name, not as "https"; user info and anything else that is not a host name is a 422 naming the
// field, in sync, the legacy feedback and the query of /profile.
func TestHostsFromURLsAndUserInfo(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *gorm.DB) {
		a := newAPI(t, db, nil)
		r := a.post(ingest.PathSync, shippedBatch(t, `"host": "boards.greenhouse.io", "schema_hash": "bfeb90", "suggested_map"`,
			`"host": "https://boards.greenhouse.io/acme/jobs/4012345?gh_src=x", "schema_hash": "bfeb90", "suggested_map"`))
		require.Equal(t, http.StatusAccepted, r.Status, r.Raw)
		ev := r.Body["events"].([]any)[0].(map[string]any)
		require.Equal(t, "greenhouse", ev["host_family"])
		var hosts []string
		require.NoError(t, db.Model(&models.AutofillEvent{}).Pluck("host", &hosts).Error)
		require.Equal(t, []string{"boards.greenhouse.io"}, hosts)

		for _, bad := range []string{"user:pw@boards.greenhouse.io", "https://user:pw@evil.example/", "https://", "javascript:alert(1)",
			"ftp://boards.greenhouse.io", "boards.greenhouse.io/acme"} {
			r := a.post(ingest.PathSync, shippedBatch(t, `"host": "boards.greenhouse.io", "schema_hash": "bfeb90", "suggested_map"`,
				`"host": "`+bad+`", "schema_hash": "bfeb90", "suggested_map"`))
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s: %s", bad, r.Raw)
			require.Equal(t, []string{"events[0].host"}, fieldsOf(r), bad)

			r = a.post(ingest.PathLegacyFeedback, map[string]any{"host": bad, "schema_hash": "bfeb90", "status": "helpful"})
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s: %s", bad, r.Raw)
			require.Equal(t, []string{"host"}, fieldsOf(r), bad)

			r = a.get(ingest.PathProfile + "?schema_hash=bfeb90&host=" + url.QueryEscape(bad))
			require.Equal(t, http.StatusUnprocessableEntity, r.Status, "%s: %s", bad, r.Raw)
			require.Equal(t, []string{"host"}, fieldsOf(r), bad)
		}
		require.EqualValues(t, 1, storetest.Count(t, db, "autofill_events"))

		// The URL form finds the same profile as the host.
		r = a.get(ingest.PathProfile + "?schema_hash=bfeb90&host=" + url.QueryEscape("https://boards.greenhouse.io/acme/jobs/1"))
		require.Equal(t, http.StatusOK, r.Status, r.Raw)
		byHost := a.get(ingest.PathProfile + "?schema_hash=bfeb90&host=boards.greenhouse.io")
		require.Equal(t, byHost.Raw, r.Raw)
	})
}
