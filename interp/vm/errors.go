package vm

import (
	"errors"
	"reflect"
)

// errors.As and errors.Is for interpreted error types. yaegi hands a value
// of an interpreted type to compiled code that wants an error as a wrapper
// (a struct whose first field, IValue, holds the value and whose second,
// WError, its Error method), and an interpreted type has no methods for
// reflection. So the standard errors.As panics for a target of an
// interpreted type ("*target must be interface or implement error"), and
// errors.Is never matches an interpreted sentinel (the wrapper is not
// comparable). These versions look inside the wrappers; everything else is
// the standard library's.

var errorType = reflect.TypeOf((*error)(nil)).Elem()

func errorsAs(err error, target any) bool {
	if target == nil {
		panic("errors: target cannot be nil")
	}
	tv := reflect.ValueOf(target)
	if tv.Kind() != reflect.Pointer || tv.IsNil() {
		panic("errors: target must be a non-nil pointer")
	}
	et := tv.Type().Elem()
	if et.Kind() == reflect.Interface || et.Implements(errorType) {
		return errors.As(err, target)
	}
	return walk(err, func(e error) bool {
		v, ok := interpreted(e)
		if ok && v.Type().AssignableTo(et) {
			tv.Elem().Set(v)
			return true
		}
		return false
	})
}

func errorsIs(err, target error) bool {
	if errors.Is(err, target) {
		return true
	}
	want, ok := interpreted(target)
	if !ok || !want.Type().Comparable() {
		return false
	}
	return walk(err, func(e error) bool {
		v, ok := interpreted(e)
		return ok && v.Type() == want.Type() && v.Equal(want)
	})
}

// interpreted returns the interpreted value a wrapper holds.
func interpreted(e error) (reflect.Value, bool) {
	v := reflect.ValueOf(e)
	if v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	// yaegi's _error, or one of dmirror/gofmt's with more methods.
	if v.Kind() != reflect.Struct || v.NumField() < 2 {
		return reflect.Value{}, false
	}
	if t := v.Type(); t.Field(0).Name != "IValue" || t.Field(1).Name != "WError" {
		return reflect.Value{}, false
	}
	iv := v.Field(0)
	if iv.Kind() == reflect.Interface {
		iv = iv.Elem()
	}
	return iv, iv.IsValid()
}

// walk calls f on err and the errors it wraps, depth first, until f
// returns true. Unwrap methods of interpreted types are not seen: yaegi
// gives compiled code only their Error method.
func walk(err error, f func(error) bool) bool {
	for err != nil {
		if f(err) {
			return true
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if walk(e, f) {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
	return false
}
