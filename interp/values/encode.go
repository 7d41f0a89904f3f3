package values

import (
	"encoding/binary"
	"errors"
	"fmt"
	"reflect"
	"sync"
)

// Encode encodes v so that Decode, given v's type as the receiver knows
// it, rebuilds an equal value. It returns an *UncopyableError, and no
// data, if v holds anything that cannot be copied.
func Encode(v reflect.Value) (data []byte, err error) {
	if !v.IsValid() {
		return nil, errors.New("values: encode an invalid reflect.Value")
	}
	defer func() {
		// Host values can be stranger than anything the codec was built
		// for; the kernel must not die of one.
		if r := recover(); r != nil {
			data, err = nil, fmt.Errorf("values: encode %s: %v", v.Type(), r)
		}
	}()
	t := v.Type()
	e := &encoder{buf: make([]byte, 0, 64)}
	e.buf = append(e.buf, magic, version)
	e.buf = binary.LittleEndian.AppendUint64(e.buf, infoOf(t).fp)
	if err := encoderOf(t)(e, v); err != nil {
		var u *UncopyableError
		if errors.As(err, &u) {
			return nil, u
		}
		return nil, fmt.Errorf("values: encode %s: %w", t, err)
	}
	return e.buf, nil
}

// EncodeAs encodes x as a value of type t; x must be nil or assignable to
// t. With t the type any, the encoding carries x's type and decodes as any
// type x is assignable to: senders that only hold values boxed in
// interfaces (captured variables, whatever their declared type) can send
// them to receivers that know the declared type.
func EncodeAs(x any, t reflect.Type) ([]byte, error) {
	v := reflect.New(t).Elem()
	if x != nil {
		xv := reflect.ValueOf(x)
		if !xv.Type().AssignableTo(t) {
			return nil, fmt.Errorf("values: a %s is not assignable to %s", xv.Type(), t)
		}
		v.Set(xv)
	}
	return Encode(v)
}

type encoder struct {
	buf   []byte
	refs  map[refKey]uint64       // pointers, maps and slices seen, by id
	types map[reflect.Type]uint64 // dynamic types described so far, by id
	depth int
}

// refKey identifies a pointer, map or slice header of a given type (a
// struct and its first field share an address).
type refKey struct {
	p uintptr
	n int // slice length; -1 for maps and pointers
	t reflect.Type
}

// ref writes the tag for a pointer, map or slice: it returns true if the
// contents must follow (first occurrence).
func (e *encoder) ref(k refKey) bool {
	if id, ok := e.refs[k]; ok {
		e.buf = binary.AppendUvarint(e.buf, refBack+id)
		return false
	}
	if e.refs == nil {
		e.refs = map[refKey]uint64{}
	}
	e.refs[k] = uint64(len(e.refs))
	e.buf = append(e.buf, refNew)
	return true
}

func (e *encoder) enter() error {
	e.depth++
	if e.depth > maxDepth {
		return errDepth
	}
	return nil
}

type encFunc func(e *encoder, v reflect.Value) error

var (
	encoders sync.Map   // reflect.Type → encFunc
	buildMu  sync.Mutex // serializes building encoders and decoders
)

func encoderOf(t reflect.Type) encFunc {
	if f, ok := encoders.Load(t); ok {
		return f.(encFunc)
	}
	buildMu.Lock()
	defer buildMu.Unlock()
	b := &encBuilder{fns: map[reflect.Type]*encFunc{}}
	f := b.build(t)
	// Publish only complete encoders: recursive types go through
	// indirections that are filled in at the end of the build.
	for t, f := range b.fns {
		encoders.Store(t, *f)
	}
	return f
}

type encBuilder struct {
	fns map[reflect.Type]*encFunc
}

func (b *encBuilder) build(t reflect.Type) encFunc {
	if f, ok := encoders.Load(t); ok {
		return f.(encFunc)
	}
	if p, ok := b.fns[t]; ok {
		return func(e *encoder, v reflect.Value) error { return (*p)(e, v) }
	}
	p := new(encFunc)
	b.fns[t] = p
	*p = b.make(t)
	return *p
}

func (b *encBuilder) make(t reflect.Type) encFunc {
	if t.PkgPath() == "github.com/traefik/yaegi/internal/unsafe2" {
		// yaegi's stand-in for a recursive type it did not resolve (one
		// recursing through an anonymous struct): the real type is unknown.
		return opaque(t, "a recursive type yaegi left unresolved")
	}
	if m := marshallerOf(t); m != nil {
		return m.encode
	}
	if t.Kind() == reflect.Uintptr && t.PkgPath() != "" {
		return opaque(t, "a handle")
	}
	if f := encodeBasic(t); f != nil {
		return f
	}
	switch t.Kind() {
	case reflect.Chan, reflect.Func, reflect.UnsafePointer:
		// A nil one is a zero value and needs no bytes.
		return func(e *encoder, v reflect.Value) error {
			if v.IsNil() {
				return nil
			}
			return uncopyable(t, "")
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
		return encodeInterface
	}
	return opaque(t, "")
}

// opaque is the encoder of types whose values can never be copied.
func opaque(t reflect.Type, reason string) encFunc {
	return func(*encoder, reflect.Value) error { return uncopyable(t, reason) }
}

func encodeInterface(e *encoder, v reflect.Value) error {
	if v.IsNil() {
		e.buf = append(e.buf, tagNil)
		return nil
	}
	dv := v.Elem()
	dt := dv.Type()
	if id, ok := e.types[dt]; ok {
		e.buf = binary.AppendUvarint(e.buf, tagType+id)
	} else {
		if isValueInterface(dt) {
			return uncopyable(dt, opaqueReason(dt))
		}
		info := infoOf(dt)
		if info.portErr != nil {
			return uncopyable(dt, info.portErr.Error())
		}
		if e.types == nil {
			e.types = map[reflect.Type]uint64{}
		}
		e.types[dt] = uint64(len(e.types))
		e.buf = append(e.buf, tagNewType)
		e.buf = appendString(e.buf, info.canon)
	}
	if err := e.enter(); err != nil {
		return err
	}
	if err := encoderOf(dt)(e, dv); err != nil {
		return err
	}
	e.depth--
	return nil
}
