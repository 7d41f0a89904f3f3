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
		text = "(*" + SessionName + "." + varKey(id.Name) + ")"
	case *types.Const:
		text = SessionName + "." + constKey(id.Name)
	case *types.Func:
		text = SessionName + "." + funcKey(id.Name)
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

// compiledNamed returns t (or what it points to) as a compiled session
// type, or nil.
func (c *compiler) compiledNamed(t types.Type) *types.Named {
	n, ok := types.Unalias(derefType(t)).(*types.Named)
	if !ok || n.Obj().Pkg() == nil || n.Obj().Pkg().Path() != "main" || !c.comp.has(n.Obj().Name()) {
		return nil
	}
	return n
}

// How an expression of compiledMember's chain stands for the value it
// reaches.
const (
	ptrTo = iota // a pointer to the value
	addr         // the value, addressable
	val          // the value, not addressable
)

// hole marks where the selection's receiver goes in compiledMember's text.
const hole = "\x00"

// compiledMember rewrites a selection that reaches an unexported field or
// method of a compiled type, also through embedded fields: each step is
// written out, the unexported ones of compiled types through accessors.
// X.f becomes (*__dms.FP(&(X))), X.m(a) __dms.M(&(X), a). The receiver X
// keeps its own edits, and insertions before it (`__dmV := `) stay
// outside. A pointer an accessor returns is used as it is: yaegi cannot
// take the address of *f() (&(*__dms.FP(x))).
func (c *compiler) compiledMember(sel *ast.SelectorExpr) {
	text, state, _, hidden, ok := c.memberChain(sel)
	if !ok {
		return
	}
	s := c.chk.info.Selections[sel]
	if s.Kind() == types.FieldVal {
		if !hidden {
			return
		}
		if state == ptrTo && !c.ptrUsed[sel] {
			text = "(*" + text + ")"
		}
		c.memberEdits(sel, text, sel.End())
		return
	}
	call, isCall := c.parents[sel].(*ast.CallExpr)
	if isCall && call.Fun == sel && c.deferredOrGo(call) {
		return // callNow writes it (accessorMethod)
	}
	fun, recv, ok := c.accessorMethod(sel)
	if !ok {
		return
	}
	if recv == "" {
		c.memberEdits(sel, fun, sel.End())
		return
	}
	if !isCall || call.Fun != sel {
		return // a method value: compiledMethodValue
	}
	text = fun + "(" + recv
	if len(call.Args) > 0 || c.emptyArgs[call] {
		text += ", " // the call's own ( is replaced, its ) stays
	}
	c.memberEdits(sel, text, call.Lparen+1)
}

// compiledMethodValue writes a method value x.M of a compiled type that is
// not called at once as a func literal that calls the method on the
// receiver evaluated there, as Go evaluates it (a copy for a value
// receiver): yaegi v0.16.1 gives the method value of a compiled type the
// type of its method expression (reflect.Set: value of type func() is not
// assignable to type func(*Counter)). It reports whether it did.
func (c *compiler) compiledMethodValue(sel *ast.SelectorExpr) bool {
	s := c.chk.info.Selections[sel]
	if c.comp == nil || s == nil || s.Kind() != types.MethodVal || c.calledNow(sel) {
		return false
	}
	if call, ok := c.parents[sel].(*ast.CallExpr); ok && call.Fun == sel {
		return false // go x.M(): goMethod
	}
	m := s.Obj().(*types.Func)
	msig := m.Type().(*types.Signature)
	owner := c.compiledNamed(msig.Recv().Type())
	if owner == nil {
		return false
	}
	// The receiver: x, through the embedded fields M is promoted by.
	text, state, t, _, ok := c.memberChain(sel)
	if !ok {
		return false
	}
	text, state, _ = toStruct(text, state, t)
	recvT := c.typeString(owner)
	switch ptrRecv := isPointer(msig.Recv().Type()); {
	case ptrRecv:
		recvT = "*" + recvT
		if state != ptrTo {
			text = "&(" + text + ")"
		}
	case state == ptrTo:
		text = "*(" + text + ")"
	}
	var params, args []string
	for i := 0; i < msig.Params().Len(); i++ {
		t := msig.Params().At(i).Type()
		a := fmt.Sprintf("__dmA%d", i)
		if msig.Variadic() && i == msig.Params().Len()-1 {
			params = append(params, a+" ..."+c.typeString(t.(*types.Slice).Elem()))
			args = append(args, a+"...")
			continue
		}
		params = append(params, a+" "+c.typeString(t))
		args = append(args, a)
	}
	var results []string
	for i := 0; i < msig.Results().Len(); i++ {
		results = append(results, c.typeString(msig.Results().At(i).Type()))
	}
	call := "__dmR." + m.Name() + "(" + strings.Join(args, ", ") + ")"
	if !m.Exported() {
		call = SessionName + "." + methodKey(owner.Obj().Name(), m.Name()) + "(" + strings.Join(append([]string{"__dmR"}, args...), ", ") + ")"
	}
	if len(results) > 0 {
		call = "return " + call
	}
	fn := "func(" + strings.Join(params, ", ") + ") (" + strings.Join(results, ", ") + ")"
	c.memberEdits(sel, "func(__dmR "+recvT+") "+fn+" { return "+fn+" { "+call+" } }("+text+")", sel.End())
	return true
}

