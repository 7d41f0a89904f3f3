package values

import (
	"encoding/binary"
	"fmt"
	"math"
	"reflect"
)

// encodeBasic returns the encoder of a boolean, numeric or string type,
// nil for other kinds. Unnamed uintptrs are numbers; binary named ones are
// handles, refused by the caller.
func encodeBasic(t reflect.Type) encFunc {
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
	case reflect.Uintptr:
		return func(e *encoder, v reflect.Value) error {
			e.buf = binary.AppendUvarint(e.buf, v.Uint())
			return nil
		}
	}
	return nil
}

// decodeBasic returns the decoder of a boolean, numeric or string type, nil
// for other kinds.
func decodeBasic(t reflect.Type) decFunc {
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
	}
	return nil
}
