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

// litValues reports whether yaegi v0.16.1 may assign the zero value to
// some variables of a multiple assignment, := or var spec of values:
// when a value holds a composite or func literal, or a method value
// (which the cell writes as a call of a func literal). `s, x := []int{1},
// 3` in a cell left x 0, `sq, tl := Square{2}, &tally{}` tl nil, `add, sh
// := b.Add, p.Shift` add nil, and `a, x := T{1}, 2` in a func x 0.
func (c *compiler) litValues(values []ast.Expr) bool {
	if len(values) < 2 {
		return false
	}
	found := false
	for _, v := range values {
		ast.Inspect(v, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit, *ast.FuncLit:
				found = true
			case *ast.SelectorExpr:
				if s := c.chk.info.Selections[n]; s != nil && s.Kind() == types.MethodVal && !c.calledNow(n) {
					found = true
				}
			}
			return !found
		})
	}
	return found
}

// multiLitValues writes the values of a local := or var spec that
// litValues finds as the results of a call, `a, x := func() (T, int) {
// return T{1}, 2 }()`: yaegi returns several values right. ts are the
// variables' types, op the := or = before the values (the call's start
// replaces it, so that edits of the first value stay inside).
func (c *compiler) multiLitValues(ts []types.Type, op token.Pos, values []ast.Expr) {
	if len(ts) != len(values) || !c.litValues(values) {
		return
	}
	names := make([]string, len(ts))
	for i, t := range ts {
		if t == nil {
			return
		}
		if !c.writableAt(t, op) {
			c.refuseMultiple(op, t)
			return
		}
		names[i] = c.typeString(t)
	}
	from, to := c.coff(op), c.coff(values[0].Pos())
	if from < 0 || to < from || to > len(c.src) {
		return
	}
	c.ed.replace(from, to, c.src[from:to]+"func() ("+strings.Join(names, ", ")+") { return ")
	c.ed.insertOuter(c.coff(values[len(values)-1].End()), " }()")
}

// refuseMultiple fails a multiple assignment, := or var that yaegi would
// get wrong (litValues, needsSplit) and that cannot be written otherwise,
// as a variable of it has a type the cell cannot name: an error, where
// running it would give some variables their zero values silently.
func (c *compiler) refuseMultiple(pos token.Pos, t types.Type) {
	c.errAt(c.coff(pos), "this multiple assignment is not supported by the interpreter: it would leave some variables at their zero values, and the type %s cannot be written in the cell to avoid that; assign the variables one by one",
		types.TypeString(t, c.qualifier))
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

// specEnd is where a var spec's names or type end, before its =.
func specEnd(n *ast.ValueSpec) token.Pos {
	if n.Type != nil {
		return n.Type.End()
	}
	return n.Names[len(n.Names)-1].End()
}

// writableAt reports whether the cell can write t at pos as typeString
// writes it: not with a struct type of its own (the cell's are rewritten,
// hideUnexported), a type parameter, or a local type out of scope.
func (c *compiler) writableAt(t types.Type, pos token.Pos) bool {
	switch t := types.Unalias(t).(type) {
	case *types.Basic:
		return true
	case *types.Named:
		obj := t.Obj()
		switch {
		case obj.Pkg() == nil:
		case obj.Pkg().Path() != "main":
			if !obj.Exported() || isInternalPath(obj.Pkg().Path()) {
				return false
			}
		case obj.Parent() != obj.Pkg().Scope():
			if obj.Parent() == nil || !obj.Parent().Contains(pos) || obj.Pos() > pos {
				return false
			}
		}
		for i := 0; i < t.TypeArgs().Len(); i++ {
			if !c.writableAt(t.TypeArgs().At(i), pos) {
				return false
			}
		}
		return true
	case *types.Pointer:
		return c.writableAt(t.Elem(), pos)
	case *types.Slice:
		return c.writableAt(t.Elem(), pos)
	case *types.Array:
		return c.writableAt(t.Elem(), pos)
	case *types.Chan:
		return c.writableAt(t.Elem(), pos)
	case *types.Map:
		return c.writableAt(t.Key(), pos) && c.writableAt(t.Elem(), pos)
	case *types.Signature:
		for _, tup := range []*types.Tuple{t.Params(), t.Results()} {
			for i := 0; i < tup.Len(); i++ {
				if !c.writableAt(tup.At(i).Type(), pos) {
					return false
				}
			}
		}
		return true
	case *types.Interface:
		return t.Empty()
	}
	return false
}
