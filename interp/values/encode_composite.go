package values

import (
	"encoding/binary"
	"fmt"
	"reflect"
	"strings"
	"unsafe"
)

func (b *encBuilder) array(t reflect.Type) encFunc {
	elem := b.build(t.Elem())
	if t.Elem().Size() == 0 {
		return func(*encoder, reflect.Value) error { return nil }
	}
	return func(e *encoder, v reflect.Value) error {
		for i := range v.Len() {
			if err := elem(e, v.Index(i)); err != nil {
				return atPath(err, func() string { return fmt.Sprintf("[%d]", i) })
			}
		}
		return nil
	}
}

func (b *encBuilder) slice(t reflect.Type) encFunc {
	if fast := scalarSliceEncoder(t.Elem()); fast != nil {
		return func(e *encoder, v reflect.Value) error {
			if v.IsNil() {
				e.buf = append(e.buf, 0)
				return nil
			}
			e.buf = binary.AppendUvarint(e.buf, uint64(v.Len())+1)
			fast(e, v.UnsafePointer(), v.Len())
			return nil
		}
	}
	elem := b.build(t.Elem())
	tracked := hasRefs(t.Elem())
	return func(e *encoder, v reflect.Value) error {
		n := v.Len()
		switch {
		case v.IsNil():
			e.buf = append(e.buf, 0)
			return nil
		case tracked:
			if !e.ref(refKey{p: uintptr(v.UnsafePointer()), n: n, t: t}) {
				return nil
			}
			e.buf = binary.AppendUvarint(e.buf, uint64(n))
		default:
			e.buf = binary.AppendUvarint(e.buf, uint64(n)+1)
		}
		if err := e.enter(); err != nil {
			return err
		}
		for i := range n {
			if err := elem(e, v.Index(i)); err != nil {
				return atPath(err, func() string { return fmt.Sprintf("[%d]", i) })
			}
		}
		e.depth--
		return nil
	}
}

func (b *encBuilder) mapping(t reflect.Type) encFunc {
	key, elem := b.build(t.Key()), b.build(t.Elem())
	return func(e *encoder, v reflect.Value) error {
		if v.IsNil() {
			e.buf = append(e.buf, refNil)
			return nil
		}
		if !e.ref(refKey{p: v.Pointer(), n: -1, t: t}) {
			return nil
		}
		if err := e.enter(); err != nil {
			return err
		}
		n := v.Len()
		e.buf = binary.AppendUvarint(e.buf, uint64(n))
		it := v.MapRange()
		for it.Next() {
			n--
			k := it.Key()
			if err := key(e, k); err != nil {
				return atPath(err, func() string { return "[" + keyString(k) + "] (key)" })
			}
			if err := elem(e, it.Value()); err != nil {
				return atPath(err, func() string { return "[" + keyString(k) + "]" })
			}
		}
		if n != 0 {
			return fmt.Errorf("map %s changed while it was encoded", t)
		}
		e.depth--
		return nil
	}
}

func keyString(k reflect.Value) string {
	if k.Kind() == reflect.String {
		return fmt.Sprintf("%q", k.String())
	}
	if k.CanInterface() {
		return fmt.Sprint(k.Interface())
	}
	return k.Type().String()
}

func (b *encBuilder) pointer(t reflect.Type) encFunc {
	binaryElem := t.Elem().PkgPath() != ""
	sp, isSpecial := specials[t]
	var elem encFunc
	switch {
	case isSpecial:
	case isOpaqueStruct(t.Elem()):
		// Report the pointer (*os.File), as users know it.
		elem = opaque(t, opaqueReason(t.Elem()))
	default:
		elem = b.build(t.Elem())
	}
	return func(e *encoder, v reflect.Value) error {
		if v.IsNil() {
			e.buf = append(e.buf, refNil)
			return nil
		}
		if binaryElem {
			if name, ok := reg.sentinel(v); ok {
				e.buf = append(e.buf, refSentinel)
				e.buf = appendString(e.buf, name)
				return nil
			}
		}
		if !e.ref(refKey{p: v.Pointer(), n: -1, t: t}) {
			return nil
		}
		if isSpecial {
			e.buf = appendString(e.buf, string(sp.enc(v)))
			return nil
		}
		if err := e.enter(); err != nil {
			return err
		}
		if err := elem(e, v.Elem()); err != nil {
			return err
		}
		e.depth--
		return nil
	}
}

