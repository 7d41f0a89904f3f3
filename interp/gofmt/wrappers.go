package gofmt

import (
	"fmt"
	"log"
	"reflect"
)

// Where the frontend cannot wrap a value (code of module packages, which
// runs from source as it is, and arguments it does not rewrite), the
// interpreter itself wraps a value with methods passed to fmt's and log's
// printing funcs, choosing a wrapper by the interfaces of its MapTypes
// table. Its own wrappers for fmt.Stringer have only String, so fmt
// printed them as structs for other verbs (Level(3) with %d gave
// {3 5320896}, uuid's Version() VERSION_{4 5320896}), and a type with only
// an Error method was not wrapped at all. These wrappers are fmt.Formatters
// that call the method for the verbs fmt calls it for and print the value
// itself for the others; the table puts Error before String, as fmt does.

// Errorer and Stringer are the interfaces the table maps to the wrappers
// below: the interpreter finds a wrapper as _Name in the package of the
// interface.
type (
	Errorer  interface{ Error() string }
	Stringer interface{ String() string }
)

// _Errorer wraps an interpreted value with an Error method; the field
// names are the interpreter's convention (IValue, then W and the method).
type _Errorer struct {
	IValue any
	WError func() string
}

func (w _Errorer) Error() string { return w.WError() }

func (w _Errorer) Format(s fmt.State, verb rune) { formatWith(s, verb, w.IValue, w.WError) }

// _Stringer wraps an interpreted value with a String method.
type _Stringer struct {
	IValue  any
	WString func() string
}

func (w _Stringer) String() string { return w.WString() }

func (w _Stringer) Format(s fmt.State, verb rune) { formatWith(s, verb, w.IValue, w.WString) }

// formatWith prints as fmt's handleMethods does with method m: its result
// for %v %s %q %x %X, the value itself otherwise (and for %#v, which calls
// only GoString). A struct value is what the interpreter kept of it, which
// may be one field: only the method's verbs are reliable for structs.
func formatWith(s fmt.State, verb rune, v any, m func() string) {
	switch verb {
	case 'v', 's', 'q', 'x', 'X':
		if verb == 'v' && s.Flag('#') {
			break
		}
		var str string
		func() {
			defer func() {
				if r := recover(); r != nil {
					str = fmt.Sprintf("%%!%c(PANIC=method: %v)", verb, r)
					verb = 's'
				}
			}()
			str = m()
		}()
		fmt.Fprintf(s, directive(s, verb), str)
		return
	}
	fmt.Fprintf(s, directive(s, verb), v)
}

// mapTypes is the table for fmt's and log's printing funcs: the
// interpreter's own Formatter wrapper first (a Format method decides
// everything), then Error, then String.
func mapTypes() map[reflect.Value][]reflect.Type {
	ts := []reflect.Type{
		reflect.TypeFor[fmt.Formatter](),
		reflect.TypeFor[Errorer](),
		reflect.TypeFor[Stringer](),
	}
	m := map[reflect.Value][]reflect.Type{}
	for _, f := range []any{
		fmt.Errorf, fmt.Fprint, fmt.Fprintf, fmt.Fprintln, fmt.Print, fmt.Printf, fmt.Println,
		fmt.Sprint, fmt.Sprintf, fmt.Sprintln,
		log.Fatal, log.Fatalf, log.Fatalln, log.Panic, log.Panicf, log.Panicln,
	} {
		m[reflect.ValueOf(f)] = ts
	}
	return m
}

// The interpreter wraps a session value converted to error in its own
// _error, which has only Error: compiled errors.Is, errors.As and
// errors.Unwrap did not see an Unwrap or Is method, so
// errors.Is(&wrapErr{"op", base}, base) was false. It picks, among the
// composed wrappers the table lists for _error (most methods first), the
// first whose methods the value's type has, by name; these add Unwrap and
// Is with the usual signatures.

type _errorUnwrapIs struct {
	IValue  any
	WError  func() string
	WIs     func(error) bool
	WUnwrap func() error
}

func (w _errorUnwrapIs) Error() string        { return w.WError() }
func (w _errorUnwrapIs) Is(target error) bool { return w.WIs(target) }
func (w _errorUnwrapIs) Unwrap() error        { return w.WUnwrap() }

type _errorUnwrap struct {
	IValue  any
	WError  func() string
	WUnwrap func() error
}

func (w _errorUnwrap) Error() string { return w.WError() }
func (w _errorUnwrap) Unwrap() error { return w.WUnwrap() }

type _errorIs struct {
	IValue any
	WError func() string
	WIs    func(error) bool
}

func (w _errorIs) Error() string        { return w.WError() }
func (w _errorIs) Is(target error) bool { return w.WIs(target) }

// errorWrappers is the table entry for the interpreter's _error.
var errorWrappers = []reflect.Type{
	reflect.TypeFor[_errorUnwrapIs](),
	reflect.TypeFor[_errorUnwrap](),
	reflect.TypeFor[_errorIs](),
}
