package values

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
)

// gen makes random types of the shapes interpreted code produces (unnamed
// structs, slices, arrays, maps, pointers, interfaces) and random values of
// them, with nils, empties and shared pointers.
type gen struct {
	r      *rand.Rand
	shared map[reflect.Type][]reflect.Value
}

var genBasics = []reflect.Type{
	reflect.TypeFor[bool](), reflect.TypeFor[int](), reflect.TypeFor[int8](),
	reflect.TypeFor[uint16](), reflect.TypeFor[int64](), reflect.TypeFor[uint64](),
	reflect.TypeFor[float32](), reflect.TypeFor[float64](), reflect.TypeFor[complex128](),
	reflect.TypeFor[string](), reflect.TypeFor[byte](),
}

func (g *gen) typ(depth int) reflect.Type {
	if depth <= 0 {
		return genBasics[g.r.IntN(len(genBasics))]
	}
	switch g.r.IntN(9) {
	case 0:
		return reflect.SliceOf(g.typ(depth - 1))
	case 1:
		return reflect.ArrayOf(g.r.IntN(4), g.typ(depth-1))
	case 2:
		key := genBasics[g.r.IntN(len(genBasics))]
		if g.r.IntN(4) == 0 {
			key = reflect.StructOf([]reflect.StructField{{Name: "K", Type: key}})
		}
		return reflect.MapOf(key, g.typ(depth-1))
	case 3:
		return reflect.PointerTo(g.typ(depth - 1))
	case 4, 5:
		n := g.r.IntN(5)
		fields := make([]reflect.StructField, n)
		for i := range fields {
			fields[i] = reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: g.typ(depth - 1)}
		}
		return reflect.StructOf(fields)
	case 6:
		return reflect.TypeFor[any]()
	}
	return genBasics[g.r.IntN(len(genBasics))]
}

func (g *gen) value(t reflect.Type, depth int) reflect.Value {
	v := reflect.New(t).Elem()
	switch t.Kind() {
	case reflect.Bool:
		v.SetBool(g.r.IntN(2) == 0)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(g.r.Uint64()) >> (64 - t.Bits()))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(g.r.Uint64() >> (64 - t.Bits()))
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(float32(g.r.NormFloat64() * 1e3)))
	case reflect.Complex128:
		v.SetComplex(complex(g.r.NormFloat64(), g.r.NormFloat64()))
	case reflect.String:
		b := make([]byte, g.r.IntN(8))
		for i := range b {
			b[i] = byte(g.r.UintN(256))
		}
		v.SetString(string(b))
	case reflect.Slice:
		if n := g.r.IntN(5) - 1; n >= 0 {
			s := reflect.MakeSlice(t, n, n)
			for i := range n {
				s.Index(i).Set(g.value(t.Elem(), depth))
			}
			v.Set(s)
		}
	case reflect.Array:
		for i := range t.Len() {
			v.Index(i).Set(g.value(t.Elem(), depth))
		}
	case reflect.Map:
		if n := g.r.IntN(5) - 1; n >= 0 {
			m := reflect.MakeMap(t)
			for range n {
				m.SetMapIndex(g.value(t.Key(), depth), g.value(t.Elem(), depth))
			}
			v.Set(m)
		}
	case reflect.Pointer:
		pool := g.shared[t]
		switch k := g.r.IntN(4); {
		case k == 0:
		case k == 1 && len(pool) > 0:
			v.Set(pool[g.r.IntN(len(pool))])
		default:
			p := reflect.New(t.Elem())
			p.Elem().Set(g.value(t.Elem(), depth))
			g.shared[t] = append(pool, p)
			v.Set(p)
		}
	case reflect.Struct:
		for i := range t.NumField() {
			v.Field(i).Set(g.value(t.Field(i).Type, depth))
		}
	case reflect.Interface:
		if g.r.IntN(5) > 0 && depth > 0 {
			dt := g.typ(depth - 1)
			v.Set(g.value(dt, depth-1))
		}
	}
	return v
}

func TestRandomRoundTrips(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	g := &gen{r: rand.New(rand.NewPCG(seed, 1))}
	for i := range 2000 {
		g.shared = map[reflect.Type][]reflect.Value{}
		typ := g.typ(g.r.IntN(5))
		v := g.value(typ, 3)
		for _, w := range []reflect.Value{v, boxed(v)} {
			data, err := Encode(w)
			if err != nil {
				t.Fatalf("#%d Encode(%s): %v", i, w.Type(), err)
			}
			got, err := Decode(data, w.Type())
			if err != nil {
				t.Fatalf("#%d Decode(%s): %v", i, w.Type(), err)
			}
			if a, b := dump(w), dump(got); a != b {
				t.Fatalf("#%d round trip of %s\n got %s\nwant %s", i, w.Type(), b, a)
			}
		}
	}
}

// boxed returns v in an interface, so that its type travels described.
func boxed(v reflect.Value) reflect.Value {
	b := reflect.New(reflect.TypeFor[any]()).Elem()
	b.Set(v)
	return b
}
