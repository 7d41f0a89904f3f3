package frontend

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
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

// deferMethod rewrites a deferred method call `defer x.m(a)` into a call
// of a func declared for it, `func __dmDefer<cell>_<line>_<col>(r T, a0
// A) { r.m(a0) }`, with the receiver and arguments copied at the defer
// statement: yaegi reads the receiver of a deferred method call when the
// call runs, even from a copy (`for ... { c := &C{i}; defer c.Close() }`
// closed the last one three times), while it evaluates a declared func's
// arguments at the defer statement. It returns the replacement of the
// defer statement and the helper's declaration, or false when the call
// is not such a method call or a type it needs cannot be written at
// package level (a local type, a type parameter).
func (c *compiler) deferMethod(d *ast.DeferStmt) (stmt, helper string, ok bool) {
	m, ok := c.methodCall(d.Call)
	if !ok {
		return "", "", false
	}
	line, col := c.pos(c.coff(d.Pos()))
	name := fmt.Sprintf("__dmDefer%d_%d_%d", c.cell, line, col)
	var decls, args []string
	for i, x := range m.args {
		if m.constant[i] {
			args = append(args, x)
			continue
		}
		n := c.name("A")
		decls = append(decls, "var "+n+" "+m.types[i]+" = "+x)
		args = append(args, n)
	}
	helper = fmt.Sprintf("func %s(%s) { %s }", name, strings.Join(m.params, ", "), m.call)
	stmt = "{ " + strings.Join(decls, "; ") + "; defer " + name + "(" + strings.Join(args, ", ") + ") }"
	return stmt, helper, true
}

// goMethod does for `go x.m(a)` what deferMethod does for defer: yaegi's
// goroutine reads the receiver when it runs. The helper starts the
// goroutine on its parameters, fresh in each call:
// `func __dmGoM<cell>_<line>_<col>(cell int, r T, a0 A) { __dmGo(cell,
// func() { r.m(a0) }) }`.
func (c *compiler) goMethod(g *ast.GoStmt, cellExpr string) (stmt, helper string, ok bool) {
	m, ok := c.methodCall(g.Call)
	if !ok {
		return "", "", false
	}
	line, col := c.pos(c.coff(g.Pos()))
	name := fmt.Sprintf("__dmGoM%d_%d_%d", c.cell, line, col)
	helper = fmt.Sprintf("func %s(__dmc int, %s) { __dmGo(__dmc, func() { %s }) }", name, strings.Join(m.params, ", "), m.call)
	stmt = name + "(" + cellExpr + ", " + strings.Join(m.args, ", ") + ")"
	return stmt, helper, true
}

// methodParts is a method call taken apart for a helper func: its
// parameters (receiver first), the call on them, and the receiver and
// arguments as source with their types.
type methodParts struct {
	params   []string // "__dmp0 T", ...
	call     string   // "__dmp0.m(__dmp1)"
	args     []string // the receiver (or its address) and the arguments
	types    []string // their parameters' types
	constant []bool   // constants and nil, which need no variable
}

