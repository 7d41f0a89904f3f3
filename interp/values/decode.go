package values

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"
)

// Decode rebuilds a value encoded by Encode as a new, settable value of
// type t, the receiver's version of the encoded value's type. Recursive
// interpreted types held in interfaces are found only among the types
// reachable from t; use a Decoder to name others.
func Decode(data []byte, t reflect.Type) (reflect.Value, error) {
	return (*Decoder)(nil).Decode(data, t)
}

// Decoder decodes values whose interfaces may hold recursive interpreted
// types, which reflect cannot build: it finds them among known types. It is
// safe for concurrent use.
type Decoder struct {
	known map[string]reflect.Type // by canonical description
}

// NewDecoder returns a Decoder that resolves the types described inside
// interfaces among known and every type reachable from them, such as the
// types of an interpreter's globals or of its declared types.
func NewDecoder(known ...reflect.Type) *Decoder {
	d := &Decoder{known: map[string]reflect.Type{}}
	for _, t := range known {
		for c, kt := range reachable(t) {
			d.known[c] = kt
		}
	}
	return d
}

// recoverPanics turns a panic while decoding into an error; the fuzz test
// turns it off to find the inputs that would panic.
var recoverPanics = true

// Decode is the package-level Decode with the decoder's known types.
func (dec *Decoder) Decode(data []byte, t reflect.Type) (v reflect.Value, err error) {
	if len(data) < 10 || data[0] != magic {
		return reflect.Value{}, errors.New("values: not an encoded value")
	}
	if data[1] != version {
		return reflect.Value{}, fmt.Errorf("values: unsupported encoding version %d", data[1])
	}
	if binary.LittleEndian.Uint64(data[2:]) != infoOf(t).fp {
		return reflect.Value{}, fmt.Errorf("values: the encoded value is not of type %s", t)
	}
	if recoverPanics {
		defer func() {
			if r := recover(); r != nil {
				v, err = reflect.Value{}, fmt.Errorf("values: decode %s: %v", t, r)
			}
		}()
	}
	d := &decoder{reader: reader{buf: data, off: 10}, dec: dec, root: t}
	v = reflect.New(t).Elem()
	if err := decoderOf(t)(d, v); err != nil {
		return reflect.Value{}, fmt.Errorf("values: decode %s: %w", t, err)
	}
	if d.remaining() != 0 {
		return reflect.Value{}, fmt.Errorf("values: decode %s: %d bytes of trailing data", t, d.remaining())
	}
	return v, nil
}

type decoder struct {
	reader
	dec   *Decoder
	root  reflect.Type
	refs  []reflect.Value // pointers, maps and slices by id
	types []reflect.Type  // dynamic types by id
	depth int
}

func (d *decoder) enter() error {
	d.depth++
	if d.depth > maxDepth {
		return errDepth
	}
	return nil
}

// ref reads a reference tag; when it returns ok with a valid value, that
// earlier occurrence is the value; when it returns ok with an invalid value
// and tag refNew the contents follow.
func (d *decoder) ref(t reflect.Type) (tag uint64, back reflect.Value, err error) {
	tag, err = d.uvarint()
	if err != nil || tag < refBack {
		return tag, reflect.Value{}, err
	}
	id := tag - refBack
	if id >= uint64(len(d.refs)) {
		return 0, reflect.Value{}, fmt.Errorf("reference %d to nothing", id)
	}
	back = d.refs[id]
	if back.Type() != t {
		return 0, reflect.Value{}, fmt.Errorf("reference to a %s used as a %s", back.Type(), t)
	}
	return refBack, back, nil
}

type decFunc func(d *decoder, v reflect.Value) error

var decoders sync.Map // reflect.Type → decFunc

