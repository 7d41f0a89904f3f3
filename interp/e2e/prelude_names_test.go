package e2e

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"sort"
	"strings"
	"testing"

	"github.com/dmirror/dmirror/interp/prelude"
)

// preludeNames lists every name the prelude's source uses that a user may
// declare: all identifiers but its API (its top-level names), names with
// dmirror's reserved prefix __dm, selected names of other packages and
// the predeclared ones. An internal name __dmPlX counts as X and x, the
// names it stands for.
func preludeNames(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	api := map[string]bool{}
	var files []*ast.File
	for _, pf := range prelude.Files() {
		f, err := parser.ParseFile(fset, pf.Name, pf.Source, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		for name := range f.Scope.Objects {
			api[name] = true
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil {
				api[fd.Name.Name] = true
			}
		}
	}
	names := map[string]bool{}
	for _, f := range files {
		sels := map[*ast.Ident]bool{}
		ast.Inspect(f, func(n ast.Node) bool {
			if s, ok := n.(*ast.SelectorExpr); ok {
				sels[s.Sel] = true
			}
			id, ok := n.(*ast.Ident)
			if !ok || sels[id] || id == f.Name {
				return true
			}
			name, internal := strings.CutPrefix(id.Name, "__dmPl")
			switch {
			case internal:
				names[name] = true
				names[strings.ToLower(name[:1])+name[1:]] = true
			case strings.HasPrefix(name, "__dm"), api[name], name == "_", types.Universe.Lookup(name) != nil:
			default:
				names[name] = true
			}
			return true
		})
	}
	out := make([]string, 0, len(names))
	for n := range names {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// TestPreludeNamesAreFree: a session that declares, as non-struct types,
// every name the prelude uses (T, R and K broke every cell that used them:
// "nil reflect type") still runs cells with those types through the
// prelude's Parallel calls, display, go statements and println.
func TestPreludeNamesAreFree(t *testing.T) {
	names := preludeNames(t)
	for _, must := range []string{"T", "R", "K", "f", "xs"} {
		if !contains(names, must) {
			t.Fatalf("the prelude's names %v lack %s: the scan is broken", names, must)
		}
	}
	k := start(t)
	var decl strings.Builder
	for _, n := range names {
		fmt.Fprintf(&decl, "type %s int\n", n)
	}
	ok(t, k, decl.String())
	r := ok(t, k, `import "fmt"
ys := ParallelCollect([]T{1, 2, 3}, func(x T) R { return R(x) * 2 }, WithMirrors(2))
g := ParallelGroupedBy([]T{1, 2, 3}, func(x T) K { return K(x % 2) })
m := CreateMirror(func(x T) R { return R(x) + 1 }, []T{5})
done := make(chan K)
go func(k K) { done <- k }(K(7))
println(T(1))
display.Text("shown")
fmt.Println(ys, g[0], g[1], m.Run(), <-done)
var t T = 4
t`)
	if got, want := r.Stream("stdout"), "[2 4 6] [2] [1 3] [6] 7\n"; got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	if got, want := r.Stream("stderr"), "1\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
	if got := result(r); got != "4" {
		t.Errorf("result %q, want 4", got)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
