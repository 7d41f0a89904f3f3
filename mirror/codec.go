package mirror

import (
	"reflect"

	"github.com/dmirror/dmirror/interp/values"
)

// encodeValue encodes v for another interpreter; an invalid value (a nil
// interface) encodes as nothing and decodes as the zero value.
func encodeValue(v reflect.Value) ([]byte, error) {
	if !v.IsValid() {
		return nil, nil
	}
	return values.Encode(v)
}

// decodeValue decodes data into a new value of type t; dec, which may be
// nil, knows the receiver's recursive types that interfaces may hold.
func decodeValue(dec *values.Decoder, data []byte, t reflect.Type) (reflect.Value, error) {
	if len(data) == 0 {
		return reflect.New(t).Elem(), nil
	}
	return dec.Decode(data, t)
}