// bareConstraints writes the constraints of an interpreted generic
// declaration's type parameters that are type sets (type Number
// interface{ ~int | ~float64 }) as their bare unions (~int | ~float64):
// yaegi v0.16.1 crashes checking a compiled type (Meters) against an
// interface of type terms, and not against the bare union.
func (c *compiler) bareConstraints(params *ast.FieldList) {
	if c.comp == nil || params == nil {
		return
	}
	for _, f := range params.List {
		if _, bare := f.Type.(*ast.BinaryExpr); bare {
			continue
		}
		if u, ok := f.Type.(*ast.UnaryExpr); ok && u.Op == token.TILDE {
			continue
		}
		it, ok := c.chk.info.Types[f.Type].Type.Underlying().(*types.Interface)
		if !ok || it.NumMethods() > 0 || it.NumEmbeddeds() != 1 {
			continue
		}
		u, ok := it.EmbeddedType(0).(*types.Union)
		if !ok {
			continue
		}
		terms := make([]string, u.Len())
		for i := range terms {
			terms[i] = c.typeString(u.Term(i).Type())
			if u.Term(i).Tilde() {
				terms[i] = "~" + terms[i]
			}
		}
		c.ed.replace(c.coff(f.Type.Pos()), c.coff(f.Type.End()), strings.Join(terms, " | "))
	}
}

// deferredOrGo reports whether call is the call of a defer or go
// statement.
func (c *compiler) deferredOrGo(call *ast.CallExpr) bool {
	switch p := c.parents[call].(type) {
	case *ast.DeferStmt:
		return p.Call == call
	case *ast.GoStmt:
		return p.Call == call
	}
	return false
}

// accessorMethod returns how compiledMember writes a method value sel it
// rewrites: the accessor to call and its receiver argument, or, for an
// exported method reached through accessors, the method value itself in
// fun (recv ""). fun and recv hold the hole for sel.X. ok is false when
// sel needs no rewrite.
func (c *compiler) accessorMethod(sel *ast.SelectorExpr) (fun, recv string, ok bool) {
	text, state, t, hidden, ok := c.memberChain(sel)
	s := c.chk.info.Selections[sel]
	if !ok || s.Kind() != types.MethodVal {
		return "", "", false
	}
	m := s.Obj().(*types.Func)
	owner := c.compiledNamed(m.Type().(*types.Signature).Recv().Type())
	if owner == nil || m.Exported() {
		return text + "." + m.Name(), "", hidden
	}
	text, state, _ = toStruct(text, state, t)
	switch ptrRecv := isPointer(m.Type().(*types.Signature).Recv().Type()); {
	case ptrRecv && state != ptrTo:
		text = "&(" + text + ")"
	case !ptrRecv && state == ptrTo:
		text = "*(" + text + ")"
	}
	return SessionName + "." + methodKey(owner.Obj().Name(), m.Name()), text, true
}

func isPointer(t types.Type) bool {
	_, ok := types.Unalias(t).(*types.Pointer)
	return ok
}

