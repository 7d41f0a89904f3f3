package frontend

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// Valid Go that yaegi rejects or runs into a panic, rewritten into
// equivalent Go it runs (issue 9 point 10).

// caseLabel puts a labelled statement that is directly in a case clause
// into a block: yaegi does not find such labels ("undefined: loop"). A
// label that a goto targets stays (a goto cannot jump into a block).
func (c *compiler) caseLabel(l *ast.LabeledStmt) {
	switch c.parents[l].(type) {
	case *ast.CaseClause, *ast.CommClause:
	default:
		return
	}
	if c.gotoTargets()[c.chk.info.Defs[l.Label]] {
		return
	}
	c.ed.insert(c.coff(l.Pos()), "{ ")
	c.ed.insertOuter(c.coff(l.End()), " }")
}

// gotoTargets are the labels goto statements of the cell name.
func (c *compiler) gotoTargets() map[types.Object]bool {
	if c.gotos != nil {
		return c.gotos
	}
	c.gotos = map[types.Object]bool{}
	for _, n := range c.cellNodes() {
		ast.Inspect(n, func(x ast.Node) bool {
			if b, ok := x.(*ast.BranchStmt); ok && b.Tok == token.GOTO && b.Label != nil {
				c.gotos[c.chk.info.Uses[b.Label]] = true
			}
			return true
		})
	}
	return c.gotos
}

// splitAssign makes a multiple assignment yaegi panics on go through
// typed variables, then single assignments: `_, ok = <-ch` (reflect.Set:
// value of type int is not assignable to type chan int) and
// `s1, s2 = a, b` of concrete values to interface variables (`var s1, s2
// fmt.Stringer = a, b` at top level); `a, b = i, f(w)` with a call on the
// right, where yaegi assigns a wrong value to a (0 for i == 2); and
// litValues. The right side is evaluated first, then assigned in order, as
// Go does.
func (c *compiler) splitAssign(as *ast.AssignStmt) {
	if as.Tok != token.ASSIGN || len(as.Lhs) < 2 || !c.needsSplit(as) {
		return
	}
	c.ed.replaceFunc(c.coff(as.Pos()), c.coff(as.End()), func() string {
		names := make([]string, len(as.Lhs))
		for i := range names {
			names[i] = c.name("T")
		}
		var b strings.Builder
		b.WriteString("{ ")
		if len(as.Rhs) == 1 {
			b.WriteString(strings.Join(names, ", ") + " := " + c.text(as.Rhs[0]) + "; ")
		} else {
			for i, r := range as.Rhs {
				t := c.chk.info.Types[as.Lhs[i]].Type
				if isBlank(as.Lhs[i]) || t == nil {
					b.WriteString(names[i] + " := " + c.text(r) + "; ")
					continue
				}
				b.WriteString("var " + names[i] + " " + c.typeString(t) + " = " + c.text(r) + "; ")
			}
		}
		for i, l := range as.Lhs {
			if isBlank(l) {
				b.WriteString("_ = " + names[i] + "; ")
				continue
			}
			b.WriteString(c.text(l) + " = " + names[i] + "; ")
		}
		b.WriteString("}")
		return b.String()
	})
}

func (c *compiler) needsSplit(as *ast.AssignStmt) bool {
	if len(as.Rhs) == 1 {
		for _, l := range as.Lhs {
			if isBlank(l) {
				return true // a comma-ok form with a blank
			}
		}
		return false
	}
	if slices.ContainsFunc(as.Rhs, zeroValueCall) {
		return false // pass 1's `var a, b T`, not the cell's text
	}
	for i, l := range as.Lhs {
		lt, rt := c.chk.info.Types[l].Type, c.chk.info.Types[as.Rhs[i]].Type
		if lt != nil && rt != nil && types.IsInterface(lt) && !types.IsInterface(rt) && !c.chk.info.Types[as.Rhs[i]].IsNil() {
			return true
		}
	}
	calls := false
	for _, r := range as.Rhs {
		if hasCall(r) && !c.isPackageVar(as.Lhs[0]) {
			calls = true
		}
	}
	if !calls && !c.litValues(as.Rhs) {
		return false
	}
	for _, l := range as.Lhs {
		if t := c.chk.info.Types[l].Type; t != nil && !c.writableAt(t, as.Pos()) {
			c.refuseMultiple(as.TokPos, t) // splitAssign's variable could not be typed
			return false
		}
	}
	return true
}

