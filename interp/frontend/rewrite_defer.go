package frontend

import (
	"go/ast"
	"go/types"
)

// yaegi deadlocks when a func literal is called while the func that made
// it runs its deferred calls (the literal's return locks that func's
// frame, which the deferred calls hold): `cleanup := func() {...};
// defer cleanup()` hangs. A func literal that a deferred call calls is
// therefore made by a func literal of its own, whose frame is free:
// `cleanup := func() func() { return func() {...} }()`. Such a literal
// cannot recover (yaegi's recover looks at the frame that made it), so a
// deferred literal held in a variable that calls recover is refused.

// enclosingBody returns the body of the func (declaration or literal)
// that n lies in.
func (c *compiler) enclosingBody(n ast.Node) *ast.BlockStmt {
	for p := c.parents[n]; p != nil; p = c.parents[p] {
		switch f := p.(type) {
		case *ast.FuncLit:
			return f.Body
		case *ast.FuncDecl:
			return f.Body
		}
		if c.bodyFunc != nil && p == c.bodyFunc.Body {
			return c.bodyFunc.Body
		}
	}
	return nil
}

// deferredLiterals rewrites the func literals assigned, in the func that
// holds d, to the variables that d's call calls: the deferred func itself,
// or funcs a deferred func literal calls.
func (c *compiler) deferredLiterals(d *ast.DeferStmt) {
	body := c.enclosingBody(d)
	if body == nil {
		return
	}
	direct := c.calledVar(d.Call.Fun)
	targets := map[types.Object]bool{}
	if direct != nil {
		targets[direct] = true
	}
	if lit, ok := ast.Unparen(d.Call.Fun).(*ast.FuncLit); ok {
		ast.Inspect(lit.Body, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if v := c.calledVar(call.Fun); v != nil {
					targets[v] = true
				}
			}
			return true
		})
	}
	if len(targets) == 0 {
		return
	}
	ast.Inspect(body, func(n ast.Node) bool {
		var lhs, rhs []ast.Expr
		switch s := n.(type) {
		case *ast.AssignStmt:
			lhs, rhs = s.Lhs, s.Rhs
		case *ast.ValueSpec:
			for _, id := range s.Names {
				lhs = append(lhs, id)
			}
			rhs = s.Values
		default:
			return true
		}
		if len(lhs) != len(rhs) {
			return true
		}
		for i, l := range lhs {
			id, ok := l.(*ast.Ident)
			lit, isLit := ast.Unparen(rhs[i]).(*ast.FuncLit)
			if !ok || !isLit {
				continue
			}
			obj := c.chk.info.Defs[id]
			if obj == nil {
				obj = c.chk.info.Uses[id]
			}
			if !targets[obj] {
				continue
			}
			if obj == direct && callsRecover(c.chk.info, lit) {
				c.errAt(c.coff(d.Pos()), "defer of %s, a func literal held in a variable that calls recover, is not supported by the interpreter (it hangs): defer the func literal itself", id.Name)
				continue
			}
			t := c.typeString(c.chk.info.Types[lit].Type)
			c.ed.insert(c.coff(lit.Pos()), "func() "+t+" { return ")
			c.ed.insertOuter(c.coff(lit.End()), " }()")
		}
		return true
	})
}

// calledVar returns the variable of func type that fun names, if any.
func (c *compiler) calledVar(fun ast.Expr) types.Object {
	id := identOf(fun)
	if id == nil {
		return nil
	}
	if v, ok := c.chk.info.Uses[id].(*types.Var); ok {
		return v
	}
	return nil
}

// callsRecover reports whether lit calls recover itself (not in a nested
// func literal).
func callsRecover(info *types.Info, lit *ast.FuncLit) bool {
	found := false
	ast.Inspect(lit.Body, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			if id := identOf(x.Fun); id != nil {
				if b, ok := info.Uses[id].(*types.Builtin); ok && b.Name() == "recover" {
					found = true
				}
			}
		}
		return !found
	})
	return found
}
