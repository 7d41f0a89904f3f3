package vm

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unsafe"
)

// The builtins print and println write to standard error in Go, but yaegi
// writes them to the interpreter's standard output. The frontend rewrites
// them into the prelude's __dmPrint and __dmPrintln, which format their
// arguments here as the Go runtime does and write to the interpreter's
// stderr.

// ifaceArg is an argument whose static type is an interface (the prelude's
// __dmIface): the runtime prints those as the interface's two words.
type ifaceArg struct{ v any }

// formatPrint formats args as print (spaces false) or println (spaces
// between the arguments and a newline) do.
func formatPrint(ln bool, args []any) string {
	var b strings.Builder
	for k, a := range args {
		if ln && k > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(printArg(a))
	}
	if ln {
		b.WriteByte('\n')
	}
	return b.String()
}

// printArg formats one argument as the runtime's print functions do
// (runtime/print.go): floats and complex numbers in their shortest form,
// pointers in hex, slices as [len/cap] and the array's address.
func printArg(a any) string {
	if ia, ok := a.(ifaceArg); ok {
		v := yaegiIfaceValue(ia.v)
		w := (*[2]uintptr)(unsafe.Pointer(&v))
		return fmt.Sprintf("(%#x,%#x)", w[0], w[1])
	}
	v := reflect.ValueOf(a)
	switch v.Kind() {
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(v.Int(), 10)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return strconv.FormatUint(v.Uint(), 10)
	case reflect.Float32:
		return strconv.FormatFloat(v.Float(), 'g', -1, 32)
	case reflect.Float64:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case reflect.Complex64:
		return strconv.FormatComplex(v.Complex(), 'g', -1, 64)
	case reflect.Complex128:
		return strconv.FormatComplex(v.Complex(), 'g', -1, 128)
	case reflect.String:
		return v.String()
	case reflect.Pointer, reflect.Chan, reflect.Map, reflect.Func, reflect.UnsafePointer:
		return fmt.Sprintf("%#x", v.Pointer())
	case reflect.Slice:
		return fmt.Sprintf("[%d/%d]%#x", v.Len(), v.Cap(), v.Pointer())
	case reflect.Invalid:
		return "(0x0,0x0)"
	}
	// The frontend rejects the other kinds, as the Go compiler does.
	return fmt.Sprintf("%v", a)
}

// yaegiIfaceValue returns the value a yaegi valueInterface holds, or v
// itself. yaegi keeps a value of an interface type the session declares
// (type I interface{ M() }) in a struct of its own, {node, value}, which
// compiled code receives as it is, nil or not: its words are never
// (0x0,0x0). Unwrapped, a nil interface is nil again.
func yaegiIfaceValue(v any) any {
	for {
		rv := reflect.ValueOf(v)
		if !rv.IsValid() || !isValueInterface(rv.Type()) {
			return v
		}
		c := reflect.New(rv.Type()).Elem()
		c.Set(rv)
		inner := c.FieldByName("value")
		if !inner.IsValid() || inner.Type() != reflect.TypeFor[reflect.Value]() {
			return v
		}
		iv := *(*reflect.Value)(unsafe.Pointer(inner.UnsafeAddr()))
		if !iv.IsValid() {
			return nil
		}
		if iv.Kind() == reflect.Interface && iv.IsNil() {
			return nil
		}
		v = iv.Interface()
	}
}

func isValueInterface(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t.Name() == "valueInterface" && t.PkgPath() == "github.com/traefik/yaegi/interp"
}
