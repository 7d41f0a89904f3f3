package mirror

import (
	"bytes"
	"encoding/gob"
	"fmt"
	"reflect"
)

// TEMPORARY: a gob codec until interp/values provides Decode; the mirror
// package then encodes with values.Encode and decodes with values.Decode.

// encodeValue encodes v for another interpreter.
func encodeValue(v reflect.Value) ([]byte, error) {
	if !v.IsValid() {
		return nil, nil
	}
	if err := copyable(v.Type(), map[reflect.Type]bool{}); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).EncodeValue(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodeValue decodes data into a new value of type t.
func decodeValue(data []byte, t reflect.Type) (reflect.Value, error) {
	p := reflect.New(t)
	if len(data) == 0 {
		return p.Elem(), nil
	}
	if err := gob.NewDecoder(bytes.NewReader(data)).DecodeValue(p); err != nil {
		return reflect.Value{}, err
	}
	return p.Elem(), nil
}

// uncopyableError names a type that cannot travel.
type uncopyableError struct{ Type string }

func (e *uncopyableError) Error() string { return "cannot copy " + e.Type }

func copyable(t reflect.Type, seen map[reflect.Type]bool) error {
	if seen[t] {
		return nil
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Chan, reflect.Func, reflect.UnsafePointer:
		return &uncopyableError{Type: t.String()}
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return copyable(t.Elem(), seen)
	case reflect.Map:
		if err := copyable(t.Key(), seen); err != nil {
			return err
		}
		return copyable(t.Elem(), seen)
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if t.PkgPath() != "" && !t.Field(i).IsExported() {
				return &uncopyableError{Type: fmt.Sprintf("%s (unexported state)", t)}
			}
			if err := copyable(t.Field(i).Type, seen); err != nil {
				return err
			}
		}
	}
	return nil
}
