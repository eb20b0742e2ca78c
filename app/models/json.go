package models

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// JSON stores a Go value as jsonb on Postgres and as JSON text on SQLite. A NULL column reads
// as the zero value.
type JSON[T any] struct{ V T }

// NewJSON wraps v.
func NewJSON[T any](v T) JSON[T] { return JSON[T]{V: v} }

// Value implements driver.Valuer.
func (j JSON[T]) Value() (driver.Value, error) {
	b, err := json.Marshal(j.V)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// Scan implements sql.Scanner.
func (j *JSON[T]) Scan(src any) error {
	var zero T
	j.V = zero
	switch s := src.(type) {
	case nil:
		return nil
	case []byte:
		if len(s) == 0 {
			return nil
		}
		return json.Unmarshal(s, &j.V)
	case string:
		if s == "" {
			return nil
		}
		return json.Unmarshal([]byte(s), &j.V)
	default:
		return fmt.Errorf("models.JSON: cannot scan %T", src)
	}
}

// MarshalJSON writes the wrapped value.
func (j JSON[T]) MarshalJSON() ([]byte, error) { return json.Marshal(j.V) }

// UnmarshalJSON reads the wrapped value.
func (j *JSON[T]) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &j.V) }

// GormDBDataType names the column type per dialect.
func (JSON[T]) GormDBDataType(db *gorm.DB, _ *schema.Field) string {
	if db.Dialector.Name() == "postgres" {
		return "jsonb"
	}
	return "json"
}

// StringMap is a JSON object of strings: the selector→field maps of an autofill run. It reads
// tolerantly, because a database adopted from the original service may hold maps with other
// values: a string stays a string, null becomes "", and any other value keeps its JSON text.
type StringMap map[string]string

// UnmarshalJSON implements the tolerant read.
func (m *StringMap) UnmarshalJSON(b []byte) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == nil {
		*m = nil
		return nil
	}
	out := make(StringMap, len(raw))
	for k, v := range raw {
		var s string
		switch {
		case json.Unmarshal(v, &s) == nil:
			out[k] = s
		case string(v) == "null":
			out[k] = ""
		default:
			out[k] = string(v)
		}
	}
	*m = out
	return nil
}
