package frontend

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strconv"
	"strings"
)

// The interpreter keeps a value of a session type that it stores in a
// compiled interface (error, fmt.Stringer) inside a wrapper struct: ==
// between such interface values panics or is false for the same pointer,
// and when the value is a struct the wrapper keeps only its last field, so
// a type assertion or type switch to the struct type fails and
// errors.As panics. Comparisons go through dmirror/gofmt's Eq, which
// looks through the wrappers; what needs the lost struct is refused,
// naming the type.

// compiledIface reports whether t is a compiled interface with methods,
// whose values the interpreter wraps.
func (c *compiler) compiledIface(t types.Type) bool {
	it, ok := t.Underlying().(*types.Interface)
	if !ok || it.NumMethods() == 0 {
		return false
	}
	n, ok := types.Unalias(t).(*types.Named)
	return ok && !c.interpretedNamed(n)
}

// sessionStruct reports whether t is a session type whose values are
// structs (not pointers to them).
func (c *compiler) sessionStruct(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || !c.interpretedNamed(n) {
		return false
	}
	_, isStruct := n.Underlying().(*types.Struct)
	return isStruct
}

// ifaceCompare rewrites == and != of interface values.
func (c *compiler) ifaceCompare(b *ast.BinaryExpr) {
	if b.Op != token.EQL && b.Op != token.NEQ {
		return
	}
	tx, ty := c.chk.info.Types[b.X], c.chk.info.Types[b.Y]
	if tx.Type == nil || ty.Type == nil || tx.IsNil() || ty.IsNil() {
		return
	}
	ix, iy := types.IsInterface(tx.Type), types.IsInterface(ty.Type)
	if isTypeParam(tx.Type) || isTypeParam(ty.Type) || !ix && !iy {
		return
	}
	for _, side := range []struct {
		e     ast.Expr
		t     types.Type
		iface types.Type
	}{{b.X, tx.Type, ty.Type}, {b.Y, ty.Type, tx.Type}} {
		st := side.t
		if conv := c.conversionArg(side.e); conv != nil {
			st = c.chk.info.Types[conv].Type
		}
		if c.sessionStruct(st) && (c.compiledIface(side.iface) || c.compiledIface(side.t)) {
			c.errAt(c.coff(b.Pos()), "comparing %s with a value of %s is not supported by the interpreter: it keeps struct values in %s incompletely (give %s pointer receivers and compare pointers)", c.goName(types.Unalias(side.iface)), c.goName(st), c.goName(side.iface), c.goName(st))
			return
		}
	}
	if !ix || !iy {
		if !isSessionType(tx.Type) && !isSessionType(ty.Type) {
			return
		}
	}
	prefix := "__dmgofmt.Eq("
	if b.Op == token.NEQ {
		prefix = "!" + prefix
	}
	c.ed.insert(c.coff(b.X.Pos()), prefix)
	c.ed.replace(c.coff(b.X.End()), c.coff(b.Y.Pos()), ", ")
	c.ed.insertOuter(c.coff(b.Y.End()), ")")
}

// conversionArg returns x when e is a conversion T(x) to an interface.
func (c *compiler) conversionArg(e ast.Expr) ast.Expr {
	call, ok := ast.Unparen(e).(*ast.CallExpr)
	if !ok || len(call.Args) != 1 {
		return nil
	}
	if tv := c.chk.info.Types[call.Fun]; tv.IsType() && types.IsInterface(tv.Type) {
		return call.Args[0]
	}
	return nil
}

func isTypeParam(t types.Type) bool {
	_, ok := t.(*types.TypeParam)
	return ok
}

// assertStruct refuses x.(T) of a session struct type T on a compiled
// interface: the interpreter's wrapper lost the struct.
func (c *compiler) assertStruct(a *ast.TypeAssertExpr) {
	if a.Type == nil {
		return // a type switch: see switchStructs
	}
	c.refuseAssert(a.X, a.Type)
}

