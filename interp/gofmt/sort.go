package gofmt

import (
	"reflect"
	"sort"
)

// sortedKeys returns the keys of map m in the order fmt prints them
// (internal/fmtsort, which compiled code cannot import).
func sortedKeys(m reflect.Value) []reflect.Value {
	keys := m.MapKeys()
	sort.Stable(byKey(keys))
	return keys
}

type byKey []reflect.Value

func (k byKey) Len() int           { return len(k) }
func (k byKey) Swap(i, j int)      { k[i], k[j] = k[j], k[i] }
func (k byKey) Less(i, j int) bool { return compare(k[i], k[j]) < 0 }

// compare orders two values of the same type as fmtsort.compare does.
func compare(a, b reflect.Value) int {
	if a.Type() != b.Type() {
		return -1
	}
	switch a.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return cmp3(a.Int() < b.Int(), a.Int() > b.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return cmp3(a.Uint() < b.Uint(), a.Uint() > b.Uint())
	case reflect.String:
		return cmp3(a.String() < b.String(), a.String() > b.String())
	case reflect.Float32, reflect.Float64:
		return floatCompare(a.Float(), b.Float())
	case reflect.Complex64, reflect.Complex128:
		if c := floatCompare(real(a.Complex()), real(b.Complex())); c != 0 {
			return c
		}
		return floatCompare(imag(a.Complex()), imag(b.Complex()))
	case reflect.Bool:
		return cmp3(!a.Bool() && b.Bool(), a.Bool() && !b.Bool())
	case reflect.Pointer, reflect.UnsafePointer, reflect.Chan:
		return cmp3(a.Pointer() < b.Pointer(), a.Pointer() > b.Pointer())
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if c := compare(a.Field(i), b.Field(i)); c != 0 {
				return c
			}
		}
		return 0
	case reflect.Array:
		for i := 0; i < a.Len(); i++ {
			if c := compare(a.Index(i), b.Index(i)); c != 0 {
				return c
			}
		}
		return 0
	case reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return cmp3(a.IsNil() && !b.IsNil(), !a.IsNil() && b.IsNil())
		}
		ta, tb := reflect.ValueOf(a.Elem().Type()), reflect.ValueOf(b.Elem().Type())
		if c := compare(ta, tb); c != 0 {
			return c
		}
		return compare(a.Elem(), b.Elem())
	}
	return 0
}

func cmp3(less, more bool) int {
	switch {
	case less:
		return -1
	case more:
		return 1
	}
	return 0
}

func floatCompare(a, b float64) int {
	switch {
	case a != a && b != b: // both NaN
		return 0
	case a != a:
		return -1
	case b != b:
		return 1
	}
	return cmp3(a < b, a > b)
}
