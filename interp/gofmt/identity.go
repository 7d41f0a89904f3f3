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

// D returns x, an argument of fmt of an interface type (or holding
// interface values), or panics when it holds, as an interface value, a
// value of a session type with methods: the interpreter hands compiled
// code a record of its own for it (fmt would print pointers) or, at the
// top, the bare value without methods (fmt would print {250} for $2.50).
// Only the first can be told at run time; the frontend wraps what it can.
func D(x any, what string) any {
	if name, ok := findInterpreted(reflect.ValueOf(x), 0, new(int)); ok {
		panic(what + ": a value of type " + name + " held in an interface is not supported by the interpreter (fmt would not see its methods); print it with its own static type")
	}
	return x
}

// findInterpreted looks for a valueInterface in v, within a bounded
// walk, and returns its type's name.
func findInterpreted(v reflect.Value, depth int, budget *int) (string, bool) {
	if !v.IsValid() || depth > 4 || *budget > 10000 {
		return "", false
	}
	*budget++
	t := v.Type()
	if t.Kind() == reflect.Struct && t.Name() == "valueInterface" && t.NumField() == 2 {
		return interpretedName(v), true
	}
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			return findInterpreted(v.Elem(), depth+1, budget)
		}
	case reflect.Slice, reflect.Array:
		if k := t.Elem().Kind(); k != reflect.Interface && k != reflect.Struct {
			return "", false
		}
		for i := 0; i < v.Len(); i++ {
			if n, ok := findInterpreted(v.Index(i), depth+1, budget); ok {
				return n, ok
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if n, ok := findInterpreted(it.Value(), depth+1, budget); ok {
				return n, ok
			}
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if n, ok := findInterpreted(v.Field(i), depth+1, budget); ok {
				return n, ok
			}
		}
	}
	return "", false
}

// interpretedName reads the name of a valueInterface's type (its node's
// itype), for the message only.
func interpretedName(v reflect.Value) (name string) {
	defer func() {
		if recover() != nil {
			name = "a session type"
		}
	}()
	typ := v.Field(0).Elem().FieldByName("typ").Elem()
	name = typ.FieldByName("name").String()
	if path := typ.FieldByName("path").String(); path != "" && name != "" {
		return path + "." + name
	}
	if name == "" {
		return "a session type"
	}
	return name
}

// Error is error as a compiled interface of its own: the frontend writes
// it for `case error` in a type switch on a value of another interface
// type, which yaegi v0.16.1 matches for no value of a compiled type (an
// errors.New value) while it matches a compiled interface like this one.
type Error interface{ Error() string }

// Interpreted reports whether x holds, as an interface value, a value of a
// session type with methods (within the bounded walk D makes), and names
// that type; Unwrapped is x without the interpreter's wrappers at the top.
func Interpreted(x any) (string, bool) {
	return findInterpreted(reflect.ValueOf(x), 0, new(int))
}

// Unwrapped returns the value x holds under the interpreter's wrappers.
func Unwrapped(x any) any { return unwrap(x) }