func (c *compiler) refuseAssert(x, typ ast.Expr) {
	xt := c.chk.info.Types[x].Type
	tt := c.chk.info.Types[typ].Type
	if xt == nil || tt == nil || !c.compiledIface(xt) || !c.sessionStruct(tt) {
		return
	}
	c.errAt(c.coff(typ.Pos()), "a type assertion or type switch to %s on a value of %s is not supported by the interpreter: it keeps struct values in %s incompletely (give %s pointer receivers and use *%s)", c.goName(tt), c.goName(xt), c.goName(xt), c.goName(tt), c.goName(tt))
}

// switchSubject is the value a type switch switches on: x of x.(type).
func switchSubject(ts *ast.TypeSwitchStmt) ast.Expr {
	if s, ok := ts.Assign.(*ast.AssignStmt); ok {
		return s.Rhs[0].(*ast.TypeAssertExpr).X
	}
	return ts.Assign.(*ast.ExprStmt).X.(*ast.TypeAssertExpr).X
}

// switchStructs refuses the cases of a type switch that assertStruct
// would refuse.
func (c *compiler) switchStructs(ts *ast.TypeSwitchStmt) {
	x := switchSubject(ts)
	for _, cl := range ts.Body.List {
		for _, e := range cl.(*ast.CaseClause).List {
			c.refuseAssert(x, e)
		}
	}
}

// errorsAsStruct refuses errors.As into a session struct type, and
// errors.Is with a target of one with several fields: the wrapper lost
// the struct.
func (c *compiler) errorsAsStruct(call *ast.CallExpr, fn *types.Func) {
	if fn.FullName() == "errors.Is" && len(call.Args) == 2 {
		t := c.chk.info.Types[call.Args[1]].Type
		if conv := c.conversionArg(call.Args[1]); conv != nil {
			t = c.chk.info.Types[conv].Type
		}
		// With one field, what the wrapper keeps is that field, which
		// errors.Is (interp/vm) compares right but for the type.
		if st, ok := t.Underlying().(*types.Struct); ok && c.sessionStruct(t) && st.NumFields() > 1 {
			c.errAt(c.coff(call.Args[1].Pos()), "errors.Is with a target of %s is not supported by the interpreter: it keeps struct values in error incompletely (give %s pointer receivers and use a pointer target)", c.goName(t), c.goName(t))
		}
		return
	}
	if fn.FullName() != "errors.As" || len(call.Args) != 2 {
		return
	}
	p, ok := c.chk.info.Types[call.Args[1]].Type.(*types.Pointer)
	if !ok || !c.sessionStruct(p.Elem()) {
		return
	}
	c.errAt(c.coff(call.Args[1].Pos()), "errors.As into %s is not supported by the interpreter: it keeps struct values in error incompletely (give %s pointer receivers and use a *%s target)", c.goName(p.Elem()), c.goName(p.Elem()), c.goName(p.Elem()))
}

// commaOk rewrites `v, ok := x.(T)` (and `=`, `var`): when the assertion
// fails, the interpreter leaves v as it was, which in a loop is the value
// of an earlier iteration (Go makes it T's zero value), and it panics on a
// nil x asserted to an interface.
func (c *compiler) commaOk(lhs int, rhs []ast.Expr) {
	if lhs != 2 || len(rhs) != 1 {
		return
	}
	a, ok := ast.Unparen(rhs[0]).(*ast.TypeAssertExpr)
	if !ok || a.Type == nil {
		return
	}
	tt := c.chk.info.Types[a.Type].Type
	if tt == nil {
		return
	}
	t := c.typeString(tt)
	c.ed.replaceFunc(c.coff(rhs[0].Pos()), c.coff(rhs[0].End()), func() string {
		x := c.text(a.X)
		if c.wrappedToIface(a) {
			x = c.noWrap(x, a)
		}
		// Named results start at their zero values in every call. A nil
		// value fails every assertion: the interpreter panics asserting it
		// to an interface.
		return fmt.Sprintf("func() (__dmv %s, __dmok bool) { if __dmx := (%s); __dmx != nil { __dmv, __dmok = __dmx.(%s) }; return }()", t, x, t)
	})
}

// wrappedToIface reports whether a asserts a compiled interface value to
// another interface: if the value is of a session type, the interpreter's
// wrapper has only the first interface's methods and the assertion fails.
func (c *compiler) wrappedToIface(a *ast.TypeAssertExpr) bool {
	xt := c.chk.info.Types[a.X].Type
	tt := c.chk.info.Types[a.Type].Type
	return xt != nil && tt != nil && c.compiledIface(xt) && types.IsInterface(tt) && !types.AssignableTo(xt, tt)
}

