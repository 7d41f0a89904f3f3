package values

import (
	"errors"
	"fmt"
	"go/token"
	"reflect"
	"sync"
)

// Types described inside interfaces are rebuilt on the receiver: binary
// named types from the registry, interpreted types with reflect's
// constructors, which give the very types yaegi builds for the same
// source. Recursive types cannot be constructed by reflect; they are looked
// up among the decoder's known types and the types reachable from the
// decoded value's type.

var built sync.Map // canonical description → reflect.Type built without known types

func (d *decoder) resolve(canon string) (reflect.Type, error) {
	if t, ok := built.Load(canon); ok {
		return t.(reflect.Type), nil
	}
	if d.dec != nil {
		if t, ok := d.dec.resolved.Load(canon); ok {
			return t.(reflect.Type), nil
		}
	}
	desc, err := parseDesc([]byte(canon))
	if err != nil {
		return nil, err
	}
	r := &resolver{dec: d.dec, root: d.root, memo: map[*tdesc]reflect.Type{}}
	t, err := r.resolve(desc)
	if err != nil {
		return nil, err
	}
	switch {
	case !r.usedKnown:
		built.Store(canon, t)
	case d.dec != nil:
		d.dec.resolved.Store(canon, t)
	}
	return t, nil
}

type resolver struct {
	dec       *Decoder
	root      reflect.Type
	memo      map[*tdesc]reflect.Type
	usedKnown bool
}

var basicTypes = map[reflect.Kind]reflect.Type{
	reflect.Bool: reflect.TypeFor[bool](), reflect.Int: reflect.TypeFor[int](),
	reflect.Int8: reflect.TypeFor[int8](), reflect.Int16: reflect.TypeFor[int16](),
	reflect.Int32: reflect.TypeFor[int32](), reflect.Int64: reflect.TypeFor[int64](),
	reflect.Uint: reflect.TypeFor[uint](), reflect.Uint8: reflect.TypeFor[uint8](),
	reflect.Uint16: reflect.TypeFor[uint16](), reflect.Uint32: reflect.TypeFor[uint32](),
	reflect.Uint64: reflect.TypeFor[uint64](), reflect.Uintptr: reflect.TypeFor[uintptr](),
	reflect.Float32: reflect.TypeFor[float32](), reflect.Float64: reflect.TypeFor[float64](),
	reflect.Complex64: reflect.TypeFor[complex64](), reflect.Complex128: reflect.TypeFor[complex128](),
	reflect.String: reflect.TypeFor[string](),
	kError:         errorType,
}

func (r *resolver) resolve(d *tdesc) (reflect.Type, error) {
	if t, ok := r.memo[d]; ok {
		return t, nil
	}
	if t, ok := basicTypes[d.kind]; ok {
		return t, nil
	}
	if d.kind == kNamed {
		t, ok := reg.lookupType(d.pkg, d.name)
		if !ok {
			return nil, fmt.Errorf("unknown type %s.%s", d.pkg, d.name)
		}
		return t, nil
	}
	if t, ok := r.known(d.canonical()); ok {
		r.memo[d] = t
		return t, nil
	}
	if cyclic(d, d, map[*tdesc]bool{}) {
		return nil, errors.New("a recursive type held in an interface is not known to the receiver")
	}
	t, err := r.construct(d)
	if err != nil {
		return nil, err
	}
	r.memo[d] = t
	return t, nil
}

func (r *resolver) known(canon string) (reflect.Type, bool) {
	if r.dec != nil {
		if t, ok := r.dec.known[canon]; ok {
			r.usedKnown = true
			return t, true
		}
	}
	if t, ok := reachable(r.root)[canon]; ok {
		r.usedKnown = true
		return t, true
	}
	return nil, false
}

// cyclic reports whether target can be reached from d's children.
func cyclic(d, target *tdesc, seen map[*tdesc]bool) bool {
	for _, c := range d.children() {
		if c == target {
			return true
		}
		if !seen[c] {
			seen[c] = true
			if cyclic(c, target, seen) {
				return true
			}
		}
	}
	return false
}

