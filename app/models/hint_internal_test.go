package models

import (
	"encoding/json"
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

// EncodeHint writes storedHint's fields by reflection: a MarshalJSON method on a type inside
// it would be used by json.Marshal(StyleHint) too, but would have to be checked for the same
// bytes; none has one but SegmentChoices, which storedHint replaces.
func TestHintPartsHaveNoMarshaler(t *testing.T) {
	marshaler := reflect.TypeFor[json.Marshaler]()
	for _, typ := range []reflect.Type{reflect.TypeFor[Choice](), reflect.TypeFor[StyleStats](), reflect.TypeFor[storedStats](),
		reflect.TypeFor[storedChoice](), reflect.TypeFor[Posterior](), reflect.TypeFor[Shares](), reflect.TypeFor[Kappas](),
		reflect.TypeFor[Thresholds]()} {
		if typ.Implements(marshaler) || reflect.PointerTo(typ).Implements(marshaler) {
			t.Errorf("%s has a MarshalJSON: check that EncodeHint still writes json.Marshal's bytes", typ)
		}
	}
}