// isPackageVar reports whether e names a variable of an imported package
// (time.Local): compiledVarAssign writes it through a pointer, an edit
// that starts where the assignment does and that a split would repeat.
func (c *compiler) isPackageVar(e ast.Expr) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return false
	}
	_, ok = c.chk.info.Uses[id].(*types.PkgName)
	return ok
}

// zeroValueCall reports whether e is the zero value pass 1 writes for a
// top-level `var a, b T`, func() (z T) { return }(), which is not the
// cell's text and which yaegi assigns right.
func zeroValueCall(e ast.Expr) bool {
	call, ok := e.(*ast.CallExpr)
	if !ok || len(call.Args) > 0 {
		return false
	}
	lit, ok := call.Fun.(*ast.FuncLit)
	return ok && lit.Type.Results != nil && len(lit.Type.Results.List) == 1 &&
		len(lit.Type.Results.List[0].Names) == 1 && lit.Type.Results.List[0].Names[0].Name == "z" && len(lit.Body.List) == 1
}

// hasCall reports whether e calls a func outside of a func literal.
func hasCall(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		switch n.(type) {
		case *ast.FuncLit:
			return false
		case *ast.CallExpr:
			found = true
		}
		return !found
	})
	return found
}

func isBlank(e ast.Expr) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == "_"
}

// foldConst writes a constant expression that uses a constant of a
// compiled package as its value: yaegi types math.MaxFloat64 as an
// "untyped float64" it cannot mix with untyped floats
// (`0.0 - math.MaxFloat64`: mismatched types).
func (c *compiler) foldConst(e ast.Expr) bool {
	tv := c.chk.info.Types[e]
	if tv.Value == nil {
		return true
	}
	switch e.(type) {
	case *ast.BinaryExpr, *ast.UnaryExpr, *ast.ParenExpr:
	default:
		return true
	}
	usesPkgConst, usesIota := false, false
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == "iota" && c.chk.info.Uses[id] == types.Universe.Lookup("iota") {
			usesIota = true // the spec's text repeats in the specs after it
		}
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if _, ok := c.chk.info.Uses[sel.Sel].(*types.Const); ok {
				if _, pkg := c.chk.info.Uses[identOf(sel.X)].(*types.PkgName); pkg {
					usesPkgConst = true
				}
			}
		}
		return true
	})
	if !usesPkgConst || usesIota {
		return true
	}
	c.ed.replace(c.coff(e.Pos()), c.coff(e.End()), "("+c.constText(tv)+")")
	return false
}

// ifaceFieldAssign converts a value assigned to an interface field of a
// compiled package's struct to the field's type: yaegi silently ends the
// func at `r.Value = i * i` (container/ring), an operation's result
// assigned to such a field; `r.Value = any(i * i)` works.
func (c *compiler) ifaceFieldAssign(as *ast.AssignStmt) {
	if as.Tok != token.ASSIGN || len(as.Lhs) != len(as.Rhs) {
		return
	}
	for i, l := range as.Lhs {
		sel, ok := ast.Unparen(l).(*ast.SelectorExpr)
		if !ok {
			continue
		}
		s := c.chk.info.Selections[sel]
		if s == nil || s.Kind() != types.FieldVal || s.Obj().Pkg() == nil || s.Obj().Pkg().Path() == "main" {
			continue
		}
		ft := s.Obj().Type()
		r := as.Rhs[i]
		rt := c.chk.info.Types[r]
		if !types.IsInterface(ft) || rt.Type == nil || types.IsInterface(rt.Type) || rt.IsNil() {
			continue
		}
		c.ed.insert(c.coff(r.Pos()), "("+c.typeString(ft)+")(")
		c.ed.insert(c.coff(r.End()), ")")
	}
}