func (c *compiler) methodCall(call *ast.CallExpr) (methodParts, bool) {
	var m methodParts
	for _, pb := range c.pending {
		if pb.arg.Pos() <= call.Pos() && call.Pos() < pb.arg.End() {
			return m, false // a block runs in mirrors, which lack the cell's helpers
		}
	}
	f, isSel := ast.Unparen(call.Fun).(*ast.SelectorExpr)
	if !isSel || call.Ellipsis.IsValid() {
		return m, false
	}
	sel := c.chk.info.Selections[f]
	if sel == nil || sel.Kind() != types.MethodVal || c.viaAccessor(f) {
		return m, false
	}
	sig, isSig := c.chk.info.Types[call.Fun].Type.(*types.Signature)
	if !isSig {
		return m, false
	}
	if len(call.Args) == 1 {
		if _, tuple := c.chk.info.Types[call.Args[0]].Type.(*types.Tuple); tuple {
			return m, false
		}
	}
	recvT := sel.Recv()
	recvX := c.text(f.X)
	if ms, _ := sel.Obj().Type().(*types.Signature); ms != nil && ms.Recv() != nil {
		_, ptrMethod := ms.Recv().Type().(*types.Pointer)
		_, ptrRecv := recvT.Underlying().(*types.Pointer)
		if ptrMethod && !ptrRecv && !types.IsInterface(recvT) {
			recvT, recvX = types.NewPointer(recvT), "&("+recvX+")"
		}
	}
	paramTs := []types.Type{recvT}
	for i := range call.Args {
		paramTs = append(paramTs, paramType(sig, i))
	}
	for _, t := range paramTs {
		if t == nil || !c.packageLevel(t) {
			return m, false
		}
	}
	var inner []string
	for i, t := range paramTs {
		p := fmt.Sprintf("__dmp%d", i)
		ts := c.typeString(t)
		m.params = append(m.params, p+" "+ts)
		m.types = append(m.types, ts)
		if i == 0 {
			m.args, m.constant = append(m.args, recvX), append(m.constant, false)
			continue
		}
		inner = append(inner, p)
		a := call.Args[i-1]
		tv := c.chk.info.Types[a]
		m.args, m.constant = append(m.args, c.text(a)), append(m.constant, tv.Value != nil || tv.IsNil())
	}
	if s := c.nilVariadic(call); s != "" {
		inner = append(inner, s+"...")
	}
	m.call = fmt.Sprintf("__dmp0.%s(%s)", f.Sel.Name, strings.Join(inner, ", "))
	return m, true
}

// packageLevel reports whether t can be written in a declaration at
// package level: no local types, no type parameters.
func (c *compiler) packageLevel(t types.Type) bool {
	switch t := t.(type) {
	case *types.Basic:
		return true
	case *types.TypeParam:
		return false
	case *types.Named:
		obj := t.Obj()
		if obj.Pkg() != nil && obj.Parent() != obj.Pkg().Scope() {
			return false
		}
		for i := 0; i < t.TypeArgs().Len(); i++ {
			if !c.packageLevel(t.TypeArgs().At(i)) {
				return false
			}
		}
		return true
	case *types.Alias:
		return c.packageLevel(types.Unalias(t))
	case *types.Pointer:
		return c.packageLevel(t.Elem())
	case *types.Slice:
		return c.packageLevel(t.Elem())
	case *types.Array:
		return c.packageLevel(t.Elem())
	case *types.Chan:
		return c.packageLevel(t.Elem())
	case *types.Map:
		return c.packageLevel(t.Key()) && c.packageLevel(t.Elem())
	case *types.Signature:
		for _, tu := range []*types.Tuple{t.Params(), t.Results()} {
			for i := 0; i < tu.Len(); i++ {
				if !c.packageLevel(tu.At(i).Type()) {
					return false
				}
			}
		}
		return true
	case *types.Struct:
		for i := 0; i < t.NumFields(); i++ {
			if !c.packageLevel(t.Field(i).Type()) {
				return false
			}
		}
		return true
	case *types.Interface:
		for i := 0; i < t.NumExplicitMethods(); i++ {
			if !c.packageLevel(t.ExplicitMethod(i).Type()) {
				return false
			}
		}
		for i := 0; i < t.NumEmbeddeds(); i++ {
			if !c.packageLevel(t.EmbeddedType(i)) {
				return false
			}
		}
		return true
	}
	return false
}

// addHelper declares a helper func next to the code of pos: before the
// cell's declaration that holds it, or before the body func. Before: yaegi
// silently skips a deferred call, in a func literal, of a func declared
// later in the same source.
func (c *compiler) addHelper(pos token.Pos, helper string) {
	if c.inDecls(pos) {
		for _, d := range c.cellDecls {
			if d.Pos() <= pos && pos < d.End() {
				c.ed.insert(c.coff(d.Pos()), helper+"; ")
				return
			}
		}
	}
	c.bodyHelpers = append(c.bodyHelpers, helper)
}

// inFuncLit reports whether n lies in a func literal of the func around it.
func (c *compiler) inFuncLit(n ast.Node) bool {
	for p := c.parents[n]; p != nil; p = c.parents[p] {
		switch p.(type) {
		case *ast.FuncLit:
			return true
		case *ast.FuncDecl:
			return false
		}
	}
	return false
}
