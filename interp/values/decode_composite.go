package values

import (
	"fmt"
	"reflect"
)

func (b *decBuilder) array(t reflect.Type) decFunc {
	elem := b.build(t.Elem())
	if minWire(t.Elem()) == 0 {
		return func(d *decoder, v reflect.Value) error {
			v.SetZero() // only zero elements take no bytes
			return nil
		}
	}
	return func(d *decoder, v reflect.Value) error {
		for i := range v.Len() {
			if err := elem(d, v.Index(i)); err != nil {
				return err
			}
		}
		return nil
	}
}

func (b *decBuilder) slice(t reflect.Type) decFunc {
	elem := b.build(t.Elem())
	fast := scalarSliceDecoder(t.Elem())
	tracked := fast == nil && hasRefs(t.Elem())
	least := minWire(t.Elem())
	return func(d *decoder, v reflect.Value) error {
		var n int
		if tracked {
			tag, back, err := d.ref(t)
			switch {
			case err != nil:
				return err
			case tag == refNil:
				v.SetZero()
				return nil
			case back.IsValid():
				v.Set(back)
				return nil
			case tag != refNew:
				return fmt.Errorf("bad slice tag %d", tag)
			}
			if n, err = d.length(least); err != nil {
				return err
			}
		} else {
			m, err := d.uvarint()
			if err != nil {
				return err
			}
			if m == 0 {
				v.SetZero()
				return nil
			}
			if n, err = d.checkLength(m-1, least); err != nil {
				return err
			}
		}
		if err := d.allocOK(uint64(n) * uint64(t.Elem().Size())); err != nil {
			return err
		}
		s := reflect.MakeSlice(t, n, n)
		if tracked {
			d.refs = append(d.refs, s)
		}
		v.Set(s)
		if fast != nil {
			return fast(&d.reader, s.UnsafePointer(), n)
		}
		if least == 0 {
			return nil // elements of zero-width types are all zero
		}
		if err := d.enter(); err != nil {
			return err
		}
		for i := range n {
			if err := elem(d, s.Index(i)); err != nil {
				return err
			}
		}
		d.depth--
		return nil
	}
}

func (b *decBuilder) mapping(t reflect.Type) decFunc {
	key, elem := b.build(t.Key()), b.build(t.Elem())
	least := minWire(t.Key()) + minWire(t.Elem())
	// Keys holding interfaces may hold values that cannot be hashed.
	checkKeys := hasRefs(t.Key())
	return func(d *decoder, v reflect.Value) error {
		tag, back, err := d.ref(t)
		switch {
		case err != nil:
			return err
		case tag == refNil:
			v.SetZero()
			return nil
		case back.IsValid():
			v.Set(back)
			return nil
		case tag != refNew:
			return fmt.Errorf("bad map tag %d", tag)
		}
		n, err := d.length(least)
		if err != nil {
			return err
		}
		if least == 0 && n > maxZeroWire {
			return fmt.Errorf("length %d too large", n)
		}
		if err := d.allocOK(uint64(n) * uint64(t.Key().Size()+t.Elem().Size())); err != nil {
			return err
		}
		m := reflect.MakeMapWithSize(t, min(n, 1<<16))
		d.refs = append(d.refs, m)
		v.Set(m)
		if err := d.enter(); err != nil {
			return err
		}
		k, x := reflect.New(t.Key()).Elem(), reflect.New(t.Elem()).Elem()
		for range n {
			k.SetZero()
			x.SetZero()
			if err := key(d, k); err != nil {
				return err
			}
			if err := elem(d, x); err != nil {
				return err
			}
			if checkKeys && !k.Comparable() {
				return fmt.Errorf("map key of type %s is not comparable", k.Elem().Type())
			}
			m.SetMapIndex(k, x)
		}
		d.depth--
		return nil
	}
}

