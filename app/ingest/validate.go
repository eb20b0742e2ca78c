package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/applylens/learning/app/config"
	"github.com/applylens/learning/app/learning"
	"github.com/applylens/learning/app/web"
)

// checker collects every wrong field of a body, by its path.
type checker struct {
	maxLen  int
	maxKeys int
	fields  []web.FieldError
	// The raw body was not valid UTF-8: encoding/json replaced each bad byte with U+FFFD, so
	// a string holding U+FFFD is where it was. named: such a string was reported.
	badUTF8, named bool
}

// newChecker is a checker with the configured limits for a body (nil for a query string).
func (h *Handlers) newChecker(body []byte) *checker {
	return &checker{maxLen: h.Config.MaxStringLen, maxKeys: h.Config.MaxMapKeys, badUTF8: body != nil && !utf8.Valid(body)}
}

func (v *checker) fail(path, format string, args ...any) {
	v.fields = append(v.fields, web.FieldError{Field: path, Message: fmt.Sprintf(format, args...)})
}

func (v *checker) err() error {
	if v.badUTF8 && !v.named {
		v.named = true
		v.fail("body", "is not valid UTF-8")
	}
	if len(v.fields) == 0 {
		return nil
	}
	return web.Invalid(v.fields)
}

// clean checks that a string (a value or a key) is valid UTF-8 without control characters: NUL,
// which Postgres cannot store (SQLite would), and the other C0 controls but tab, line feed and
// carriage return, and DEL. None belongs in what the extension sends, and both databases give
// the same 422 naming the field instead of a 500 on one and a stored value on the other.
func (v *checker) clean(path, s string) bool {
	if !utf8.ValidString(s) || (v.badUTF8 && strings.ContainsRune(s, utf8.RuneError)) {
		v.named = true
		v.fail(path, "is not valid UTF-8")
		return false
	}
	if i := strings.IndexFunc(s, isControl); i >= 0 {
		v.fail(path, "contains the control character U+%04X", s[i])
		return false
	}
	return true
}

