package gofmt

import (
	"reflect"
	"unsafe"
)

// Interface values that hold values of session types compare wrongly in
// the interpreter: a value in a compiled interface (error, fmt.Stringer) is
// a wrapper struct whose method fields make == panic ("comparing
// uncomparable type interp._error"), and two wrappers of the same pointer
// are different values, so `err == ErrSentinel` is false. The frontend
// rewrites such comparisons into Eq.

// Eq reports whether a == b, as Go compares interface values, looking
// through the interpreter's wrappers. It panics as Go does on values of
// the same uncomparable type.
func Eq(a, b any) bool { return unwrap(a) == unwrap(b) }

// unwrap returns the value the interpreter's wrappers hold: a
// valueInterface (an interpreted interface value) or the wrapper of a
// compiled interface (a struct whose first field is IValue and whose
// other fields are the methods).
func unwrap(x any) any {
	for i := 0; i < 8 && x != nil; i++ {
		v := reflect.ValueOf(x)
		t := v.Type()
		switch {
		case t.Kind() == reflect.Struct && t.Name() == "valueInterface" && t.NumField() == 2 && t.Field(1).Type == reflect.TypeFor[reflect.Value]():
			c := reflect.New(t).Elem()
			c.Set(v)
			inner := *(*reflect.Value)(unsafe.Pointer(c.Field(1).UnsafeAddr()))
			if !inner.IsValid() || !inner.CanInterface() {
				return nil
			}
			x = inner.Interface()
		case isWrapper(t):
			iv := v.Field(0)
			if iv.Kind() == reflect.Interface {
				iv = iv.Elem()
			}
			if !iv.IsValid() {
				return nil
			}
			x = iv.Interface()
		default:
			return x
		}
	}
	return x
}

// isWrapper reports whether t is the shape of yaegi's wrappers of
// compiled interfaces: IValue, then a func field per method.
func isWrapper(t reflect.Type) bool {
	if t.Kind() != reflect.Struct || t.NumField() < 2 || t.Field(0).Name != "IValue" {
		return false
	}
	for i := 1; i < t.NumField(); i++ {
		if t.Field(i).Type.Kind() != reflect.Func || t.Field(i).Name[0] != 'W' {
			return false
		}
	}
	return true
}

// NoWrap returns x, or panics when x is the interpreter's wrapper of a
// value of a session type in a compiled interface: asserted to another
// interface, the wrapper would have only the methods of the first, and the
// answer could be wrong. what names the construct.
func NoWrap(x any, what string) any {
	if x != nil && isWrapper(reflect.TypeOf(x)) {
		panic(what + ": not supported by the interpreter when the value's type is a session type (it sees only the methods of the value's static type)")
	}
	return x
}
