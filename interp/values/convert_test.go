package values

import (
	"reflect"
	"strings"
	"testing"
)

// TestConvert moves values to types that changed as a generation's do:
// structs by field name (new fields zero, removed ones dropped, unexported
// ones included), through pointers, slices, maps and interfaces, with
// pointers shared as before. Generation types themselves need plugins:
// interp's TestGenerations covers them.
func TestConvert(t *testing.T) {
	type oldT struct {
		A    int
		b    string
		Gone float64
	}
	type newT struct {
		b   string
		A   int
		New []int
	}
	shared := &oldT{A: 1, b: "x"}
	type oldBox struct {
		P, Q *oldT
		M    map[string]oldT
		S    []oldT
		Any  any
	}
	type newBox struct {
		P, Q *newT
		M    map[string]newT
		S    []newT
		Any  any
	}
	in := oldBox{P: shared, Q: shared, M: map[string]oldT{"k": {A: 2, b: "y", Gone: 1}}, S: []oldT{{A: 3}}, Any: 5}
	out, err := Convert(reflect.ValueOf(in), reflect.TypeFor[newBox]())
	if err != nil {
		t.Fatal(err)
	}
	got := out.Interface().(newBox)
	want := newBox{P: &newT{A: 1, b: "x"}, M: map[string]newT{"k": {A: 2, b: "y"}}, S: []newT{{A: 3}}, Any: 5}
	want.Q = want.P
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if got.P != got.Q {
		t.Error("two pointers to one value became two values")
	}
	if _, err := Convert(reflect.ValueOf(struct{ A string }{"s"}), reflect.TypeFor[struct{ A int }]()); err == nil {
		t.Error("a string field became an int field without an error")
	}
}

// TestTooLarge: a pointer to an array moving to a type too large for any
// process (a declaration redefined to a size Go's compiler rejects, which
// runs interpreted) fails with an error, where allocating it would end
// the process.
func TestTooLarge(t *testing.T) {
	huge := reflect.PointerTo(reflect.ArrayOf(1<<51, reflect.TypeFor[byte]()))
	small := &[8]byte{1, 2}
	if _, err := Convert(reflect.ValueOf(small), huge); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("Convert: %v, want an error saying too large", err)
	}
}
