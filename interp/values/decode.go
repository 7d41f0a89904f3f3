package values

import (
	"encoding/binary"
	"errors"
	"fmt"
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
	known    map[string]reflect.Type // by canonical description
	resolved sync.Map                // canonical description → reflect.Type resolved with known types
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
	as := t
	if fp := binary.LittleEndian.Uint64(data[2:]); fp != infoOf(t).fp {
		if fp != infoOf(anyType).fp {
			return reflect.Value{}, fmt.Errorf("values: the encoded value is not of type %s", t)
		}
		as = anyType // boxed: unboxed below
	}
	if recoverPanics {
		defer func() {
			if r := recover(); r != nil {
				v, err = reflect.Value{}, fmt.Errorf("values: decode %s: %v", t, r)
			}
		}()
	}
	d := &decoder{reader: reader{buf: data, off: 10}, dec: dec, root: t}
	v = reflect.New(as).Elem()
	if err := decoderOf(as)(d, v); err != nil {
		return reflect.Value{}, fmt.Errorf("values: decode %s: %w", t, err)
	}
	if d.remaining() != 0 {
		return reflect.Value{}, fmt.Errorf("values: decode %s: %d bytes of trailing data", t, d.remaining())
	}
	if as != t {
		return unbox(v, t)
	}
	return v, nil
}

var anyType = reflect.TypeFor[any]()

// unbox returns the value a decoded any holds as a new value of type t: a
// value encoded as any (EncodeAs(x, any)) decodes as any type it is
// assignable to, for senders that only know the value's dynamic type.
func unbox(boxed reflect.Value, t reflect.Type) (reflect.Value, error) {
	v := reflect.New(t).Elem()
	switch {
	case boxed.IsNil():
		switch t.Kind() {
		case reflect.Chan, reflect.Func, reflect.Interface, reflect.Map, reflect.Pointer, reflect.Slice:
			return v, nil
		}
		return reflect.Value{}, fmt.Errorf("values: nil encoded for a %s", t)
	case !boxed.Elem().Type().AssignableTo(t):
		return reflect.Value{}, fmt.Errorf("values: a %s was encoded, not a %s", boxed.Elem().Type(), t)
	}
	v.Set(boxed.Elem())
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
	if f := decodeBasic(t); f != nil {
		return f
	}
	switch t.Kind() {
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
