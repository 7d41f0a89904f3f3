package values

import (
	"fmt"
	"reflect"
	"sync"
)

// Convert returns a new, settable value of type t holding v, for values
// moving from one generation of compiled declarations to the next in the
// same process (both plugins stay loaded): types of an earlier generation
// become the current generation's types of the same name (see
// RegisterGeneration), structs by field name, unexported fields included,
// new fields zero and removed fields dropped; interfaces holding values of
// earlier generations get the current ones. Pointers and maps stay shared
// within v. Values whose types hold no generation type and no interface
// are copied as they are.
func Convert(v reflect.Value, t reflect.Type) (out reflect.Value, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = reflect.Value{}, fmt.Errorf("values: move a %s to %s: %v", v.Type(), t, r)
		}
	}()
	c := &converter{memo: map[refKey]reflect.Value{}}
	out = reflect.New(t).Elem()
	if err := c.conv(out, v); err != nil {
		return reflect.Value{}, fmt.Errorf("values: move a %s to %s: %w", v.Type(), t, err)
	}
	return out, nil
}

// maxTypeSize bounds the values this package builds types for or
// allocates: more than any process can hold.
const maxTypeSize = 1 << 40

type converter struct {
	memo map[refKey]reflect.Value // pointers and maps converted, by source
}

// conv sets dst (settable) to src moved to dst's type.
func (c *converter) conv(dst, src reflect.Value) error {
	dt, st := dst.Type(), src.Type()
	if dt == st && !holdsGeneration(dt) {
		dst.Set(src)
		return nil
	}
	if dt.Kind() == reflect.Interface {
		return c.iface(dst, src)
	}
	if dt.Kind() != st.Kind() {
		return fmt.Errorf("a %s cannot become a %s", st, dt)
	}
	switch dt.Kind() {
	case reflect.Struct:
		return c.structure(dst, src)
	case reflect.Pointer:
		if src.IsNil() {
			return nil
		}
		k := refKey{p: src.Pointer(), n: -1, t: st}
		if p, ok := c.memo[k]; ok && p.Type() == dt {
			dst.Set(p)
			return nil
		}
		if dt.Elem().Size() > maxTypeSize {
			// A declaration redefined to a size Go's compiler rejects
			// (type Grid [1 << 51]byte, interpreted): allocating it
			// would end the process.
			return fmt.Errorf("a %s is too large to allocate", dt.Elem())
		}
		p := reflect.New(dt.Elem())
		c.memo[k] = p
		dst.Set(p)
		return c.conv(p.Elem(), src.Elem())
	case reflect.Slice:
		if src.IsNil() {
			return nil
		}
		dst.Set(reflect.MakeSlice(dt, src.Len(), src.Len()))
		return c.elems(dst, src)
	case reflect.Array:
		return c.elems(dst, src)
	case reflect.Map:
		return c.mapping(dst, src)
	case reflect.Func, reflect.Chan, reflect.UnsafePointer:
		if src.IsNil() {
			return nil
		}
		if st.ConvertibleTo(dt) {
			dst.Set(src.Convert(dt))
			return nil
		}
		return fmt.Errorf("a %s cannot become a %s", st, dt)
	}
	dst.Set(src.Convert(dt)) // basic kinds: a named type of the new generation
	return nil
}

func (c *converter) structure(dst, src reflect.Value) error {
	if !src.CanAddr() {
		cp := reflect.New(src.Type()).Elem()
		cp.Set(src)
		src = cp
	}
	st := src.Type()
	byName := make(map[string]int, st.NumField())
	for i := range st.NumField() {
		byName[st.Field(i).Name] = i
	}
	dt := dst.Type()
	for i := range dt.NumField() {
		j, ok := byName[dt.Field(i).Name]
		if !ok {
			continue // a new field stays zero
		}
		if err := c.conv(fieldOf(dst, i), fieldOf(src, j)); err != nil {
			return fmt.Errorf(".%s: %w", dt.Field(i).Name, err)
		}
	}
	return nil
}

