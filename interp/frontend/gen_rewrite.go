package frontend

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"strings"
)

// Interpreted sources reach compiled declarations through __dms (the
// generation's symbols): compiled types keep their names, which the
// interpreted image declares as aliases (typeAliases); funcs and consts are
// written __dms.F_f and __dms.C_k; a compiled variable x is (*__dms.P_x),
// since yaegi cannot assign a compiled package's variable. Reflection
// cannot reach unexported fields and methods, so their uses call the
// generation's accessors.

// sessionObject returns the compiled package-level object id uses, or nil.
func (c *compiler) sessionObject(id *ast.Ident) types.Object {
	if c.comp == nil {
		return nil
	}
	obj := c.chk.info.Uses[id]
	if obj == nil || obj.Pkg() == nil || obj.Pkg().Path() != "main" || obj.Parent() != obj.Pkg().Scope() || !c.comp.has(obj.Name()) {
		return nil
	}
	if c.im.isPrelude(obj.Pos()) {
		return nil
	}
	return obj
}

// compiledRef rewrites a use of a compiled func, const or variable.
func (c *compiler) compiledRef(id *ast.Ident) {
	obj := c.sessionObject(id)
	if obj == nil {
		return
	}
	var text string
	switch obj.(type) {
	case *types.Var:
		text = "(*" + sessionName + "." + varKey(id.Name) + ")"
	case *types.Const:
		text = sessionName + "." + constKey(id.Name)
	case *types.Func:
		text = sessionName + "." + funcKey(id.Name)
	default:
		return // a type: its alias
	}
	off := c.coff(id.Pos())
	if !c.pieceHas(id.Pos(), off, id.Name) {
		// The name is inside text a structural edit replaced: nothing to
		// rewrite it in.
		c.errAt(max(off, 0), "%s, compiled, cannot be used here by the interpreter (internal: no text to rewrite)", id.Name)
		return
	}
	c.ed.replace(off, off+len(id.Name), text)
}

// pieceHas reports whether the cell's text at off (of the piece holding p)
// is s.
func (c *compiler) pieceHas(p token.Pos, off int, s string) bool {
	piece := c.bodyPiece
	if c.inDecls(p) {
		piece = c.declPiece
	}
	return off >= 0 && off+len(s) <= len(piece) && piece[off:off+len(s)] == s
}

// interpretedSessionType is isSessionType for the yaegi workarounds: a
// compiled session type is Go's own and needs none.
func (c *compiler) interpretedSessionType(t types.Type) bool {
	if !isSessionType(t) {
		return false
	}
	n, _ := types.Unalias(derefType(t)).(*types.Named)
	return n == nil || !c.comp.has(n.Obj().Name())
}

// compiledOwner returns the compiled session type that declares the field
// or method sel selects, and whether it is promoted through embedded fields.
func (c *compiler) compiledOwner(s *types.Selection) (*types.Named, bool) {
	var t types.Type
	if s.Kind() == types.FieldVal {
		t = s.Recv()
		for _, i := range s.Index()[:len(s.Index())-1] {
			st, ok := derefType(t).Underlying().(*types.Struct)
			if !ok {
				return nil, false
			}
			t = st.Field(i).Type()
		}
	} else {
		sig, ok := s.Obj().Type().(*types.Signature)
		if !ok || sig.Recv() == nil {
			return nil, false
		}
		t = sig.Recv().Type()
	}
	n, ok := types.Unalias(derefType(t)).(*types.Named)
	if !ok || n.Obj().Pkg() == nil || n.Obj().Pkg().Path() != "main" || !c.comp.has(n.Obj().Name()) {
		return nil, false
	}
	return n, len(s.Index()) > 1
}

