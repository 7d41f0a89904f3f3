package frontend

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strings"
	"sync"

	"github.com/traefik/yaegi/stdlib"

	"github.com/dmirror/dmirror/interp/vm"
	"github.com/traefik/yaegi/stdlib/generic"
)

// The interpreter ships its own copy of the standard library (Go 1.22),
// while go/types sees the host's: what the interpreter lacks must fail at
// compile time with a message that says so, not at run time.
var (
	interpStdOnce sync.Once
	interpStd     map[string]map[string]bool // package path → exported names
)

func interpreterStd() map[string]map[string]bool {
	interpStdOnce.Do(func() {
		interpStd = map[string]map[string]bool{}
		all := []map[string]map[string]reflect.Value{stdlib.Symbols}
		for _, e := range vm.Extras() {
			all = append(all, e)
		}
		for _, table := range all {
			for key, syms := range table {
				i := strings.LastIndex(key, "/")
				if i < 0 {
					continue
				}
				path := key[:i]
				names := interpStd[path]
				if names == nil {
					names = map[string]bool{}
					interpStd[path] = names
				}
				for n := range syms {
					names[n] = true
				}
			}
		}
		for _, src := range generic.Sources {
			f, err := parser.ParseFile(token.NewFileSet(), "", src, parser.SkipObjectResolution)
			if err != nil {
				continue // the interpreter cannot load it either
			}
			names := interpStd[f.Name.Name]
			if names == nil {
				names = map[string]bool{}
				interpStd[f.Name.Name] = names
			}
			for _, d := range f.Decls {
				switch d := d.(type) {
				case *ast.FuncDecl:
					if d.Recv == nil {
						names[d.Name.Name] = true
					}
				case *ast.GenDecl:
					for _, s := range d.Specs {
						switch s := s.(type) {
						case *ast.TypeSpec:
							names[s.Name.Name] = true
						case *ast.ValueSpec:
							for _, n := range s.Names {
								names[n.Name] = true
							}
						}
					}
				}
			}
		}
	})
	return interpStd
}

// isStdPath reports whether path is a standard library path (its first
// element has no dot).
func isStdPath(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}

// interpreterHas reports whether the interpreter's standard library has
// the package path (name empty) or its exported member name.
func interpreterHas(path, name string) bool {
	if !isStdPath(path) {
		return true // a module's package: loaded from its source
	}
	names, ok := interpreterStd()[path]
	if !ok {
		return false
	}
	return name == "" || names[name]
}