func (b *decBuilder) pointer(t reflect.Type) decFunc {
	sp, isSpecial := specials[t]
	var elem decFunc
	if !isSpecial {
		elem = b.build(t.Elem())
	}
	return func(d *decoder, v reflect.Value) error {
		tag, back, err := d.ref(t)
		switch {
		case err != nil:
			return err
		case tag == refNil:
			v.SetZero()
			return nil
		case back.IsValid():
			v.Set(back)
			return nil
		case tag == refSentinel:
			return d.sentinel(t, v)
		case tag != refNew:
			return fmt.Errorf("bad pointer tag %d", tag)
		}
		if isSpecial {
			b, err := d.bytes()
			if err != nil {
				return err
			}
			p := sp.dec(b)
			d.refs = append(d.refs, p)
			v.Set(p)
			return nil
		}
		p := reflect.New(t.Elem())
		d.refs = append(d.refs, p)
		v.Set(p)
		if err := d.enter(); err != nil {
			return err
		}
		if err := elem(d, p.Elem()); err != nil {
			return err
		}
		d.depth--
		return nil
	}
}

func (d *decoder) sentinel(t reflect.Type, v reflect.Value) error {
	name, err := d.bytes()
	if err != nil {
		return err
	}
	p, ok := reg.sentinelValue(string(name))
	if !ok {
		return fmt.Errorf("unknown variable %q", name)
	}
	if p.Type() != t {
		return fmt.Errorf("variable %s holds a %s, not a %s", name, p.Type(), t)
	}
	v.Set(p)
	return nil
}

func (b *decBuilder) structure(t reflect.Type) decFunc {
	if isValueInterface(t) {
		return func(d *decoder, v reflect.Value) error {
			v.SetZero() // only nil ones are ever encoded
			return nil
		}
	}
	if isOpaqueStruct(t) {
		return func(*decoder, reflect.Value) error {
			return fmt.Errorf("cannot decode a %s", t)
		}
	}
	fields := make([]decFunc, t.NumField())
	for i := range fields {
		fields[i] = b.build(t.Field(i).Type)
	}
	return func(d *decoder, v reflect.Value) error {
		for i, f := range fields {
			if err := f(d, fieldOf(v, i)); err != nil {
				return err
			}
		}
		return nil
	}
}

// maxZeroWire bounds the length of slices and maps whose elements take no
// bytes on the wire (nil funcs), which the data cannot bound.
const maxZeroWire = 1 << 20

// allocOK bounds what bad data can make the decoder allocate: a value
// takes at least a byte on the wire per 256 bytes in memory, but for
// zero-width parts (nil funcs), which a fixed allowance covers.
func (d *decoder) allocOK(bytes uint64) error {
	if bytes > 1<<24+256*uint64(len(d.buf)) {
		return fmt.Errorf("%d bytes is too large for %d bytes of data", bytes, len(d.buf))
	}
	return nil
}

// minWire returns the fewest bytes a value of t takes on the wire (capped),
// so that lengths read from the wire can be checked against the data.
func minWire(t reflect.Type) int {
	return minWireOf(t, map[reflect.Type]int{})
}

// minWireOf memoizes by type (types from the wire can share parts in ways
// that would make a plain recursion exponential); a type met again while
// in progress is recursive, reached through a pointer, and counts 0 there.
func minWireOf(t reflect.Type, memo map[reflect.Type]int) int {
	if n, ok := memo[t]; ok {
		return n
	}
	memo[t] = 0
	n := 1
	switch {
	case marshallerOf(t) != nil:
	case isValueInterface(t):
		n = 0
	default:
		switch t.Kind() {
		case reflect.Chan, reflect.Func, reflect.UnsafePointer:
			n = 0
		case reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
			n = int(t.Size())
		case reflect.Array:
			n = min(t.Len(), 1<<20) * minWireOf(t.Elem(), memo)
		case reflect.Struct:
			n = 0
			for i := range t.NumField() {
				n += minWireOf(t.Field(i).Type, memo)
			}
		}
	}
	n = min(n, 1<<20)
	memo[t] = n
	return n
}
