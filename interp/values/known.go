package values

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"

	yaegi "github.com/traefik/yaegi/interp"
)

// KnownTypes returns, for NewDecoder, the types of i's package-level
// variables and of the types it declares under typeNames (see TypeNames):
// i's globals do not always reach a type that values held in interfaces
// have, and yaegi has no list of declared types (its Symbols lists only
// exported ones, and panics on generic funcs). Names that do not denote a
// type i can instantiate, such as generic types, are skipped. It evaluates
// code in i when typeNames are given: call it when no cell runs there.
func KnownTypes(i *yaegi.Interpreter, typeNames ...string) []reflect.Type {
	var ts []reflect.Type
	for _, g := range i.Globals() {
		if g.IsValid() {
			ts = append(ts, g.Type())
		}
	}
	for _, name := range typeNames {
		if t, ok := declaredType(i, name); ok {
			ts = append(ts, t)
		}
	}
	return ts
}

func declaredType(i *yaegi.Interpreter, name string) (t reflect.Type, ok bool) {
	if !token.IsIdentifier(name) {
		return nil, false
	}
	defer func() {
		// yaegi's compiler can panic; a type it cannot give is not known.
		if recover() != nil {
			t, ok = nil, false
		}
	}()
	v, err := i.Eval(fmt.Sprintf("(*%s)(nil)", name))
	if err != nil || !v.IsValid() || v.Kind() != reflect.Pointer {
		return nil, false
	}
	return v.Type().Elem(), true
}

// TypeNames returns the names of the non-generic types declared at the top
// level of Go sources, such as the declaration chunks a mirror replays, for
// KnownTypes. A source may omit its package clause; one that does not
// parse contributes nothing.
func TypeNames(srcs ...string) []string {
	var names []string
	fset := token.NewFileSet()
	for _, src := range srcs {
		f, err := parser.ParseFile(fset, "", "package main\n"+src, parser.SkipObjectResolution)
		if err != nil {
			if f, err = parser.ParseFile(fset, "", src, parser.SkipObjectResolution); err != nil {
				continue
			}
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, sp := range g.Specs {
				if ts := sp.(*ast.TypeSpec); ts.TypeParams == nil {
					names = append(names, ts.Name.Name)
				}
			}
		}
	}
	return names
}
