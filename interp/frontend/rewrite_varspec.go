package frontend

import (
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// multiIfaceSpec converts each value of a local `var a, b I = x, y` with an
// interface type I to I: yaegi loses the other values of such a spec when
// one of them is a composite literal (`var a, b any = p, Vec{1, 2}` left a
// nil, `var a, b any = 5, []int{1}` too), while it assigns converted values
// right. Top-level specs are split into declarations and assignments
// already.
func (c *compiler) multiIfaceSpec(n *ast.ValueSpec) {
	if n.Type == nil || len(n.Values) < 2 || len(n.Values) != len(n.Names) {
		return
	}
	if _, local := c.parents[c.parents[n]].(*ast.DeclStmt); !local {
		return
	}
	t := c.chk.info.Types[n.Type].Type
	if t == nil || !types.IsInterface(t) || mentionsMain(t) {
		return
	}
	ts := c.typeString(t)
	for _, v := range n.Values {
		c.ed.insert(c.coff(v.Pos()), "("+ts+")(")
		c.ed.insert(c.coff(v.End()), ")")
	}
}

// mentionsMain reports whether t is a named type of the session (whose
// name in interpreted code is not its Go name).
func mentionsMain(t types.Type) bool {
	n, ok := types.Unalias(t).(*types.Named)
	return ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "main"
}

// multiLitValues writes the values of a local `a, x := T{1}, 2` or `var
// a, x = T{1}, 2` that mixes composite literals with other values as the
// results of a call, func() (T, int) { return T{1}, 2 }(): yaegi v0.16.1
// gives the variables of the other values their zero value (x was 0, a
// pointer nil), and returns several values right. ts are the variables'
// types.
func (c *compiler) multiLitValues(ts []types.Type, values []ast.Expr) {
	if len(values) < 2 || len(ts) != len(values) {
		return
	}
	lits := 0
	for _, v := range values {
		if _, ok := ast.Unparen(v).(*ast.CompositeLit); ok {
			lits++
		}
	}
	if lits == 0 || lits == len(values) {
		return
	}
	names := make([]string, len(ts))
	for i, t := range ts {
		if t == nil {
			return
		}
		if _, ok := typeNamesIn(t, func(string) bool { return true }); !ok {
			return // a type the literal cannot name
		}
		names[i] = c.typeString(t)
	}
	c.ed.insert(c.coff(values[0].Pos()), "func() ("+strings.Join(names, ", ")+") { return ")
	c.ed.insertOuter(c.coff(values[len(values)-1].End()), " }()")
}

// defineTypes are the types of the variables of a := with as many values.
func (c *compiler) defineTypes(as *ast.AssignStmt) []types.Type {
	if as.Tok != token.DEFINE || len(as.Lhs) != len(as.Rhs) {
		return nil
	}
	ts := make([]types.Type, len(as.Lhs))
	for i, l := range as.Lhs {
		if ts[i] = c.chk.info.TypeOf(l); ts[i] == nil {
			ts[i] = types.Default(c.chk.info.TypeOf(as.Rhs[i])) // _
		}
	}
	return ts
}

// specTypes are the types of the variables of a local var spec with
// values, nil for a top-level one (split into declarations and
// assignments) or one multiIfaceSpec converts.
func (c *compiler) specTypes(n *ast.ValueSpec) []types.Type {
	if _, local := c.parents[c.parents[n]].(*ast.DeclStmt); !local || len(n.Values) != len(n.Names) {
		return nil
	}
	ts := make([]types.Type, len(n.Names))
	for i, id := range n.Names {
		if n.Type != nil {
			ts[i] = c.chk.info.TypeOf(n.Type)
		} else if ts[i] = c.chk.info.TypeOf(id); ts[i] == nil {
			ts[i] = types.Default(c.chk.info.TypeOf(n.Values[i])) // _
		}
		if types.IsInterface(ts[i]) && n.Type != nil {
			return nil
		}
	}
	return ts
}
