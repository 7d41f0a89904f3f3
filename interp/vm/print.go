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
		w := (*[2]uintptr)(unsafe.Pointer(&ia.v))
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