// compiledMember rewrites a use of an unexported field or method of a
// compiled type.
func (c *compiler) compiledMember(sel *ast.SelectorExpr) {
	s := c.chk.info.Selections[sel]
	if c.comp == nil || s == nil || sel.Sel.IsExported() || s.Kind() == types.MethodExpr {
		return
	}
	owner, promoted := c.compiledOwner(s)
	if owner == nil {
		return
	}
	name := owner.Obj().Name()
	if promoted {
		c.errAt(c.coff(sel.Pos()), "%s.%s, an unexported member of the compiled type %s promoted through an embedded field, is not supported in interpreted code (a declaration that uses the prelude's funcs); select it through the embedded field", name, sel.Sel.Name, name)
		return
	}
	_, isPtr := types.Unalias(c.chk.info.Types[sel.X].Type).(*types.Pointer)
	// X.f becomes (*__dms.FP(X)), with &(X) or *(X) as needed: X keeps
	// its own edits, and insertions before it (`__dmV := `) stay outside.
	wrap := func(open, close string) {
		c.ed.insertLate(c.coff(sel.X.Pos()), open)
		c.ed.replace(c.coff(sel.X.End()), c.coff(sel.End()), close)
	}
	if s.Kind() == types.FieldVal {
		switch {
		case isPtr:
			wrap("(*"+sessionName+"."+fieldPtrKey(name, sel.Sel.Name)+"(", "))")
		case c.chk.info.Types[sel.X].Addressable():
			wrap("(*"+sessionName+"."+fieldPtrKey(name, sel.Sel.Name)+"(&(", ")))")
		default:
			wrap(sessionName+"."+fieldGetKey(name, sel.Sel.Name)+"(", ")")
		}
		return
	}
	call, ok := c.parents[sel].(*ast.CallExpr)
	if !ok || call.Fun != sel {
		c.errAt(c.coff(sel.Pos()), "the method value %s.%s of the compiled type %s is not supported in interpreted code (a declaration that uses the prelude's funcs): call it, or wrap the call in a func literal", name, sel.Sel.Name, name)
		return
	}
	_, ptrRecv := s.Obj().Type().(*types.Signature).Recv().Type().(*types.Pointer)
	comma := ""
	if len(call.Args) > 0 {
		comma = ", "
	}
	open, close := "(", "" // the call's own ( is replaced, its ) stays
	switch {
	case ptrRecv && !isPtr:
		open, close = "(&(", ")"
	case !ptrRecv && isPtr:
		open, close = "(*(", ")"
	}
	c.ed.insertLate(c.coff(sel.X.Pos()), sessionName+"."+methodKey(name, sel.Sel.Name)+open)
	c.ed.replace(c.coff(sel.X.End()), c.coff(call.Lparen)+1, close+comma)
}

// compiledLit rewrites a composite literal of a compiled struct type that
// sets unexported fields: a func literal builds the value through the
// fields' accessors.
func (c *compiler) compiledLit(lit *ast.CompositeLit) {
	if c.comp == nil {
		return
	}
	t := types.Unalias(c.chk.info.Types[lit].Type)
	elidedPtr := false
	if p, ok := t.(*types.Pointer); ok && lit.Type == nil {
		t, elidedPtr = types.Unalias(p.Elem()), true // {...} for &T{...} in a literal of []*T
	}
	n, ok := t.(*types.Named)
	if !ok || n.Obj().Pkg() == nil || n.Obj().Pkg().Path() != "main" || !c.comp.has(n.Obj().Name()) {
		return
	}
	st, ok := n.Underlying().(*types.Struct)
	if !ok || len(lit.Elts) == 0 {
		return
	}
	type set struct {
		field string
		value ast.Expr
	}
	var sets []set
	hidden := false
	for i, e := range lit.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			id, _ := kv.Key.(*ast.Ident)
			if id == nil {
				return
			}
			sets = append(sets, set{id.Name, kv.Value})
			hidden = hidden || !id.IsExported()
			continue
		}
		if i >= st.NumFields() {
			return
		}
		f := st.Field(i)
		sets = append(sets, set{f.Name(), e})
		hidden = hidden || !f.Exported()
	}
	if !hidden {
		return
	}
	name := n.Obj().Name()
	var target ast.Expr = lit
	ptr := elidedPtr
	if u, ok := c.parents[lit].(*ast.UnaryExpr); ok && u.Op == token.AND {
		target, ptr = u, true
	}
	v := c.name("L")
	start, end := c.coff(target.Pos()), c.coff(target.End())
	piece := c.bodyPiece
	if c.inDecls(target.Pos()) {
		piece = c.declPiece
	}
	lines := strings.Count(piece[start:end], "\n")
	c.ed.replaceFunc(start, end, func() string {
		var b strings.Builder
		ref := "&" + v
		if ptr {
			fmt.Fprintf(&b, "func() *%s { %s := new(%s); ", name, v, name)
			ref = v
		} else {
			fmt.Fprintf(&b, "func() %s { var %s %s; ", name, v, name)
		}
		for _, s := range sets {
			val := c.text(s.value)
			if token.IsExported(s.field) {
				fmt.Fprintf(&b, "%s.%s = %s; ", v, s.field, val)
			} else {
				fmt.Fprintf(&b, "*%s.%s(%s) = %s; ", sessionName, fieldPtrKey(name, s.field), ref, val)
			}
		}
		// Keep the cell's lines: later positions must not move.
		b.WriteString(strings.Repeat("\n", max(0, lines-strings.Count(b.String(), "\n"))))
		fmt.Fprintf(&b, "return %s }()", v)
		return b.String()
	})
}