// isOpaqueStruct reports a binary struct type whose state is unexported,
// or held in uintptrs (addresses, handles), and that has no marshaller: its
// values cannot be rebuilt elsewhere.
//
// Types of compiled modules (a path whose first element has a dot) are not
// opaque for their unexported fields: the image binary and the mirrors
// link the same package at the same version, so a *mat.Dense is rebuilt
// field by field. Their fields' own types still decide: a sync.Mutex or an
// *os.File inside keeps the value from being copied.
func isOpaqueStruct(t reflect.Type) bool {
	if t.Kind() != reflect.Struct || t.PkgPath() == "" || marshallerOf(t) != nil {
		return false
	}
	module := isModulePath(t.PkgPath())
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type.Kind() == reflect.Uintptr || (!f.IsExported() && !module) {
			return true
		}
	}
	return false
}

// isModulePath reports a package of a module other than the standard
// library and the interpreter, whose state is plain data.
func isModulePath(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return strings.Contains(first, ".") && !strings.HasPrefix(path, "github.com/traefik/yaegi/")
}

// fieldOf returns v's field i so that it can be read (an unexported field
// of a module type: see isOpaqueStruct) or, if v is settable, set.
func fieldOf(v reflect.Value, i int) reflect.Value {
	f := v.Field(i)
	if !f.CanInterface() && f.CanAddr() {
		return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
	}
	return f
}

// isValueInterface reports yaegi's representation of values of interpreted
// interface types with methods, which holds interpreter state: only nil
// ones can be copied.
func isValueInterface(t reflect.Type) bool {
	return t.PkgPath() == "github.com/traefik/yaegi/interp" && t.Name() == "valueInterface"
}

func opaqueReason(t reflect.Type) string {
	if isValueInterface(t) {
		return "yaegi wraps values of interpreted interface types with methods, and of interpreted non-struct types with methods held in interfaces, with interpreter state; only nil ones copy"
	}
	return "binary type with unexported state or uintptrs"
}

func (b *encBuilder) structure(t reflect.Type) encFunc {
	if isValueInterface(t) {
		// A nil one is a zero value and needs no bytes, as nil chans.
		return func(e *encoder, v reflect.Value) error {
			if v.IsZero() {
				return nil
			}
			return uncopyable(t, opaqueReason(t))
		}
	}
	if isOpaqueStruct(t) {
		return opaque(t, opaqueReason(t))
	}
	n := t.NumField()
	fields := make([]encFunc, n)
	for i := range n {
		fields[i] = b.build(t.Field(i).Type)
	}
	unexported := false
	for i := range n {
		unexported = unexported || !t.Field(i).IsExported()
	}
	return func(e *encoder, v reflect.Value) error {
		if unexported && !v.CanAddr() && v.CanInterface() {
			// Unexported fields are read through their address.
			c := reflect.New(t).Elem()
			c.Set(v)
			v = c
		}
		for i, f := range fields {
			if err := f(e, fieldOf(v, i)); err != nil {
				return atPath(err, func() string { return "." + t.Field(i).Name })
			}
		}
		return nil
	}
}

// hasRefs reports whether values of t can hold pointers, maps or
// interfaces, or t recursively (type T struct{ Kids []T }): through those,
// slices can be shared or cyclic, so they are tracked.
func hasRefs(t reflect.Type) bool {
	return hasRefsOf(t, map[reflect.Type]refState{})
}

type refState uint8

const (
	refsVisiting refState = iota + 1
	refsNo
	refsYes
)

func hasRefsOf(t reflect.Type, memo map[reflect.Type]refState) bool {
	switch memo[t] {
	case refsVisiting:
		return true // t contains itself
	case refsNo:
		return false
	case refsYes:
		return true
	}
	memo[t] = refsVisiting
	yes := false
	switch t.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Interface:
		yes = true
	case reflect.Array, reflect.Slice:
		yes = hasRefsOf(t.Elem(), memo)
	case reflect.Struct:
		for i := 0; i < t.NumField() && !yes; i++ {
			yes = hasRefsOf(t.Field(i).Type, memo)
		}
	}
	memo[t] = refsNo
	if yes {
		memo[t] = refsYes
	}
	return yes
}