func (c *converter) elems(dst, src reflect.Value) error {
	for i := range src.Len() {
		if err := c.conv(dst.Index(i), src.Index(i)); err != nil {
			return fmt.Errorf("[%d]: %w", i, err)
		}
	}
	return nil
}

func (c *converter) mapping(dst, src reflect.Value) error {
	if src.IsNil() {
		return nil
	}
	dt, st := dst.Type(), src.Type()
	k := refKey{p: src.Pointer(), n: -1, t: st}
	if m, ok := c.memo[k]; ok && m.Type() == dt {
		dst.Set(m)
		return nil
	}
	m := reflect.MakeMapWithSize(dt, src.Len())
	c.memo[k] = m
	dst.Set(m)
	it := src.MapRange()
	for it.Next() {
		nk, nv := reflect.New(dt.Key()).Elem(), reflect.New(dt.Elem()).Elem()
		if err := c.conv(nk, it.Key()); err != nil {
			return fmt.Errorf("[%s] (key): %w", keyString(it.Key()), err)
		}
		if err := c.conv(nv, it.Value()); err != nil {
			return fmt.Errorf("[%s]: %w", keyString(it.Key()), err)
		}
		m.SetMapIndex(nk, nv)
	}
	return nil
}

// iface sets the interface dst to src (an interface or a concrete value)
// with its dynamic value moved to the current generation.
func (c *converter) iface(dst, src reflect.Value) error {
	if src.Kind() == reflect.Interface {
		if src.IsNil() {
			return nil
		}
		src = src.Elem()
	}
	nt := currentType(src.Type())
	if nt == src.Type() && !holdsGeneration(nt) {
		dst.Set(src)
		return nil
	}
	nv := reflect.New(nt).Elem()
	if err := c.conv(nv, src); err != nil {
		return err
	}
	if !nt.AssignableTo(dst.Type()) {
		return fmt.Errorf("a %s (now %s) does not implement %s", src.Type(), nt, dst.Type())
	}
	dst.Set(nv)
	return nil
}

// currentType is t with the generation types it is made of replaced by
// the current generation's; types it cannot rebuild stay as they are.
func currentType(t reflect.Type) reflect.Type {
	if t.Name() != "" {
		if IsGenerationPath(t.PkgPath()) {
			if nt, ok := currentSession(t.Name()); ok {
				return nt
			}
		}
		return t
	}
	switch t.Kind() {
	case reflect.Pointer:
		return reflect.PointerTo(currentType(t.Elem()))
	case reflect.Slice:
		return reflect.SliceOf(currentType(t.Elem()))
	case reflect.Array:
		return reflect.ArrayOf(t.Len(), currentType(t.Elem()))
	case reflect.Map:
		k := currentType(t.Key())
		if !k.Comparable() {
			return t
		}
		return reflect.MapOf(k, currentType(t.Elem()))
	}
	return t
}

var holds sync.Map // reflect.Type → bool

// holdsGeneration reports whether values of t can hold values of
// generation types: t is or contains one, or an interface.
func holdsGeneration(t reflect.Type) bool {
	if h, ok := holds.Load(t); ok {
		return h.(bool)
	}
	h := holdsOf(t, map[reflect.Type]bool{})
	holds.Store(t, h)
	return h
}

func holdsOf(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	if t.Name() != "" {
		// Other named types cannot be made of generation types; only
		// interfaces of theirs can hold them, and their state is theirs.
		return IsGenerationPath(t.PkgPath()) || t.Kind() == reflect.Interface
	}
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return holdsOf(t.Elem(), seen)
	case reflect.Map:
		return holdsOf(t.Key(), seen) || holdsOf(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if holdsOf(t.Field(i).Type, seen) {
				return true
			}
		}
	}
	return false
}
