package frontend

import (
	"go/ast"
	"go/token"
	"go/types"
	"regexp"
	"strings"
	"sync"
)

// preludePkg is the prelude's stubs type-checked once, as their own
// package with path "main". Every check of a cell declares the prelude's
// objects in its package scope instead of checking the stubs again: that
// check was most of the cost of compiling a small cell.
type preludePkg struct {
	once  sync.Once
	pkg   *types.Package
	types map[string]bool // the prelude's type names, for methods declared on them
	qual  *regexp.Regexp  // "main.X" for the prelude's names X, in error messages
}

// get checks the stubs on first use: importing what they import from
// source takes a while, and an Image that never compiles need not pay it.
func (p *preludePkg) get(fset *token.FileSet, imp types.Importer, files []*ast.File) *preludePkg {
	p.once.Do(func() {
		conf := types.Config{
			GoVersion: interpreterGoVersion,
			Importer:  imp,
			Error:     func(error) {}, // the prelude's stubs are not the user's problem
		}
		p.pkg, _ = conf.Check("main", fset, files, nil)
		p.types = map[string]bool{}
		var names []string
		for _, n := range p.pkg.Scope().Names() {
			if _, ok := p.pkg.Scope().Lookup(n).(*types.TypeName); ok {
				p.types[n] = true
			}
			names = append(names, regexp.QuoteMeta(n))
		}
		p.qual = regexp.MustCompile(`(^|[^\p{L}\p{N}_.])main\.((?:` + strings.Join(names, "|") + `)\b)`)
	})
	return p
}

// sessionPackage returns a new package "main" whose scope holds the
// prelude's objects, to check a session file into.
func (p *preludePkg) sessionPackage() *types.Package {
	pkg := types.NewPackage("main", "")
	for _, n := range p.pkg.Scope().Names() {
		pkg.Scope().Insert(p.pkg.Scope().Lookup(n))
	}
	return pkg
}

// extends reports whether f declares a method on a prelude type: checking
// it adds the method to the prelude's type, so such a file is checked
// together with the stubs instead.
func (p *preludePkg) extends(f *ast.File) bool {
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv != nil && len(fd.Recv.List) == 1 && p.types[recvTypeName(fd.Recv.List[0].Type)] {
			return true
		}
	}
	return false
}

// unqualify removes the package name go/types writes before the
// prelude's names in errors (they belong to another *types.Package than
// the one checked), so that messages read as when the stubs were checked
// with the session.
func (p *preludePkg) unqualify(msg string) string {
	if !strings.Contains(msg, "main.") {
		return msg
	}
	return p.qual.ReplaceAllString(msg, "$1$2")
}

// preludeInternal prefixes the prelude's internal names (type parameters,
// parameters, fields): user code cannot declare them, so they never collide
// with the user's (yaegi confuses a type parameter T with a user type T).
const preludeInternal = "__dmPl"

// preludeNames shows the prelude's internal names as they read in the
// documentation (T, not __dmPlT) in messages and signatures.
func preludeNames(s string) string { return strings.ReplaceAll(s, preludeInternal, "") }
