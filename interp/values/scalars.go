package values

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
	"slices"
	"unsafe"
)

// Slices of scalars are the bulk of numeric workloads; they are encoded
// straight from their backing array instead of element by element through
// reflect.

type scalarEnc func(e *encoder, p unsafe.Pointer, n int)
type scalarDec func(r *reader, p unsafe.Pointer, n int) error

func scalarSliceEncoder(t reflect.Type) scalarEnc {
	if marshallerOf(t) != nil {
		return nil
	}
	switch t.Kind() {
	case reflect.Int:
		return encSigned[int]
	case reflect.Int8:
		return encSigned[int8]
	case reflect.Int16:
		return encSigned[int16]
	case reflect.Int32:
		return encSigned[int32]
	case reflect.Int64:
		return encSigned[int64]
	case reflect.Uint:
		return encUnsigned[uint]
	case reflect.Uint8:
		return func(e *encoder, p unsafe.Pointer, n int) {
			e.buf = append(e.buf, unsafe.Slice((*byte)(p), n)...)
		}
	case reflect.Uint16:
		return encUnsigned[uint16]
	case reflect.Uint32:
		return encUnsigned[uint32]
	case reflect.Uint64:
		return encUnsigned[uint64]
	case reflect.Float64:
		return func(e *encoder, p unsafe.Pointer, n int) {
			for _, x := range unsafe.Slice((*float64)(p), n) {
				e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(x))
			}
		}
	case reflect.Float32:
		return func(e *encoder, p unsafe.Pointer, n int) {
			for _, x := range unsafe.Slice((*float32)(p), n) {
				e.buf = binary.LittleEndian.AppendUint32(e.buf, math.Float32bits(x))
			}
		}
	case reflect.Bool:
		return func(e *encoder, p unsafe.Pointer, n int) {
			for _, x := range unsafe.Slice((*bool)(p), n) {
				e.buf = append(e.buf, boolByte(x))
			}
		}
	case reflect.String:
		return func(e *encoder, p unsafe.Pointer, n int) {
			for _, x := range unsafe.Slice((*string)(p), n) {
				e.buf = appendString(e.buf, x)
			}
		}
	}
	return nil
}

func scalarSliceDecoder(t reflect.Type) scalarDec {
	if marshallerOf(t) != nil {
		return nil
	}
	switch t.Kind() {
	case reflect.Int:
		return decSigned[int]
	case reflect.Int8:
		return decSigned[int8]
	case reflect.Int16:
		return decSigned[int16]
	case reflect.Int32:
		return decSigned[int32]
	case reflect.Int64:
		return decSigned[int64]
	case reflect.Uint:
		return decUnsigned[uint]
	case reflect.Uint8:
		return func(r *reader, p unsafe.Pointer, n int) error {
			if r.remaining() < n {
				return errTruncated
			}
			r.off += copy(unsafe.Slice((*byte)(p), n), r.buf[r.off:])
			return nil
		}
	case reflect.Uint16:
		return decUnsigned[uint16]
	case reflect.Uint32:
		return decUnsigned[uint32]
	case reflect.Uint64:
		return decUnsigned[uint64]
	case reflect.Float64:
		return func(r *reader, p unsafe.Pointer, n int) error {
			s := unsafe.Slice((*float64)(p), n)
			for i := range s {
				x, err := r.uint64()
				if err != nil {
					return err
				}
				s[i] = math.Float64frombits(x)
			}
			return nil
		}
	case reflect.Float32:
		return func(r *reader, p unsafe.Pointer, n int) error {
			s := unsafe.Slice((*float32)(p), n)
			for i := range s {
				x, err := r.uint32()
				if err != nil {
					return err
				}
				s[i] = math.Float32frombits(x)
			}
			return nil
		}
	case reflect.Bool:
		return func(r *reader, p unsafe.Pointer, n int) error {
			s := unsafe.Slice((*bool)(p), n)
			for i := range s {
				x, err := r.bool()
				if err != nil {
					return err
				}
				s[i] = x
			}
			return nil
		}
	case reflect.String:
		return func(r *reader, p unsafe.Pointer, n int) error {
			s := unsafe.Slice((*string)(p), n)
			for i := range s {
				b, err := r.bytes()
				if err != nil {
					return err
				}
				s[i] = string(b)
			}
			return nil
		}
	}
	return nil
}

type signed interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64
}

type unsigned interface {
	~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr
}

// encSigned and encUnsigned grow the buffer once for the worst case, so
// that the loop never reallocates.
func encSigned[T signed](e *encoder, p unsafe.Pointer, n int) {
	buf := slices.Grow(e.buf, n*int(unsafe.Sizeof(T(0))*10/8+1))
	for _, x := range unsafe.Slice((*T)(p), n) {
		buf = binary.AppendVarint(buf, int64(x))
	}
	e.buf = buf
}

func encUnsigned[T unsigned](e *encoder, p unsafe.Pointer, n int) {
	buf := slices.Grow(e.buf, n*int(unsafe.Sizeof(T(0))*10/8+1))
	for _, x := range unsafe.Slice((*T)(p), n) {
		buf = binary.AppendUvarint(buf, uint64(x))
	}
	e.buf = buf
}

func decSigned[T signed](r *reader, p unsafe.Pointer, n int) error {
	s := unsafe.Slice((*T)(p), n)
	for i := range s {
		x, err := r.varint()
		if err != nil {
			return err
		}
		if int64(T(x)) != x {
			return fmt.Errorf("%d overflows %T", x, s[i])
		}
		s[i] = T(x)
	}
	return nil
}

func decUnsigned[T unsigned](r *reader, p unsafe.Pointer, n int) error {
	s := unsafe.Slice((*T)(p), n)
	for i := range s {
		x, err := r.uvarint()
		if err != nil {
			return err
		}
		if uint64(T(x)) != x {
			return fmt.Errorf("%d overflows %T", x, s[i])
		}
		s[i] = T(x)
	}
	return nil
}
