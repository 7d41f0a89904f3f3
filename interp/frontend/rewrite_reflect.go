package frontend

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
)

// reflectArgs refuses package reflect on values and types of session
// types: they are interpreted, and reflection sees what the interpreter
// made of them, an unnamed struct without methods whose unexported
// fields are renamed (reflect.TypeOf(c).Name() was "", NumMethod 0, a
// field "private" was "Xprivate", and MethodByName(...).Call panicked),
// or the underlying type of a named basic type.
func (c *compiler) reflectArgs(call *ast.CallExpr, fn *types.Func) {
	var t types.Type
	switch fn.FullName() {
	case "reflect.TypeOf", "reflect.ValueOf":
		if len(call.Args) == 1 {
			t = c.chk.info.Types[call.Args[0]].Type
		}
	case "reflect.TypeFor":
		if inst, ok := c.chk.info.Instances[calleeIdent(call)]; ok && inst.TypeArgs.Len() == 1 {
			t = inst.TypeArgs.At(0)
		}
	}
	if t == nil {
		return
	}
	if s := c.sessionTypeIn(t, map[types.Type]bool{}); s != nil {
		c.errAt(c.coff(call.Pos()), "%s of %s is not supported by the interpreter: session types have no name, methods or unexported fields at run time, so reflection would not see %s as Go does", "reflect."+fn.Name(), c.goName(t), c.goName(s))
	}
}

// calleeIdent is the identifier a call names its func by, or nil.
func calleeIdent(call *ast.CallExpr) *ast.Ident {
	fun := ast.Unparen(call.Fun)
	if ix, ok := fun.(*ast.IndexExpr); ok {
		fun = ix.X
	}
	switch f := fun.(type) {
	case *ast.Ident:
		return f
	case *ast.SelectorExpr:
		return f.Sel
	}
	return nil
}

// sessionTypeIn finds a session type (not an interface) that values of t
// hold, other than in interfaces.
func (c *compiler) sessionTypeIn(t types.Type, seen map[types.Type]bool) types.Type {
	if t == nil || seen[t] {
		return nil
	}
	seen[t] = true
	switch u := types.Unalias(t).(type) {
	case *types.Named:
		if c.interpretedNamed(u) && !types.IsInterface(u) {
			return u
		}
		return nil
	case *types.Pointer:
		return c.sessionTypeIn(u.Elem(), seen)
	case *types.Slice:
		return c.sessionTypeIn(u.Elem(), seen)
	case *types.Array:
		return c.sessionTypeIn(u.Elem(), seen)
	case *types.Chan:
		return c.sessionTypeIn(u.Elem(), seen)
	case *types.Map:
		if s := c.sessionTypeIn(u.Key(), seen); s != nil {
			return s
		}
		return c.sessionTypeIn(u.Elem(), seen)
	case *types.Struct:
		for i := 0; i < u.NumFields(); i++ {
			if s := c.sessionTypeIn(u.Field(i).Type(), seen); s != nil {
				return s
			}
		}
	case *types.Signature:
		for _, tup := range []*types.Tuple{u.Params(), u.Results()} {
			for i := 0; i < tup.Len(); i++ {
				if s := c.sessionTypeIn(tup.At(i).Type(), seen); s != nil {
					return s
				}
			}
		}
	}
	return nil
}

// reflectPkgPath wraps a read of reflect's PkgPath (the method of
// reflect.Type, the field of reflect.StructField and reflect.Method) in
// the prelude's __dmMainPath: compiled session types live in a generated
// package (dmirror.session/build-…/dmsgenN), which is main in a Go program
// (reflect.TypeOf(p).PkgPath() printed the generated path).
func (c *compiler) reflectPkgPath(sel *ast.SelectorExpr) {
	if sel.Sel.Name != "PkgPath" || !c.compiledDecls {
		return
	}
	s := c.chk.info.Selections[sel]
	if s == nil || !isReflectType(s.Recv()) {
		return
	}
	end := sel.End()
	switch s.Kind() {
	case types.MethodVal:
		call, ok := c.parents[sel].(*ast.CallExpr)
		if !ok || call.Fun != sel {
			return // a method value
		}
		end = call.End()
	case types.FieldVal:
		switch p := c.parents[sel].(type) {
		case *ast.AssignStmt:
			if slices.Contains(p.Lhs, ast.Expr(sel)) {
				return
			}
		case *ast.UnaryExpr:
			if p.Op == token.AND {
				return
			}
		}
	default:
		return
	}
	c.ed.insert(c.coff(sel.Pos()), "__dmMainPath(")
	c.ed.insert(c.coff(end), ")")
}

// isReflectType reports whether t, or what it points to, is a named type
// of package reflect.
func isReflectType(t types.Type) bool {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "reflect"
}
