package mirror

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/dmirror/dmirror/interp/values"
)

// encodeValue encodes v for another interpreter; an invalid value (a nil
// interface) encodes as nothing and decodes as the zero value.
func encodeValue(v reflect.Value) ([]byte, error) {
	if !v.IsValid() {
		return nil, nil
	}
	data, err := values.Encode(v)
	if err != nil {
		return nil, explainWrapper(err)
	}
	return data, nil
}

// wrapperReason says why a value of a session type held in an interface
// with methods of a compiled package (error, fmt.Stringer) cannot be
// copied: yaegi holds it in a wrapper of its own (interp._error,
// stdlib._fmt_Stringer), or the frontend in one of interp/gofmt's of the
// same shape, whose methods are closures over the interpreter.
const wrapperReason = "it is a value of a session type held in an interface with methods (such as error or fmt.Stringer), " +
	"which the interpreter wraps with its own state; send it as its own type, or use a value of a compiled type (errors.New, fmt.Errorf)"

// explainWrapper adds wrapperReason to an error about such a wrapper.
func explainWrapper(err error) error {
	var u *values.UncopyableError
	if !errors.As(err, &u) || !(strings.HasPrefix(u.Type, "interp._") || strings.HasPrefix(u.Type, "stdlib._") || strings.HasPrefix(u.Type, "gofmt._")) {
		return err
	}
	return fmt.Errorf("%w: %s", err, wrapperReason)
}

// yaegiPath is the module path of yaegi, whose packages hold its wrappers.
var yaegiPath = strings.TrimSuffix(reflect.TypeFor[yaegi.Panic]().PkgPath(), "/interp")

// isInterpWrapper says whether t is a type of yaegi's own, such as the
// wrappers it gives values of interpreted types held in interfaces with
// methods.
func isInterpWrapper(t reflect.Type) bool {
	return strings.HasPrefix(t.PkgPath(), yaegiPath+"/")
}

// isMethodWrapper says whether t is one of yaegi's wrappers of a value of a
// session type held in an interface of a compiled package: its first field
// is the value, the others its methods.
func isMethodWrapper(t reflect.Type) bool {
	return isInterpWrapper(t) && t.Kind() == reflect.Struct && t.NumField() > 0 && t.Field(0).Name == "IValue"
}

// decodeValue decodes data into a new value of type t. known, which may be
// nil, returns a decoder that knows the receiver's declared types; it is
// called only when t can hold an interface, where a recursive session type
// the decoder must know may hide, so that other values cost no lookup of
// the declared types.
func decodeValue(known func() *values.Decoder, data []byte, t reflect.Type) (reflect.Value, error) {
	if len(data) == 0 {
		return reflect.New(t).Elem(), nil
	}
	var dec *values.Decoder
	if known != nil && holdsInterface(t) {
		dec = known()
	}
	return dec.Decode(data, t)
}

// interfaceHolders caches holdsInterface by type.
var interfaceHolders sync.Map

// holdsInterface says whether a value of type t can hold an interface value.
func holdsInterface(t reflect.Type) bool {
	if h, ok := interfaceHolders.Load(t); ok {
		return h.(bool)
	}
	h := reachesInterface(t, map[reflect.Type]bool{})
	interfaceHolders.Store(t, h)
	return h
}

func reachesInterface(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return reachesInterface(t.Elem(), seen)
	case reflect.Map:
		return reachesInterface(t.Key(), seen) || reachesInterface(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if reachesInterface(t.Field(i).Type, seen) {
				return true
			}
		}
	}
	return false
}
