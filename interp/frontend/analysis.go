package frontend

import (
	"go/ast"
	"go/token"
	"go/types"
	"sort"
	"strings"
)

// refs is what a piece of code refers to, by name: package variables (and
// whether it may write them) and the session's funcs ("f") and methods
// ("T.m"). Names, not objects, so that the refs of committed funcs can be
// kept with them and their bodies need not be checked again.
type refs struct {
	vars   map[string]bool // value: written
	funcs  map[string]bool
	ifaces map[string]bool // methods called through interfaces, by name
}

func newRefs() *refs {
	return &refs{vars: map[string]bool{}, funcs: map[string]bool{}, ifaces: map[string]bool{}}
}

// depGraph finds the package variables code uses directly and through the
// session's funcs and methods it calls.
type depGraph struct {
	info    *types.Info
	pkg     *types.Package
	decls   map[string]*ast.FuncDecl
	stored  map[string]*refs // refs kept with committed funcs
	methods map[string][]string
	memo    map[string]*refs
}

func newDepGraph(chk *checked, committed []*declItem) *depGraph {
	g := &depGraph{info: chk.info, pkg: chk.pkg, decls: map[string]*ast.FuncDecl{}, stored: map[string]*refs{},
		methods: map[string][]string{}, memo: map[string]*refs{}}
	for _, d := range chk.file.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		key := declKey(fd)
		g.decls[key] = fd
		if fd.Recv != nil {
			g.methods[fd.Name.Name] = append(g.methods[fd.Name.Name], key)
		}
	}
	for _, d := range committed {
		if d.refs != nil {
			g.stored[d.names[0]] = d.refs
		}
		// The check file may not hold every committed method (see
		// checkItems): an interface call may reach any of them.
		if _, m, ok := strings.Cut(d.names[0], "."); ok && g.decls[d.names[0]] == nil {
			g.methods[m] = append(g.methods[m], d.names[0])
		}
	}
	return g
}

// declKey names a func declaration as refs do.
func declKey(fd *ast.FuncDecl) string {
	if fd.Recv != nil && len(fd.Recv.List) == 1 {
		return recvTypeName(fd.Recv.List[0].Type) + "." + fd.Name.Name
	}
	return fd.Name.Name
}

// funcKey names a func or method of the session as refs do, "" for others.
func (g *depGraph) funcKey(f *types.Func) string {
	if !g.inSession(f) {
		return ""
	}
	sig, ok := f.Type().(*types.Signature)
	if !ok || sig.Recv() == nil {
		return f.Name()
	}
	t := sig.Recv().Type()
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	if n, ok := t.(*types.Named); ok {
		return n.Origin().Obj().Name() + "." + f.Name()
	}
	return ""
}

func (g *depGraph) isPkgVar(v *types.Var) bool {
	return v != nil && !v.IsField() && g.inSession(v) && v.Parent() == v.Pkg().Scope()
}

// inSession reports whether obj is declared by the session or its
// prelude, which is checked as a package of its own with the same path.
func (g *depGraph) inSession(obj types.Object) bool {
	return obj.Pkg() == g.pkg || obj.Pkg() != nil && g.pkg != nil && obj.Pkg().Path() == g.pkg.Path()
}

// direct collects the references of node.
func (g *depGraph) direct(node ast.Node) *refs {
	r := newRefs()
	ast.Inspect(node, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			switch o := g.info.Uses[n].(type) {
			case *types.Var:
				if g.isPkgVar(o) {
					if _, ok := r.vars[o.Name()]; !ok {
						r.vars[o.Name()] = false
					}
				}
			case *types.Func:
				if k := g.funcKey(o.Origin()); k != "" {
					r.funcs[k] = true
				}
			}
		case *ast.SelectorExpr:
			if sel := g.info.Selections[n]; sel != nil {
				if f, ok := sel.Obj().(*types.Func); ok {
					if types.IsInterface(sel.Recv()) {
						r.ifaces[f.Name()] = true
					} else {
						if k := g.funcKey(f.Origin()); k != "" {
							r.funcs[k] = true
						}
						if sig, ok := f.Type().(*types.Signature); ok && sig.Recv() != nil {
							if _, ptr := sig.Recv().Type().(*types.Pointer); ptr {
								g.written(r, n.X)
							}
						}
					}
				}
			}
		case *ast.AssignStmt:
			for _, l := range n.Lhs {
				g.written(r, l)
			}
		case *ast.IncDecStmt:
			g.written(r, n.X)
		case *ast.RangeStmt:
			if n.Tok == token.ASSIGN {
				if n.Key != nil {
					g.written(r, n.Key)
				}
				if n.Value != nil {
					g.written(r, n.Value)
				}
			}
		case *ast.UnaryExpr:
			if n.Op == token.AND {
				g.written(r, n.X)
			}
		}
		return true
	})
	return r
}