// construct builds an acyclic composite type, checking what reflect's
// constructors would panic on.
func (r *resolver) construct(d *tdesc) (reflect.Type, error) {
	var elem, key reflect.Type
	var err error
	if d.elem != nil {
		if elem, err = r.resolve(d.elem); err != nil {
			return nil, err
		}
	}
	if d.key != nil {
		if key, err = r.resolve(d.key); err != nil {
			return nil, err
		}
	}
	switch d.kind {
	case reflect.Pointer:
		return reflect.PointerTo(elem), nil
	case reflect.Slice:
		return reflect.SliceOf(elem), nil
	case reflect.Array:
		if elem.Size() > 0 && uintptr(d.n) > maxTypeSize/elem.Size() {
			return nil, fmt.Errorf("array type [%d]%s too large", d.n, elem)
		}
		return reflect.ArrayOf(d.n, elem), nil
	case reflect.Map:
		if !key.Comparable() {
			return nil, fmt.Errorf("invalid map key type %s", key)
		}
		return reflect.MapOf(key, elem), nil
	case reflect.Chan:
		dir := reflect.ChanDir(d.n)
		if dir < reflect.RecvDir || dir > reflect.BothDir || elem.Size() >= 1<<16 {
			return nil, errors.New("invalid chan type")
		}
		return reflect.ChanOf(dir, elem), nil
	case reflect.Func:
		return r.function(d)
	case reflect.Struct:
		return r.structure(d)
	case reflect.Interface:
		if len(d.methods) > 0 {
			return nil, errors.New("cannot rebuild an unnamed interface type with methods")
		}
		return reflect.TypeFor[any](), nil
	}
	return nil, fmt.Errorf("cannot rebuild a type of kind %d", d.kind)
}

func (r *resolver) function(d *tdesc) (reflect.Type, error) {
	in, err := r.list(d.in)
	if err != nil {
		return nil, err
	}
	out, err := r.list(d.out)
	if err != nil {
		return nil, err
	}
	if d.variadic && (len(in) == 0 || in[len(in)-1].Kind() != reflect.Slice) {
		return nil, errors.New("invalid variadic func type")
	}
	if len(in) > 50 || len(out) > 50 {
		return nil, errors.New("func type with too many parameters")
	}
	return reflect.FuncOf(in, out, d.variadic), nil
}

func (r *resolver) list(ds []*tdesc) ([]reflect.Type, error) {
	var ts []reflect.Type
	for _, d := range ds {
		t, err := r.resolve(d)
		if err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, nil
}

func (r *resolver) structure(d *tdesc) (reflect.Type, error) {
	fields := make([]reflect.StructField, len(d.fields))
	names := map[string]bool{}
	var size uintptr
	for i, f := range d.fields {
		t, err := r.resolve(f.typ)
		if err != nil {
			return nil, err
		}
		if !token.IsIdentifier(f.name) || !token.IsExported(f.name) || names[f.name] {
			return nil, fmt.Errorf("cannot rebuild a struct with field %q", f.name)
		}
		names[f.name] = true
		if size += t.Size(); size > 1<<40 {
			return nil, errors.New("struct type too large")
		}
		fields[i] = reflect.StructField{Name: f.name, Tag: reflect.StructTag(f.tag), Anonymous: f.anon, Type: t}
	}
	return reflect.StructOf(fields), nil
}

var reachables sync.Map // reflect.Type → map[string]reflect.Type

// reachable returns the composite types reachable from t, by canonical
// description.
func reachable(t reflect.Type) map[string]reflect.Type {
	if m, ok := reachables.Load(t); ok {
		return m.(map[string]reflect.Type)
	}
	m := map[string]reflect.Type{}
	walkTypes(t, map[reflect.Type]bool{}, func(x reflect.Type) {
		if x.Name() == "" && isComposite(x.Kind()) {
			m[infoOf(x).canon] = x
		}
	})
	reachables.Store(t, m)
	return m
}

func walkTypes(t reflect.Type, seen map[reflect.Type]bool, f func(reflect.Type)) {
	if seen[t] {
		return
	}
	seen[t] = true
	f(t)
	switch t.Kind() {
	case reflect.Array, reflect.Chan, reflect.Pointer, reflect.Slice:
		walkTypes(t.Elem(), seen, f)
	case reflect.Map:
		walkTypes(t.Key(), seen, f)
		walkTypes(t.Elem(), seen, f)
	case reflect.Struct:
		for i := range t.NumField() {
			walkTypes(t.Field(i).Type, seen, f)
		}
	case reflect.Func:
		for i := range t.NumIn() {
			walkTypes(t.In(i), seen, f)
		}
		for i := range t.NumOut() {
			walkTypes(t.Out(i), seen, f)
		}
	}
}
