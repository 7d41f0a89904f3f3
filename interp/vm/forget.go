package vm

import (
	"reflect"
	"unsafe"

	"github.com/traefik/yaegi/interp"
)

// Forget drops what yaegi keeps of code that has run and will not run
// again: the package-level func name (a cell's body func) and the syntax
// trees of every evaluation so far. yaegi keeps each evaluated tree in
// Interpreter.roots and each func's scope among its package scope's
// children, for its debugger only, and never lets go of them (its issue
// 1678): a session grew by about 10 KB of heap per cell, trivial cells
// included. Values, funcs and closures still in use keep what they need;
// positions stay known (the file set is kept). Not for interpreters that
// run under yaegi's debugger (mirrors re-running a failed element).
//
// The fields are yaegi v0.16.1's; if they are not found, Forget does
// nothing.
func Forget(i *interp.Interpreter, name string) {
	v := reflect.ValueOf(i).Elem()
	if roots := field(v, "roots"); roots.IsValid() && roots.Kind() == reflect.Slice {
		roots.Set(reflect.Zero(roots.Type()))
	}
	scopes := field(v, "scopes")
	if !scopes.IsValid() || scopes.Kind() != reflect.Map {
		return
	}
	main := scopes.MapIndex(reflect.ValueOf("main"))
	if !main.IsValid() || main.Kind() != reflect.Pointer || main.IsNil() {
		return
	}
	sc := main.Elem()
	if children := field(sc, "child"); children.IsValid() && children.Kind() == reflect.Slice {
		children.Set(reflect.Zero(children.Type()))
	}
	if sym := field(sc, "sym"); name != "" && sym.IsValid() && sym.Kind() == reflect.Map {
		sym.SetMapIndex(reflect.ValueOf(name), reflect.Value{})
	}
}

// field returns a settable view of the struct field name of v (which must
// be addressable), or the zero Value if there is none.
func field(v reflect.Value, name string) reflect.Value {
	if v.Kind() != reflect.Struct {
		return reflect.Value{}
	}
	f := v.FieldByName(name)
	if !f.IsValid() || !f.CanAddr() {
		return reflect.Value{}
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
}