// noWrap makes x fail with an error naming the construct when it holds a
// value of a session type, where Go's answer cannot be given.
func (c *compiler) noWrap(x string, a *ast.TypeAssertExpr) string {
	what := fmt.Sprintf("cell[%d] line %d: type assertion to %s of a value of type %s", c.cell, c.lineOf(a.Pos()), c.goName(c.chk.info.Types[a.Type].Type), c.goName(c.chk.info.Types[a.X].Type))
	return fmt.Sprintf("__dmgofmt.NoWrap(%s, %s).(%s)", x, strconv.Quote(what), c.typeString(c.chk.info.Types[a.X].Type))
}

func (c *compiler) lineOf(p token.Pos) int {
	line, _ := c.pos(c.coff(p))
	return line
}

// ifaceAssert guards x.(I) of a compiled interface value (see noWrap).
func (c *compiler) ifaceAssert(a *ast.TypeAssertExpr) {
	if a.Type == nil || !c.wrappedToIface(a) {
		return
	}
	if as, ok := c.parents[a].(*ast.AssignStmt); ok && len(as.Lhs) == 2 {
		return // commaOk
	}
	if vs, ok := c.parents[a].(*ast.ValueSpec); ok && len(vs.Names) == 2 {
		return
	}
	c.ed.replaceFunc(c.coff(a.X.Pos()), c.coff(a.X.End()), func() string { return c.noWrap(c.text(a.X), a) })
}

// wrappedSwitch rewrites a type switch on a compiled interface value, on
// which the interpreter matches no case of a session type, into an
// expression switch of comma-ok assertions (which do match), and reports
// whether it did.
func (c *compiler) wrappedSwitch(ts *ast.TypeSwitchStmt) bool {
	var x ast.Expr
	var bind string
	switch s := ts.Assign.(type) {
	case *ast.ExprStmt:
		x = s.X.(*ast.TypeAssertExpr).X
	case *ast.AssignStmt:
		x = s.Rhs[0].(*ast.TypeAssertExpr).X
		bind = s.Lhs[0].(*ast.Ident).Name
	default:
		return false
	}
	xt := c.chk.info.Types[x].Type
	if xt == nil || !(c.compiledIface(xt) || c.methodCasesOnAny(xt, ts)) {
		return false
	}
	if _, labelled := c.parents[ts].(*ast.LabeledStmt); labelled {
		return false
	}
	v := c.name("TSv")
	c.ed.replaceFunc(c.coff(ts.Pos()), c.coff(ts.Body.Lbrace)+1, func() string {
		init := ""
		if ts.Init != nil {
			init = c.text(ts.Init) + "; "
		}
		return "{ " + init + v + " := " + c.text(x) + "; switch {"
	})
	c.ed.insertOuter(c.coff(ts.End()), " }")
	for _, s := range ts.Body.List {
		cl := s.(*ast.CaseClause)
		c.ed.replaceFunc(c.coff(cl.Case), c.coff(cl.Colon)+1, func() string {
			return c.switchCase(cl, v, xt, bind)
		})
	}
	return true
}

// switchCase renders one case of wrappedSwitch.
func (c *compiler) switchCase(cl *ast.CaseClause, v string, xt types.Type, bind string) string {
	var conds []string
	for _, e := range cl.List {
		tv := c.chk.info.Types[e]
		switch {
		case tv.IsNil():
			conds = append(conds, v+" == nil")
		case types.AssignableTo(xt, tv.Type):
			conds = append(conds, v+" != nil")
		default:
			x := v
			if types.IsInterface(tv.Type) {
				x = fmt.Sprintf("__dmgofmt.NoWrap(%s, %s).(%s)", v, strconv.Quote(fmt.Sprintf("cell[%d] line %d: type switch case %s on a value of type %s", c.cell, c.lineOf(e.Pos()), c.goName(tv.Type), c.goName(xt))), c.typeString(xt))
			}
			conds = append(conds, fmt.Sprintf("func() bool { _, __dmok := %s.(%s); return __dmok }()", x, c.text(e)))
		}
	}
	head := "default:"
	if cl.List != nil {
		head = "case " + strings.Join(conds, " || ") + ":"
	}
	if bind == "" {
		return head
	}
	if len(cl.List) == 1 && !c.chk.info.Types[cl.List[0]].IsNil() {
		t := c.chk.info.Types[cl.List[0]].Type
		if types.AssignableTo(xt, t) {
			return fmt.Sprintf("%s var %s %s = %s; _ = %s;", head, bind, c.text(cl.List[0]), v, bind)
		}
		return fmt.Sprintf("%s %s := %s.(%s); _ = %s;", head, bind, v, c.text(cl.List[0]), bind)
	}
	return fmt.Sprintf("%s %s := %s; _ = %s;", head, bind, v, bind)
}

