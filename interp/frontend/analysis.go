package frontend

import (
	"go/ast"
	"go/token"
	"go/types"
	"sort"
)

// refs is what a piece of code refers to: package variables (and which of
// them it may write) and package funcs and methods.
type refs struct {
	vars   map[*types.Var]bool // value: written
	funcs  map[types.Object]bool
	ifaces map[string]bool // methods called through interfaces, by name
}

// depGraph finds the package variables code uses directly and through the
// session's funcs and methods it calls.
type depGraph struct {
	info    *types.Info
	pkg     *types.Package
	decls   map[types.Object]*ast.FuncDecl
	methods map[string][]types.Object
	memo    map[types.Object]*refs
}

func newDepGraph(chk *checked) *depGraph {
	g := &depGraph{info: chk.info, pkg: chk.pkg, decls: map[types.Object]*ast.FuncDecl{}, methods: map[string][]types.Object{}, memo: map[types.Object]*refs{}}
	for _, d := range chk.file.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		obj := chk.info.Defs[fd.Name]
		if obj == nil {
			continue
		}
		g.decls[obj] = fd
		if fd.Recv != nil {
			g.methods[fd.Name.Name] = append(g.methods[fd.Name.Name], obj)
		}
	}
	return g
}

func (g *depGraph) isPkgVar(v *types.Var) bool {
	return v != nil && !v.IsField() && v.Pkg() == g.pkg && v.Parent() == g.pkg.Scope()
}

// direct collects the references of node.
func (g *depGraph) direct(node ast.Node) *refs {
	r := &refs{vars: map[*types.Var]bool{}, funcs: map[types.Object]bool{}, ifaces: map[string]bool{}}
	ast.Inspect(node, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Ident:
			switch o := g.info.Uses[n].(type) {
			case *types.Var:
				if g.isPkgVar(o) {
					if _, ok := r.vars[o]; !ok {
						r.vars[o] = false
					}
				}
			case *types.Func:
				r.funcs[o.Origin()] = true
			}
		case *ast.SelectorExpr:
			if sel := g.info.Selections[n]; sel != nil {
				if f, ok := sel.Obj().(*types.Func); ok {
					if types.IsInterface(sel.Recv()) {
						r.ifaces[f.Name()] = true
					} else {
						r.funcs[f.Origin()] = true
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
				r.vars[v] = true
			}
			return
		default:
			return
		}
	}
}

func (g *depGraph) ofFunc(obj types.Object) *refs {
	if r, ok := g.memo[obj]; ok {
		return r
	}
	g.memo[obj] = &refs{vars: map[*types.Var]bool{}, funcs: map[types.Object]bool{}, ifaces: map[string]bool{}}
	fd := g.decls[obj]
	if fd == nil {
		return g.memo[obj]
	}
	r := g.direct(fd.Body)
	g.memo[obj] = r
	return r
}

// closure returns the package variables node uses, directly or through
// the funcs and methods it may call, with whether they may be written.
func (g *depGraph) closure(node ast.Node) map[*types.Var]bool {
	out := map[*types.Var]bool{}
	seen := map[types.Object]bool{}
	var visit func(r *refs)
	visit = func(r *refs) {
		for v, w := range r.vars {
			out[v] = out[v] || w
		}
		var next []types.Object
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

func sortedNames(vars map[*types.Var]bool, keep func(*types.Var, bool) bool) []string {
	var out []string
	for v, w := range vars {
		if keep(v, w) {
			out = append(out, v.Name())
		}
	}
	sort.Strings(out)
	return out
}

// computeTouched lists the package variables the cell may change.
func (c *compiler) computeTouched() {
	used := c.deps.closure(c.bodyFunc.Body)
	names := sortedNames(used, func(v *types.Var, written bool) bool { return written || mayAlias(v.Type()) })
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