// written marks the variable at the root of e (x in x.f[1].g) as written.
func (g *depGraph) written(r *refs, e ast.Expr) {
	for {
		switch x := e.(type) {
		case *ast.ParenExpr:
			e = x.X
		case *ast.SelectorExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.Ident:
			if v, ok := g.info.Uses[x].(*types.Var); ok && g.isPkgVar(v) {
				r.vars[v.Name()] = true
			}
			return
		default:
			return
		}
	}
}

// ofFunc returns the direct refs of the func or method key: kept with a
// committed func, or found in its checked body.
func (g *depGraph) ofFunc(key string) *refs {
	if r, ok := g.memo[key]; ok {
		return r
	}
	r := g.stored[key]
	if r == nil {
		if fd := g.decls[key]; fd != nil {
			r = g.direct(fd.Body)
		} else {
			r = newRefs()
		}
	}
	g.memo[key] = r
	return r
}

// closure returns the package variables node uses, directly or through
// the funcs and methods it may call, with whether they may be written.
func (g *depGraph) closure(node ast.Node) map[string]bool {
	out := map[string]bool{}
	seen := map[string]bool{}
	var visit func(r *refs)
	visit = func(r *refs) {
		for v, w := range r.vars {
			out[v] = out[v] || w
		}
		var next []string
		for f := range r.funcs {
			next = append(next, f)
		}
		for name := range r.ifaces {
			next = append(next, g.methods[name]...)
		}
		for _, f := range next {
			if seen[f] {
				continue
			}
			seen[f] = true
			visit(g.ofFunc(f))
		}
	}
	visit(g.direct(node))
	return out
}

// holdsFunc reports whether values of t may hold a func value.
func holdsFunc(t types.Type) bool {
	return holding(t, map[types.Type]bool{})
}

func holding(t types.Type, seen map[types.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch u := t.Underlying().(type) {
	case *types.Signature:
		return true
	case *types.Pointer:
		return holding(u.Elem(), seen)
	case *types.Slice:
		return holding(u.Elem(), seen)
	case *types.Array:
		return holding(u.Elem(), seen)
	case *types.Map:
		return holding(u.Elem(), seen)
	case *types.Chan:
		return holding(u.Elem(), seen)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if holding(u.Field(i).Type(), seen) {
				return true
			}
		}
	}
	return false
}

// mayAlias reports whether values of t share memory when copied, so that
// a cell may change a variable of that type without assigning it.
func mayAlias(t types.Type) bool {
	return aliasing(t, map[types.Type]bool{})
}

func aliasing(t types.Type, seen map[types.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch u := t.Underlying().(type) {
	case *types.Basic:
		return false
	case *types.Array:
		return aliasing(u.Elem(), seen)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if aliasing(u.Field(i).Type(), seen) {
				return true
			}
		}
		return false
	default:
		return true
	}
}

func sortedNames(vars map[string]bool, keep func(name string, written bool) bool) []string {
	var out []string
	for v, w := range vars {
		if keep(v, w) {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

// computeTouched lists the package variables the cell may change.
func (c *compiler) computeTouched() {
	used := c.deps.closure(c.bodyFunc.Body)
	for _, fd := range c.entryDecls() { // the cell runs them
		for v, w := range c.deps.closure(fd.Body) {
			used[v] = used[v] || w
		}
	}
	scope := c.chk.pkg.Scope()
	for name := range used {
		if v, ok := scope.Lookup(name).(*types.Var); ok && holdsFunc(v.Type()) {
			// A func value from an earlier cell may write any variable:
			// its body is not known here.
			for _, n := range c.sessionVars() {
				used[n] = true
			}
			break
		}
	}
	names := sortedNames(used, func(name string, written bool) bool {
		v, _ := scope.Lookup(name).(*types.Var)
		return written || v == nil || mayAlias(v.Type())
	})
	seen := map[string]bool{}
	for _, n := range names {
		seen[n] = true
	}
	for _, p := range c.promoted {
		if !seen[p.name] {
			names = append(names, p.name)
			seen[p.name] = true
		}
	}
	sort.Strings(names)
	c.touched = names
}

// funcRefs returns the direct refs of the func declared by a declaration
// of the cell, to keep with it.
func (c *compiler) funcRefs(start, end int) *refs {
	for _, d := range c.cellDecls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		if off := c.coff(fd.Pos()); off >= start && off < end {
			return c.deps.ofFunc(declKey(fd))
		}
	}
	return nil
}