// memberChain writes the steps of sel's selection (compiledMember) around
// a hole for sel.X: the text, how it stands for the value it reaches
// (ptrTo, addr, val), that value's type, and whether a step needs an
// accessor. ok is false for what is not a selection of a field or method
// value.
func (c *compiler) memberChain(sel *ast.SelectorExpr) (text string, state int, t types.Type, hidden, ok bool) {
	s := c.chk.info.Selections[sel]
	if c.comp == nil || s == nil || s.Kind() == types.MethodExpr {
		return "", 0, nil, false, false
	}
	t = c.chk.info.Types[sel.X].Type
	text, state = hole, val
	if inner, _ := ast.Unparen(sel.X).(*ast.SelectorExpr); inner != nil && c.endsInAccessor(inner) {
		// X is itself a selection through an accessor: the pointer it
		// returns is used as it is.
		if c.ptrUsed == nil {
			c.ptrUsed = map[*ast.SelectorExpr]bool{}
		}
		c.ptrUsed[inner] = true
		state = ptrTo
	} else if c.chk.info.Types[sel.X].Addressable() {
		state = addr
	}
	fields := s.Index()
	if s.Kind() == types.MethodVal {
		fields = fields[:len(fields)-1]
	}
	for _, i := range fields {
		text, state, t = toStruct(text, state, t)
		st, isStruct := t.Underlying().(*types.Struct)
		if !isStruct {
			return "", 0, nil, false, false
		}
		f := st.Field(i)
		owner := c.compiledNamed(t)
		switch {
		case owner == nil || f.Exported():
			text += "." + f.Name()
			if state != val {
				state = addr
			}
		case state == ptrTo:
			text = SessionName + "." + fieldPtrKey(owner.Obj().Name(), f.Name()) + "(" + text + ")"
			hidden = true
		case state == addr:
			text = SessionName + "." + fieldPtrKey(owner.Obj().Name(), f.Name()) + "(&(" + text + "))"
			state, hidden = ptrTo, true
		default:
			text = SessionName + "." + fieldGetKey(owner.Obj().Name(), f.Name()) + "(" + text + ")"
			hidden = true
		}
		t = f.Type()
	}
	return text, state, t, hidden, true
}

// toStruct moves a chain from a pointer value to what it points to.
func toStruct(text string, state int, t types.Type) (string, int, types.Type) {
	if !isPointer(t) {
		return text, state, t
	}
	if state == ptrTo {
		text = "(*" + text + ")"
	}
	return text, ptrTo, derefType(t)
}

// endsInAccessor reports whether the field selection sel is rewritten to
// the dereferenced pointer a field accessor returns.
func (c *compiler) endsInAccessor(sel *ast.SelectorExpr) bool {
	s := c.chk.info.Selections[sel]
	if s == nil || s.Kind() != types.FieldVal {
		return false
	}
	_, state, _, hidden, ok := c.memberChain(sel)
	return ok && hidden && state == ptrTo
}

// viaAccessor reports whether compiledMember rewrites the method value
// sel to a call of an accessor (an unexported method of a compiled type,
// or a method reached through unexported fields): a plain call, which the
// rewrites of method calls in defer and go statements leave alone.
func (c *compiler) viaAccessor(sel *ast.SelectorExpr) bool {
	_, _, ok := c.accessorMethod(sel)
	return ok
}

// memberEdits writes text (with the receiver sel.X at its hole) in place
// of sel.X and what follows it up to end.
func (c *compiler) memberEdits(sel *ast.SelectorExpr, text string, end token.Pos) {
	open, close, _ := strings.Cut(text, hole)
	if open != "" {
		c.ed.insertLate(c.coff(sel.X.Pos()), open)
	}
	c.ed.replace(c.coff(sel.X.End()), c.coff(end), close)
}

// compiledIfaceLit writes a composite literal of a compiled named slice,
// array or map type of interfaces (type byArea []Shape) as a conversion of
// a literal of its underlying type: yaegi v0.16.1 fails to wrap
// interpreted values as the elements of the named type's literal
// ("reflect.Set: value of type struct {...} is not assignable"), and does
// for the unnamed one.
func (c *compiler) compiledIfaceLit(lit *ast.CompositeLit) {
	if c.comp == nil || lit.Type == nil {
		return
	}
	n := c.compiledNamed(c.chk.info.Types[lit].Type)
	if n == nil || isPointer(c.chk.info.Types[lit].Type) {
		return
	}
	var elem types.Type
	switch u := n.Underlying().(type) {
	case *types.Slice:
		elem = u.Elem()
	case *types.Array:
		elem = u.Elem()
	case *types.Map:
		elem = u.Elem()
		if types.IsInterface(u.Key()) {
			elem = u.Key()
		}
	default:
		return
	}
	if !types.IsInterface(elem) {
		return
	}
	c.ed.replace(c.coff(lit.Type.Pos()), c.coff(lit.Type.End()), c.typeString(n)+"("+c.typeString(n.Underlying()))
	c.ed.insert(c.coff(lit.End()), ")")
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
				fmt.Fprintf(&b, "*%s.%s(%s) = %s; ", SessionName, fieldPtrKey(name, s.field), ref, val)
			}
		}
		// Keep the cell's lines: later positions must not move.
		b.WriteString(strings.Repeat("\n", max(0, lines-strings.Count(b.String(), "\n"))))
		fmt.Fprintf(&b, "return %s }()", v)
		return b.String()
	})
}