func decoderOf(t reflect.Type) decFunc {
	if f, ok := decoders.Load(t); ok {
		return f.(decFunc)
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	b := &decBuilder{fns: map[reflect.Type]*decFunc{}}
	f := b.build(t)
	for t, f := range b.fns {
		decoders.Store(t, *f)
	}
	return f
}

type decBuilder struct {
	fns map[reflect.Type]*decFunc
}

func (b *decBuilder) build(t reflect.Type) decFunc {
	if f, ok := decoders.Load(t); ok {
		return f.(decFunc)
	}
	if p, ok := b.fns[t]; ok {
		return func(d *decoder, v reflect.Value) error { return (*p)(d, v) }
	}
	p := new(decFunc)
	b.fns[t] = p
	*p = b.make(t)
	return *p
}

func (b *decBuilder) make(t reflect.Type) decFunc {
	if m := marshallerOf(t); m != nil {
		return m.decode
	}
	switch t.Kind() {
	case reflect.Bool:
		return func(d *decoder, v reflect.Value) error {
			x, err := d.bool()
			v.SetBool(x)
			return err
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(d *decoder, v reflect.Value) error {
			x, err := d.varint()
			if err == nil && v.OverflowInt(x) {
				err = fmt.Errorf("%d overflows %s", x, t)
			}
			if err != nil {
				return err
			}
			v.SetInt(x)
			return nil
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return func(d *decoder, v reflect.Value) error {
			x, err := d.uvarint()
			if err == nil && v.OverflowUint(x) {
				err = fmt.Errorf("%d overflows %s", x, t)
			}
			if err != nil {
				return err
			}
			v.SetUint(x)
			return nil
		}
	case reflect.Float32:
		return func(d *decoder, v reflect.Value) error {
			x, err := d.uint32()
			v.SetFloat(float64(math.Float32frombits(x)))
			return err
		}
	case reflect.Float64:
		return func(d *decoder, v reflect.Value) error {
			x, err := d.uint64()
			v.SetFloat(math.Float64frombits(x))
			return err
		}
	case reflect.Complex64:
		return func(d *decoder, v reflect.Value) error {
			re, err := d.uint32()
			if err != nil {
				return err
			}
			im, err := d.uint32()
			v.SetComplex(complex(float64(math.Float32frombits(re)), float64(math.Float32frombits(im))))
			return err
		}
	case reflect.Complex128:
		return func(d *decoder, v reflect.Value) error {
			re, err := d.uint64()
			if err != nil {
				return err
			}
			im, err := d.uint64()
			v.SetComplex(complex(math.Float64frombits(re), math.Float64frombits(im)))
			return err
		}
	case reflect.String:
		return func(d *decoder, v reflect.Value) error {
			s, err := d.bytes()
			v.SetString(string(s))
			return err
		}
	case reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return func(d *decoder, v reflect.Value) error {
			v.SetZero() // only nil ones are ever encoded
			return nil
		}
	case reflect.Array:
		return b.array(t)
	case reflect.Slice:
		return b.slice(t)
	case reflect.Map:
		return b.mapping(t)
	case reflect.Pointer:
		return b.pointer(t)
	case reflect.Struct:
		return b.structure(t)
	case reflect.Interface:
		return decodeInterface
	}
	return func(*decoder, reflect.Value) error { return fmt.Errorf("cannot decode a %s", t) }
}

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
			if err := f(d, v.Field(i)); err != nil {
				return err
			}
		}
		return nil
	}
}

func decodeInterface(d *decoder, v reflect.Value) error {
	tag, err := d.uvarint()
	if err != nil {
		return err
	}
	var dt reflect.Type
	switch {
	case tag == tagNil:
		v.SetZero()
		return nil
	case tag == tagNewType:
		canon, err := d.bytes()
		if err != nil {
			return err
		}
		if dt, err = d.resolve(string(canon)); err != nil {
			return err
		}
		d.types = append(d.types, dt)
	case tag-tagType < uint64(len(d.types)):
		dt = d.types[tag-tagType]
	default:
		return fmt.Errorf("reference to undescribed type %d", tag-tagType)
	}
	if !dt.AssignableTo(v.Type()) {
		return fmt.Errorf("a %s cannot be held in a %s", dt, v.Type())
	}
	if err := d.enter(); err != nil {
		return err
	}
	if err := d.allocOK(uint64(dt.Size())); err != nil {
		return err
	}
	x := reflect.New(dt).Elem()
	if err := decoderOf(dt)(d, x); err != nil {
		return err
	}
	v.Set(x)
	d.depth--
	return nil
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
