package vm

import (
	"go/token"
	"reflect"
	"sync"
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
	// Globals (ours and yaegi's) read the symbols under this lock, maybe
	// from a goroutine of an earlier cell.
	if m := field(v, "mutex"); m.IsValid() {
		if mu, ok := m.Addr().Interface().(*sync.RWMutex); ok {
			mu.Lock()
			defer mu.Unlock()
		}
	}
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

// yaegi v0.16.1's symbol kinds (interp/scope.go) that Globals reports.
const (
	constSym = 3
	varSym   = 9
)

// Globals returns what i.Globals() returns for the given names only (the
// package variables and constants of that name; others are left out).
// i.Globals() builds the map of every global, which made each cell's cost
// grow with the session's variables. Fields are yaegi v0.16.1's; if they
// are not found, it filters i.Globals().
func Globals(i *interp.Interpreter, names []string) map[string]reflect.Value {
	out := make(map[string]reflect.Value, len(names))
	v := reflect.ValueOf(i).Elem()
	mu, syms, data, ok := globalsFields(v)
	if !ok {
		all := i.Globals()
		for _, n := range names {
			if g, ok := all[n]; ok {
				out[n] = g
			}
		}
		return out
	}
	mu.RLock()
	defer mu.RUnlock()
	for _, n := range names {
		s := syms.MapIndex(reflect.ValueOf(n))
		if !s.IsValid() || s.IsNil() {
			continue
		}
		sym := s.Elem()
		kind := field(sym, "kind")
		if !kind.CanUint() {
			continue
		}
		switch kind.Uint() {
		case constSym:
			out[n] = field(sym, "rval").Interface().(reflect.Value)
		case varSym:
			out[n] = data.Index(int(field(sym, "index").Int())).Interface().(reflect.Value)
		}
	}
	return out
}

// globalsFields finds what Globals reads: the interpreter's lock, the
// symbols of package main and the global frame's values.
func globalsFields(v reflect.Value) (mu *sync.RWMutex, syms, data reflect.Value, ok bool) {
	m := field(v, "mutex")
	src := field(v, "srcPkg")
	fr := field(v, "frame")
	if !m.IsValid() || !src.IsValid() || src.Kind() != reflect.Map || !fr.IsValid() || fr.Kind() != reflect.Pointer || fr.IsNil() {
		return nil, syms, data, false
	}
	mu, ok = m.Addr().Interface().(*sync.RWMutex)
	syms = src.MapIndex(reflect.ValueOf("main"))
	data = field(fr.Elem(), "data")
	if !ok || !syms.IsValid() || syms.Kind() != reflect.Map || !data.IsValid() || data.Kind() != reflect.Slice {
		return nil, syms, data, false
	}
	return mu, syms, data, true
}

// ForgetFiles removes from i's file set the files evaluated from base
// (a FileSet().Base() taken before) on: yaegi keeps the line table of
// every evaluation. Only for code whose positions nothing will ask for
// again (no func value it made is still around).
func ForgetFiles(i *interp.Interpreter, base int) {
	fset := i.FileSet()
	var drop []*token.File
	fset.Iterate(func(f *token.File) bool {
		if f.Base() >= base {
			drop = append(drop, f)
		}
		return true
	})
	for _, f := range drop {
		fset.RemoveFile(f)
	}
}
