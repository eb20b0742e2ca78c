package models

import (
	"reflect"
	"testing"
)

// storedHint must list StyleHint's fields, with the same JSON names, in the same order: a field
// added to StyleHint and not to storedHint would be left out of every stored hint.
func TestStoredHintMirrorsStyleHint(t *testing.T) {
	want, got := reflect.TypeFor[StyleHint](), reflect.TypeFor[storedHint]()
	if want.NumField() != got.NumField() {
		t.Fatalf("StyleHint has %d fields, storedHint %d", want.NumField(), got.NumField())
	}
	for i := range want.NumField() {
		w, g := want.Field(i), got.Field(i)
		if w.Name != g.Name || w.Tag != g.Tag || w.Anonymous != g.Anonymous {
			t.Errorf("field %d: StyleHint has %s %q, storedHint %s %q", i, w.Name, w.Tag, g.Name, g.Tag)
		}
		if w.Name != "BySegment" && w.Type != g.Type {
			t.Errorf("field %s: StyleHint's type is %s, storedHint's %s", w.Name, w.Type, g.Type)
		}
	}
}
