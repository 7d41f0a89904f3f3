package values

import (
	"encoding"
	"encoding/gob"
	"fmt"
	"reflect"
)

// marshaller encodes a binary named type through its own binary form
// (time.Time, big.Int, ...): MarshalBinary/UnmarshalBinary, else
// GobEncode/GobDecode.
type marshaller struct {
	t   reflect.Type
	gob bool
}

var (
	binaryMarshalerType   = reflect.TypeFor[encoding.BinaryMarshaler]()
	binaryUnmarshalerType = reflect.TypeFor[encoding.BinaryUnmarshaler]()
	gobEncoderType        = reflect.TypeFor[gob.GobEncoder]()
	gobDecoderType        = reflect.TypeFor[gob.GobDecoder]()
)

func marshallerOf(t reflect.Type) *marshaller {
	if t.PkgPath() == "" || t.Kind() == reflect.Interface {
		return nil // interpreted types have no methods visible to reflect
	}
	pt := reflect.PointerTo(t)
	switch {
	case pt.Implements(binaryMarshalerType) && pt.Implements(binaryUnmarshalerType):
		return &marshaller{t: t}
	case pt.Implements(gobEncoderType) && pt.Implements(gobDecoderType):
		return &marshaller{t: t, gob: true}
	}
	return nil
}

// addressable returns v itself if it is addressable, else a copy that is,
// so that methods with pointer receivers can be called.
func addressable(v reflect.Value) reflect.Value {
	if v.CanAddr() {
		return v
	}
	c := reflect.New(v.Type()).Elem()
	c.Set(v)
	return c
}

func (m *marshaller) encode(e *encoder, v reflect.Value) error {
	p := addressable(v).Addr().Interface()
	var (
		b   []byte
		err error
	)
	if m.gob {
		b, err = p.(gob.GobEncoder).GobEncode()
	} else {
		b, err = p.(encoding.BinaryMarshaler).MarshalBinary()
	}
	if err != nil {
		return fmt.Errorf("marshal %s: %w", m.t, err)
	}
	e.buf = appendString(e.buf, string(b))
	return nil
}

func (m *marshaller) decode(d *decoder, v reflect.Value) error {
	b, err := d.bytes()
	if err != nil {
		return err
	}
	p := v.Addr().Interface()
	if m.gob {
		err = p.(gob.GobDecoder).GobDecode(b)
	} else {
		err = p.(encoding.BinaryUnmarshaler).UnmarshalBinary(b)
	}
	if err != nil {
		return fmt.Errorf("unmarshal %s: %w", m.t, err)
	}
	return nil
}
