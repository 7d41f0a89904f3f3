package gofmt

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
)

// specOf describes a compiled type as the frontend describes a session
// type: Value must then print its values exactly as fmt does.
func specOf(t reflect.Type) string {
	var nodes []map[string]any
	index := map[reflect.Type]int{}
	var node func(t reflect.Type) int
	node = func(t reflect.Type) int {
		if i, ok := index[t]; ok {
			return i
		}
		n := map[string]any{"n": t.String()}
		nodes = append(nodes, n)
		id := len(nodes)
		index[t] = id
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array:
			n["e"] = node(t.Elem())
		case reflect.Map:
			n["k"], n["e"] = node(t.Key()), node(t.Elem())
		case reflect.Struct:
			var fs []map[string]any
			for i := 0; i < t.NumField(); i++ {
				fs = append(fs, map[string]any{"n": t.Field(i).Name, "t": node(t.Field(i).Type)})
			}
			n["f"] = fs
		}
		return id
	}
	node(t)
	b, err := json.Marshal(nodes)
	if err != nil {
		panic(err)
	}
	return string(b)
}

type inner struct {
	A []int
	B map[string]float64
}

type outer struct {
	Name  string
	In    inner
	Ptr   *inner
	Items []inner
	Flags [2]bool
	Any   any
	Nums  map[int8]uint
	Bytes []byte
}

// TestValueAsFmt: with no methods to call, a Value prints what fmt prints
// for the same value, for every verb and flag tried.
func TestValueAsFmt(t *testing.T) {
	in := inner{[]int{1, 2}, map[string]float64{"b": 2.5, "a": -1}}
	values := []any{
		outer{Name: "x", In: in, Items: []inner{in, {}}, Flags: [2]bool{true, false}, Any: 3, Nums: map[int8]uint{-1: 1, 5: 2, 0: 3}, Bytes: []byte("hi")},
		&outer{Name: "p"},
		[]inner{in},
		map[int][]string{2: {"b"}, 1: nil},
		[]*inner(nil),
		int64(-7),
		"str",
	}
	for _, v := range values {
		spec := specOf(reflect.TypeOf(v))
		w := V(v, spec, nil, nil)
		for _, f := range []string{"%v", "%+v", "%#v", "%d", "%s", "%x", "%q", "%8v", "%-6d|", "%.2f", "%T"} {
			want := fmt.Sprintf(f, v)
			got := fmt.Sprintf(F(f, 0), w)
			if got != want {
				t.Errorf("%s of %T: got %q, want %q", f, v, got, want)
			}
		}
	}
}

type level byte

func (l level) String() string { return fmt.Sprintf("L%d", byte(l)) }

// TestValueMethods: the methods a spec names are called as fmt calls a
// compiled type's (not for %d, not below an unexported field).
func TestValueMethods(t *testing.T) {
	type compiledHolder = struct {
		Pub  level
		priv level
	}
	spec := `[{"n":"gofmt.holder","f":[{"n":"Pub","t":2},{"n":"priv","t":2}]},{"n":"gofmt.level","s":1}]`
	strs := []func(any) string{func(v any) string { return level(v.(uint8)).String() }}
	raw := struct{ Pub, Xpriv uint8 }{1, 2}
	w := V(raw, spec, strs, nil)
	want := compiledHolder{1, 2}
	for _, f := range []string{"%v", "%+v", "%d", "%s", "%5v"} {
		if got, want := fmt.Sprintf(f, w), fmt.Sprintf(f, want); got != want {
			t.Errorf("%s: got %q, want %q", f, got, want)
		}
	}
}

func TestF(t *testing.T) {
	for _, tc := range []struct {
		format  string
		wrapped []int
		want    string
	}{
		{"%T %v", []int{0}, "%\uE000 %v"},
		{"%v %T", []int{0}, "%v %T"},
		{"%v %T", []int{1}, "%v %\uE000"},
		{"%*d %-8T %%T %p", []int{2, 3}, "%*d %-8\uE000 %%T %\uE001"},
		{"%[2]T %[1]T", []int{0}, "%[2]T %[1]\uE000"},
		{"%.*f %T", []int{2}, "%.*f %\uE000"},
		{"%", []int{0}, "%"},
	} {
		if got := F(tc.format, tc.wrapped...); got != tc.want {
			t.Errorf("F(%q, %v) = %q, want %q", tc.format, tc.wrapped, got, tc.want)
		}
	}
}
