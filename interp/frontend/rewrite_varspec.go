package frontend

import (
	"go/ast"
	"go/types"
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
