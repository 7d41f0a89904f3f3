package values

import (
	"errors"
	"reflect"
	"testing"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/interp/values/internal/modtype"
)

// TestModuleTypesWithUnexportedState: a compiled module's type is copied
// field by field, unexported ones included (the image binary and mirrors
// link the same package), while one holding a mutex stays uncopyable.
func TestModuleTypesWithUnexportedState(t *testing.T) {
	// Held in an interface, a binary type travels by name: the image
	// binary registers its compiled packages' types (vm.RegisterNative).
	RegisterExports(yaegi.Exports{"github.com/dmirror/dmirror/interp/values/internal/modtype/modtype": {
		"Matrix": reflect.ValueOf((*modtype.Matrix)(nil)),
	}})
	m := modtype.New(2, 2, []float64{1, 2, 3, 4}, "m")
	m.Label = "label"
	type holder struct {
		M   *modtype.Matrix
		Any any
		V   modtype.Matrix
	}
	in := holder{M: m, Any: m, V: *m}
	data, err := Encode(reflect.ValueOf(&in).Elem())
	if err != nil {
		t.Fatal(err)
	}
	out, err := Decode(data, reflect.TypeOf(in))
	if err != nil {
		t.Fatal(err)
	}
	got := out.Interface().(holder)
	if got.M == m {
		t.Fatal("decoded the same pointer, not a copy")
	}
	for _, c := range []*modtype.Matrix{got.M, &got.V} {
		r, cols := c.Dims()
		if r != 2 || cols != 2 || c.At(1, 0) != 3 || c.Name() != "m" || c.Label != "label" {
			t.Errorf("decoded %+v", c)
		}
	}
	if got.Any != any(got.M) {
		t.Errorf("the pointer held in an interface is not shared with the field: %p %p", got.Any, got.M)
	}

	_, err = Encode(reflect.ValueOf(&modtype.Guarded{}))
	var unc *UncopyableError
	if !errors.As(err, &unc) {
		t.Errorf("a module type holding a sync.Mutex: err %v, want an UncopyableError", err)
	}
}
