package vm

import (
	"fmt"
	"reflect"
	"regexp"
	"runtime"
	"strings"
)

// Recovered is what recover() gives interpreted code (the prelude's
// __dmRecover, around every call of the builtin recover in a cell): the
// value Go's recover would give, or a panic naming what the interpreter
// cannot give.
//
// yaegi's recover gives a panic(v) of interpreted code as the
// reflect.Value of v, so `r.(error)` was false for panic(err) and %T said
// reflect.Value; a runtime error raised inside yaegi by package reflect
// comes as reflect's text (a string, or *reflect.ValueError), not Go's
// runtime.Error: "reflect: slice index out of range" for "runtime error:
// index out of range [3] with length 0". Texts that carry what Go's do
// become Go's runtime errors; those that do not (the index and length of
// an index out of range) cannot be recovered: the program would go on with
// another text than Go's.
func Recovered(v any) any {
	g, bad := GoPanicValue(v)
	if bad != nil {
		panic(bad) // it fails the cell
	}
	if _, ok := g.(*ExitError); ok {
		panic(g) // os.Exit cannot be recovered
	}
	return g
}

// GoPanicValue is the value Go would panic with where the interpreter
// panicked with v, or the reason it cannot be known. It also serves the
// message of a panic that ends a cell.
func GoPanicValue(v any) (any, *UnrecoverableError) {
	if rv, ok := v.(reflect.Value); ok {
		// panic(v) of interpreted code.
		if !rv.IsValid() || !rv.CanInterface() {
			return new(runtime.PanicNilError), nil
		}
		if v = rv.Interface(); v == nil {
			return new(runtime.PanicNilError), nil
		}
		return v, nil
	}
	switch x := v.(type) {
	case string:
		return runtimeText(x)
	case *reflect.ValueError:
		if x.Kind == reflect.Invalid && x.Method == "reflect.Value.Field" {
			// A field of a nil pointer to a struct. Other calls on a zero
			// Value are yaegi's own failures: they stay as they are.
			return nilDeref, nil
		}
	case *UnrecoverableError:
		return nil, x
	case error:
		// A failed type assertion: yaegi's error starts with the position.
		if i := strings.Index(x.Error(), "interface conversion: "); i > 0 && strings.HasPrefix(reflect.TypeOf(x).String(), "*interp.") {
			return &typeAssertionError{msg: x.Error()[i:]}, nil
		}
	}
	return v, nil
}

// UnrecoverableError is the panic of a recover() that cannot give Go's
// value: it ends the cell, naming the runtime error.
type UnrecoverableError struct {
	What string // the runtime error, e.g. "an index out of range"
	Text string // the interpreter's text of it
	Go   string // Go's text, with what the interpreter does not know in brackets
}

func (e *UnrecoverableError) Error() string {
	return fmt.Sprintf("recover() of %s is not supported by the interpreter: it reports %q, without what Go's %q says", e.What, e.Text, e.Go)
}

// Uncaught is the message of the runtime error when it ends the cell
// unrecovered.
func (e *UnrecoverableError) Uncaught() string {
	return fmt.Sprintf("%s (the interpreter reports %q, without the values in brackets)", e.Go, e.Text)
}

// runtimeText turns a runtime error that package reflect raised inside
// yaegi, as a string, into Go's.
func runtimeText(s string) (any, *UnrecoverableError) {
	switch {
	case s == "reflect.Value.Call: call of nil function":
		return nilDeref, nil
	case s == "reflect.MakeSlice: negative len", s == "reflect.MakeSlice: negative cap", s == "reflect.MakeSlice: len > cap":
		return runtimeError("makeslice: " + strings.TrimPrefix(strings.TrimPrefix(s, "reflect.MakeSlice: negative "), "reflect.MakeSlice: ") + " out of range"), nil
	case strings.HasPrefix(s, "reflect: slice index out of range"), strings.HasPrefix(s, "reflect: array index out of range"), strings.HasPrefix(s, "reflect: string index out of range"):
		return nil, &UnrecoverableError{What: "an index out of range", Text: s, Go: "runtime error: index out of range [i] with length n"}
	case strings.HasPrefix(s, "reflect.Value.Slice"):
		return nil, &UnrecoverableError{What: "slice bounds out of range", Text: s, Go: "runtime error: slice bounds out of range [i:j] with capacity n"}
	}
	if m := convertRE.FindStringSubmatch(s); m != nil {
		return runtimeError(fmt.Sprintf("cannot convert slice with length %s to array or pointer to array with length %s", m[1], m[2])), nil
	}
	return s, nil
}

var convertRE = regexp.MustCompile(`^reflect: cannot convert slice with length (\d+) to array(?: pointer)? with length (\d+)$`)

// nilDeref is Go's own runtime error for a nil pointer dereference.
var nilDeref = func() (r any) {
	defer func() { r = recover() }()
	var p *struct{ x int }
	_ = p.x
	return nil
}()

// runtimeError is a runtime.Error with Go's text, for the runtime errors
// whose Go value cannot be made here (runtime.boundsError and others are
// unexported): %v and Error() are Go's; %T is not.
type runtimeError string

func (e runtimeError) Error() string { return "runtime error: " + string(e) }
func (e runtimeError) RuntimeError() {}

// typeAssertionError stands for *runtime.TypeAssertionError, whose fields
// are unexported.
type typeAssertionError struct{ msg string }

func (e *typeAssertionError) Error() string { return e.msg }
func (e *typeAssertionError) RuntimeError() {}