// ifaceSwitch rewrites a switch whose tag is an interface value into an
// expression switch of gofmt.Eq, as ifaceCompare does for ==: the
// interpreter panics converting an error to a session pointer type
// (`switch err { case errGone: }`) or compares wrappers.
// ifaceSwitched reports whether ifaceSwitch rewrites s (its init, if any,
// then goes into the block it makes, which switchInit must leave alone).
func (c *compiler) ifaceSwitched(s *ast.SwitchStmt) bool {
	if s.Tag == nil {
		return false
	}
	tt := c.chk.info.Types[s.Tag].Type
	if tt == nil || !types.IsInterface(tt) || isTypeParam(tt) {
		return false
	}
	_, labelled := c.parents[s].(*ast.LabeledStmt)
	return !labelled
}

func (c *compiler) ifaceSwitch(s *ast.SwitchStmt) {
	if s.Tag == nil {
		c.orCases(s)
		return
	}
	if !c.ifaceSwitched(s) {
		return
	}
	tt := c.chk.info.Types[s.Tag].Type
	for _, st := range s.Body.List {
		for _, e := range st.(*ast.CaseClause).List {
			if et := c.chk.info.Types[e].Type; et != nil && c.sessionStruct(et) && c.compiledIface(tt) {
				c.errAt(c.coff(e.Pos()), "comparing %s with a value of %s is not supported by the interpreter: it keeps struct values in %s incompletely (give %s pointer receivers and compare pointers)", c.goName(tt), c.goName(et), c.goName(tt), c.goName(et))
				return
			}
		}
	}
	v := c.name("Sw")
	c.ed.replaceFunc(c.coff(s.Pos()), c.coff(s.Body.Lbrace)+1, func() string {
		init := ""
		if s.Init != nil {
			init = c.text(s.Init) + "; "
		}
		return "{ " + init + v + " := " + c.text(s.Tag) + "; switch {"
	})
	c.ed.insertOuter(c.coff(s.End()), " }")
	for _, st := range s.Body.List {
		cl := st.(*ast.CaseClause)
		if cl.List == nil {
			continue
		}
		c.ed.replaceFunc(c.coff(cl.Case), c.coff(cl.Colon)+1, func() string {
			var conds []string
			for _, e := range cl.List {
				if c.chk.info.Types[e].IsNil() {
					conds = append(conds, v+" == nil")
					continue
				}
				conds = append(conds, "__dmgofmt.Eq("+v+", "+c.text(e)+")")
			}
			return "case " + strings.Join(conds, " || ") + ":"
		})
	}
}

// orCases joins the expressions of a case of a switch without a tag with
// ||: the interpreter tests only the first (`case n == 1, n == 2:` did not
// match 2). Go tests them in order and stops at the first true one, as ||.
func (c *compiler) orCases(s *ast.SwitchStmt) {
	for _, st := range s.Body.List {
		cl := st.(*ast.CaseClause)
		if len(cl.List) < 2 {
			continue
		}
		// Edits, not a rendering of the list: rendering an expression
		// leaves out what other rewrites append to it (Eq's parenthesis).
		for i, e := range cl.List {
			c.ed.insert(c.coff(e.Pos()), "(")
			if i+1 < len(cl.List) {
				c.ed.replace(c.coff(e.End()), c.coff(cl.List[i+1].Pos()), ") || ")
			} else {
				c.ed.insertOuter(c.coff(e.End()), ")")
			}
		}
	}
}
