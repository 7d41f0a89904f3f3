package values

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sync"
)

// Encode encodes v so that Decode, given v's type as the receiver knows
// it, rebuilds an equal value. It returns an *UncopyableError, and no
// data, if v holds anything that cannot be copied.
func Encode(v reflect.Value) (data []byte, err error) {
	if !v.IsValid() {
		return nil, fmt.Errorf("values: encode an invalid reflect.Value")
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
	switch t.Kind() {
	case reflect.Bool:
		return func(e *encoder, v reflect.Value) error {
			e.buf = append(e.buf, boolByte(v.Bool()))
			return nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return func(e *encoder, v reflect.Value) error {
			e.buf = binary.AppendVarint(e.buf, v.Int())
			return nil
		}
	case reflect.Uintptr:
		if t.PkgPath() != "" {
			return opaque(t, "a handle")
		}
		fallthrough
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return func(e *encoder, v reflect.Value) error {
			e.buf = binary.AppendUvarint(e.buf, v.Uint())
			return nil
		}
	case reflect.Float32:
		return func(e *encoder, v reflect.Value) error {
			e.buf = binary.LittleEndian.AppendUint32(e.buf, math.Float32bits(float32(v.Float())))
			return nil
		}
	case reflect.Float64:
		return func(e *encoder, v reflect.Value) error {
			e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(v.Float()))
			return nil
		}
	case reflect.Complex64:
		return func(e *encoder, v reflect.Value) error {
			c := v.Complex()
			e.buf = binary.LittleEndian.AppendUint32(e.buf, math.Float32bits(float32(real(c))))
			e.buf = binary.LittleEndian.AppendUint32(e.buf, math.Float32bits(float32(imag(c))))
			return nil
		}
	case reflect.Complex128:
		return func(e *encoder, v reflect.Value) error {
			c := v.Complex()
			e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(real(c)))
			e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(imag(c)))
			return nil
		}
	case reflect.String:
		return func(e *encoder, v reflect.Value) error {
			e.buf = appendString(e.buf, v.String())
			return nil
		}
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

// isOpaqueStruct reports a binary struct type whose state is unexported
// and that has no marshaller: its values cannot be rebuilt elsewhere.
func isOpaqueStruct(t reflect.Type) bool {
	if t.Kind() != reflect.Struct || t.PkgPath() == "" || marshallerOf(t) != nil {
		return false
	}
	for i := range t.NumField() {
		if !t.Field(i).IsExported() {
			return true
		}
	}
	return false
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
	return "binary type with unexported state"
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
	return func(e *encoder, v reflect.Value) error {
		for i, f := range fields {
			if err := f(e, v.Field(i)); err != nil {
				return atPath(err, func() string { return "." + t.Field(i).Name })
			}
		}
		return nil
	}
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

// hasRefs reports whether values of t can hold pointers, maps or
// interfaces, through which slices can be shared or cyclic.
func hasRefs(t reflect.Type) bool {
	return hasRefsSeen(t, map[reflect.Type]bool{})
}

func hasRefsSeen(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Interface:
		return true
	case reflect.Array, reflect.Slice:
		return hasRefsSeen(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if hasRefsSeen(t.Field(i).Type, seen) {
				return true
			}
		}
	}
	return false
}