func isControl(r rune) bool { return (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f }

// keyPath names a map key in a field path, printable whatever the key holds.
func keyPath(path, key string) string {
	key = strings.Map(func(r rune) rune {
		if isControl(r) {
			return utf8.RuneError
		}
		return r
	}, strings.ToValidUTF8(key, string(utf8.RuneError)))
	return path + "[" + truncate(key, 40) + "]"
}

// text checks a string field; required means present and not blank.
func (v *checker) text(path string, s *string, required bool, maxLen int) string {
	if s == nil || strings.TrimSpace(*s) == "" {
		if required {
			v.fail(path, "is required")
		}
		return ""
	}
	if maxLen == 0 {
		maxLen = v.maxLen
	}
	if !v.clean(path, *s) {
		return ""
	}
	if utf8.RuneCountInString(*s) > maxLen {
		v.fail(path, "is longer than %d characters", maxLen)
	}
	return strings.TrimSpace(*s)
}

var (
	idPattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.:-]*$`)
	statusFormat = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
)

// host checks and normalises a host.
func (v *checker) host(path string, s *string, required bool) string {
	raw := v.text(path, s, required, config.MaxHostLen)
	if raw == "" {
		return ""
	}
	h, err := learning.ParseHost(raw)
	if err != nil {
		v.fail(path, "is %v (got %q)", err, truncate(raw, 80))
		return ""
	}
	return h
}

// ident checks an identifier such as a style id.
func (v *checker) ident(path string, s *string, required bool) string {
	id := v.text(path, s, required, config.MaxIdentLen)
	if id != "" && !idPattern.MatchString(id) {
		v.fail(path, "must be letters, digits, '_', '.', ':' or '-' (got %q)", id)
		return ""
	}
	return id
}

// stringMap checks a selector→field map's size and strings.
func (v *checker) stringMap(path string, m map[string]string) {
	if len(m) > v.maxKeys {
		v.fail(path, "has %d keys; at most %d are allowed", len(m), v.maxKeys)
		return
	}
	for k, val := range m {
		if !v.clean(keyPath(path, k), k) || !v.clean(keyPath(path, k), val) {
			return
		}
		if utf8.RuneCountInString(k) > v.maxLen || utf8.RuneCountInString(val) > v.maxLen {
			v.fail(keyPath(path, k), "is longer than %d characters", v.maxLen)
			return
		}
	}
}

// object checks a free-form object (validation_errors, per_field) as a whole: at most maxKeys
// keys and array items all told, nesting at most config.MaxObjectDepth deep, and every string within the
// length limit.
func (v *checker) object(path string, m map[string]any) {
	items := 0
	var walk func(p string, x any, depth int) bool
	walk = func(p string, x any, depth int) bool {
		switch t := x.(type) {
		case map[string]any:
			if depth > config.MaxObjectDepth {
				v.fail(p, "nests deeper than %d levels", config.MaxObjectDepth)
				return false
			}
			for k, val := range t {
				if items++; items > v.maxKeys {
					v.fail(path, "has more than %d keys and items in all", v.maxKeys)
					return false
				}
				if !v.clean(keyPath(p, k), k) {
					return false
				}
				if utf8.RuneCountInString(k) > v.maxLen {
					v.fail(keyPath(p, k), "is longer than %d characters", v.maxLen)
					return false
				}
				if !walk(p+"."+k, val, depth+1) {
					return false
				}
			}
		case []any:
			if depth > config.MaxObjectDepth {
				v.fail(p, "nests deeper than %d levels", config.MaxObjectDepth)
				return false
			}
			for i, val := range t {
				if items++; items > v.maxKeys {
					v.fail(path, "has more than %d keys and items in all", v.maxKeys)
					return false
				}
				if !walk(fmt.Sprintf("%s[%d]", p, i), val, depth+1) {
					return false
				}
			}
		case string:
			if !v.clean(p, t) {
				return false
			}
			if utf8.RuneCountInString(t) > v.maxLen {
				v.fail(p, "is longer than %d characters", v.maxLen)
				return false
			}
		}
		return true
	}
	walk(path, m, 1)
}

func (v *checker) intRange(path string, n *int, lo, hi int) {
	if n != nil && (*n < lo || *n > hi) {
		v.fail(path, "must be between %d and %d (got %d)", lo, hi, *n)
	}
}

func (v *checker) oneOf(path string, s *string, allowed ...string) string {
	if s == nil {
		return ""
	}
	for _, a := range allowed {
		if *s == a {
			return a
		}
	}
	v.fail(path, "must be one of %s (got %q)", strings.Join(allowed, ", "), truncate(*s, 40))
	return ""
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// readBody reads the whole body: 413 when it is over the limit.
func readBody(c *gin.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		if e, ok := web.TooLarge(err); ok {
			return nil, e
		}
		return nil, web.Errorf(http.StatusBadRequest, "cannot read the request body")
	}
	return body, nil
}

func decodeBytes(body []byte, dst any, prefix string) error {
	if len(strings.TrimSpace(string(body))) == 0 {
		return web.Invalid([]web.FieldError{{Field: bodyField(prefix), Message: "is empty; send a JSON object"}})
	}
	if err := json.Unmarshal(body, dst); err != nil {
		return jsonError(err, prefix)
	}
	return nil
}

// jsonError names the field a JSON error is about.
func jsonError(err error, prefix string) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := prefix + typeErr.Field
		if typeErr.Field == "" { // the value itself: the body, or one event of it
			field = bodyField(prefix)
		}
		return web.Invalid([]web.FieldError{{Field: field, Message: fmt.Sprintf("must be %s (got a JSON %s)", jsonKind(typeErr.Type.Kind().String()), typeErr.Value)}})
	case errors.As(err, &syntaxErr):
		return web.Invalid([]web.FieldError{{Field: bodyField(prefix), Message: fmt.Sprintf("is not valid JSON at byte %d: %v", syntaxErr.Offset, err)}})
	default:
		return web.Invalid([]web.FieldError{{Field: bodyField(prefix), Message: "is not valid: " + err.Error()}})
	}
}

// bodyField names the whole body ("body") or one event of it ("events[3]").
func bodyField(prefix string) string {
	if prefix == "" {
		return "body"
	}
	return strings.TrimSuffix(prefix, ".")
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "int", "int64", "int32":
		return "a whole number"
	case "float64":
		return "a number"
	case "map", "struct":
		return "an object"
	case "slice":
		return "an array"
	case "bool":
		return "true or false"
	case "ptr":
		return "a value of another type"
	}
	return "of another type"
}
